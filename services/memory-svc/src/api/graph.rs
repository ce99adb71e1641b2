//! The link graph of a vault.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::graph::Graph;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GraphNode {
    /// A note's path without `.md`; `tag:{tag}` for a tag; `unresolved:{target}` for a link
    /// target no note matches.
    pub id: String,
    pub title: String,
    /// A note's frontmatter `type` (or `note`), `tag` or `unresolved`.
    #[serde(rename = "type")]
    pub node_type: String,
    pub category: String,
    pub path: Option<String>,
    pub tags: Vec<String>,
    /// Edges touching the node, both ways.
    pub degree: usize,
    pub created_at: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GraphEdge {
    pub source: String,
    pub target: String,
    /// `wiki_link`, `frontmatter` or `tag`.
    #[serde(rename = "type")]
    pub edge_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GraphStats {
    pub node_count: usize,
    pub edge_count: usize,
    pub node_type_counts: BTreeMap<String, usize>,
    pub edge_type_counts: BTreeMap<String, usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GraphDoc {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    pub stats: GraphStats,
}

/// A neighbourhood: nodes and the edges between them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Neighborhood {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct NeighborsQuery {
    /// 1-5, default 1.
    pub max_hops: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rebuilt {
    pub status: &'static str,
    pub nodes: usize,
    pub edges: usize,
    pub message: String,
}

fn parts(graph: Graph) -> (Vec<GraphNode>, Vec<GraphEdge>) {
    let nodes = graph
        .nodes
        .into_iter()
        .map(|n| GraphNode {
            id: n.id,
            title: n.title,
            node_type: n.node_type,
            category: n.category,
            path: n.path,
            tags: n.tags,
            degree: n.degree,
            created_at: n.created_at,
        })
        .collect();
    let edges = graph
        .edges
        .into_iter()
        .map(|e| GraphEdge {
            source: e.source,
            target: e.target,
            edge_type: e.edge_type,
            label: e.label,
        })
        .collect();
    (nodes, edges)
}

impl From<Graph> for GraphDoc {
    fn from(graph: Graph) -> Self {
        let stats = GraphStats {
            node_count: graph.nodes.len(),
            edge_count: graph.edges.len(),
            node_type_counts: graph.node_type_counts(),
            edge_type_counts: graph.edge_type_counts(),
        };
        let (nodes, edges) = parts(graph);
        Self {
            nodes,
            edges,
            stats,
        }
    }
}

impl From<Graph> for Neighborhood {
    fn from(graph: Graph) -> Self {
        let (nodes, edges) = parts(graph);
        Self { nodes, edges }
    }
}
