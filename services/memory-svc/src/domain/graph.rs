//! The link graph of a vault, from its notes and the links they write: wiki-links resolve
//! case-insensitively by path (`[[folder/note]]`), then file stem, then title, then alias; a
//! target nothing matches stays in the graph as an `unresolved` node. Self-links are dropped,
//! duplicate edges kept once, and a node's degree counts its edges both ways.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use crate::domain::note::{LinkKind, stem};

/// What the graph needs of a note.
#[derive(Debug, Clone)]
pub struct NoteNode {
    pub path: String,
    pub title: String,
    pub category: String,
    pub note_type: Option<String>,
    pub tags: Vec<String>,
    pub aliases: Vec<String>,
    pub created_at: i64,
}

/// A link as stored.
#[derive(Debug, Clone)]
pub struct Link {
    pub src_path: String,
    pub kind: LinkKind,
    pub target: String,
    pub heading: Option<String>,
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: String,
    pub title: String,
    pub node_type: String,
    pub category: String,
    pub path: Option<String>,
    pub tags: Vec<String>,
    pub degree: usize,
    pub created_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub source: String,
    pub target: String,
    pub edge_type: String,
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

impl Graph {
    pub fn node_type_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for n in &self.nodes {
            *counts.entry(n.node_type.clone()).or_default() += 1;
        }
        counts
    }

    pub fn edge_type_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for e in &self.edges {
            *counts.entry(e.edge_type.clone()).or_default() += 1;
        }
        counts
    }
}

/// A note's node id: its path without `.md`.
pub fn node_id(path: &str) -> String {
    path.strip_suffix(".md").unwrap_or(path).to_owned()
}

fn key(s: &str) -> String {
    let s = s.trim().replace('\\', "/").to_lowercase();
    s.strip_suffix(".md").map(str::to_owned).unwrap_or(s)
}

/// Finds the note a link target names.
pub struct Resolver<'a> {
    by_path: HashMap<String, &'a str>,
    by_stem: HashMap<String, &'a str>,
    by_title: HashMap<String, &'a str>,
    by_alias: HashMap<String, &'a str>,
}

impl<'a> Resolver<'a> {
    /// Where two notes share a stem, title or alias, the one with the shorter, then smaller,
    /// path wins, so the answer never depends on the order rows came in.
    pub fn new(notes: &'a [NoteNode]) -> Self {
        let mut sorted: Vec<&NoteNode> = notes.iter().collect();
        sorted.sort_by(|a, b| (a.path.len(), &a.path).cmp(&(b.path.len(), &b.path)));
        let mut r = Self {
            by_path: HashMap::new(),
            by_stem: HashMap::new(),
            by_title: HashMap::new(),
            by_alias: HashMap::new(),
        };
        for n in sorted {
            let path = n.path.as_str();
            r.by_path.entry(key(path)).or_insert(path);
            r.by_stem.entry(key(stem(path))).or_insert(path);
            r.by_title.entry(key(&n.title)).or_insert(path);
            for alias in &n.aliases {
                r.by_alias.entry(key(alias)).or_insert(path);
            }
        }
        r
    }

    /// The path of the note `target` names, if any.
    pub fn resolve(&self, target: &str) -> Option<&'a str> {
        let k = key(target);
        if k.contains('/') {
            if let Some(p) = self.by_path.get(&k) {
                return Some(p);
            }
            // `[[folder/note]]` written relative to a deeper folder is matched by its tail.
            let tail = k.rsplit('/').next().unwrap_or(&k);
            return self
                .by_stem
                .get(tail)
                .copied()
                .filter(|p| key(p).ends_with(&format!("/{k}")) || key(p) == k);
        }
        self.by_stem
            .get(&k)
            .or_else(|| self.by_title.get(&k))
            .or_else(|| self.by_alias.get(&k))
            .copied()
    }
}

/// The whole graph of a vault.
pub fn build(notes: &[NoteNode], links: &[Link]) -> Graph {
    let resolver = Resolver::new(notes);
    let mut edges: BTreeSet<Edge> = BTreeSet::new();
    let mut unresolved: BTreeMap<String, String> = BTreeMap::new();
    let mut tags: BTreeSet<String> = BTreeSet::new();
    let known: HashMap<&str, ()> = notes.iter().map(|n| (n.path.as_str(), ())).collect();
    for link in links
        .iter()
        .filter(|l| known.contains_key(l.src_path.as_str()))
    {
        let source = node_id(&link.src_path);
        let target = match resolver.resolve(&link.target) {
            Some(path) if path == link.src_path => continue,
            Some(path) => node_id(path),
            None => {
                let id = format!("unresolved:{}", key(&link.target));
                unresolved
                    .entry(id.clone())
                    .or_insert_with(|| link.target.clone());
                id
            }
        };
        let label = link.label.clone().or_else(|| link.heading.clone());
        edges.insert(Edge {
            source,
            target,
            edge_type: match link.kind {
                LinkKind::Wiki => "wiki_link".to_owned(),
                LinkKind::Frontmatter => "frontmatter".to_owned(),
            },
            label,
        });
    }
    for n in notes {
        for tag in &n.tags {
            let tag = tag.to_lowercase();
            edges.insert(Edge {
                source: node_id(&n.path),
                target: format!("tag:{tag}"),
                edge_type: "tag".to_owned(),
                label: None,
            });
            tags.insert(tag);
        }
    }
    // One edge per (source, target, type): the first label wins.
    let mut seen = BTreeSet::new();
    let edges: Vec<Edge> = edges
        .into_iter()
        .filter(|e| seen.insert((e.source.clone(), e.target.clone(), e.edge_type.clone())))
        .collect();
    let mut degree: HashMap<&str, usize> = HashMap::new();
    for e in &edges {
        *degree.entry(e.source.as_str()).or_default() += 1;
        *degree.entry(e.target.as_str()).or_default() += 1;
    }
    let deg = |id: &str| degree.get(id).copied().unwrap_or(0);
    let mut nodes: Vec<Node> = notes
        .iter()
        .map(|n| {
            let id = node_id(&n.path);
            Node {
                degree: deg(&id),
                title: n.title.clone(),
                node_type: n.note_type.clone().unwrap_or_else(|| "note".to_owned()),
                category: n.category.clone(),
                path: Some(n.path.clone()),
                tags: n.tags.clone(),
                created_at: Some(n.created_at),
                id,
            }
        })
        .collect();
    nodes.extend(tags.into_iter().map(|t| {
        let id = format!("tag:{t}");
        Node {
            degree: deg(&id),
            title: format!("#{t}"),
            node_type: "tag".to_owned(),
            category: String::new(),
            path: None,
            tags: Vec::new(),
            created_at: None,
            id,
        }
    }));
    nodes.extend(unresolved.into_iter().map(|(id, title)| Node {
        degree: deg(&id),
        title,
        node_type: "unresolved".to_owned(),
        category: String::new(),
        path: None,
        tags: Vec::new(),
        created_at: None,
        id,
    }));
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    Graph { nodes, edges }
}

/// The most hops a neighbourhood may span.
pub const MAX_HOPS: u32 = 5;

/// The nodes within `hops` edges of `start` (either direction) and the edges between them;
/// `None` when `start` is not a node.
pub fn neighbors(graph: &Graph, start: &str, hops: u32) -> Option<Graph> {
    graph.nodes.iter().find(|n| n.id == start)?;
    let mut adjacent: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in &graph.edges {
        adjacent.entry(&e.source).or_default().push(&e.target);
        adjacent.entry(&e.target).or_default().push(&e.source);
    }
    let mut reached: BTreeSet<&str> = BTreeSet::from([start]);
    let mut queue = VecDeque::from([(start, 0)]);
    while let Some((id, depth)) = queue.pop_front() {
        if depth >= hops.min(MAX_HOPS) {
            continue;
        }
        for next in adjacent.get(id).into_iter().flatten() {
            if reached.insert(next) {
                queue.push_back((next, depth + 1));
            }
        }
    }
    Some(Graph {
        nodes: graph
            .nodes
            .iter()
            .filter(|n| reached.contains(n.id.as_str()))
            .cloned()
            .collect(),
        edges: graph
            .edges
            .iter()
            .filter(|e| reached.contains(e.source.as_str()) && reached.contains(e.target.as_str()))
            .cloned()
            .collect(),
    })
}

#[cfg(test)]
#[path = "graph_tests.rs"]
mod tests;
