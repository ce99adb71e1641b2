//! Requests and answers of a project's task dependencies, and the 409 that names a cycle.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kit::ApiError;
use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use shared_schemas::events::project::DependencyKind;

use crate::domain::validate::{err, finish};
use crate::store::dependencies::Edge;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AddDependencyRequest {
    /// The task that must complete first (a task of the same project).
    pub from_task_id: String,
    /// `blocks` (default: the task cannot start before) or `informs` (context only).
    #[serde(default = "blocks", rename = "type")]
    pub kind: DependencyKind,
}

fn blocks() -> DependencyKind {
    DependencyKind::Blocks
}

impl Validate for AddDependencyRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.from_task_id.is_empty() || self.from_task_id.len() > 64 {
            errors.push(err("fromTaskId", "must be a task id (1 to 64 characters)"));
        }
        finish(errors)
    }
}

/// The reference's answer: `{id, from, to, type}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DependencyResponse {
    pub id: String,
    pub from: String,
    pub to: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl From<Edge> for DependencyResponse {
    fn from(e: Edge) -> Self {
        Self {
            id: e.id,
            from: e.from_task_id,
            to: e.to_task_id,
            kind: e.kind,
        }
    }
}

/// 409 `dependency_cycle`: the error body plus the cycle as task ids, first = last.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CycleBody {
    pub detail: String,
    pub code: String,
    pub cycle: Vec<String>,
}

/// Our error body, or the cycle refusal that also lists the cycle.
#[derive(Debug)]
pub enum GraphError {
    Api(ApiError),
    Cycle(CycleBody),
}

impl GraphError {
    pub fn cycle(detail: String, cycle: Vec<String>) -> Self {
        Self::Cycle(CycleBody {
            detail,
            code: "dependency_cycle".into(),
            cycle,
        })
    }
}

impl<E: Into<ApiError>> From<E> for GraphError {
    fn from(e: E) -> Self {
        Self::Api(e.into())
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        match self {
            Self::Api(e) => e.into_response(),
            Self::Cycle(body) => (StatusCode::CONFLICT, Json(body)).into_response(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GraphNode {
    pub id: String,
    pub title: String,
    pub status: String,
    pub priority: String,
    pub assigned_agent: Option<String>,
    pub estimated_hours: Option<f64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GraphResponse {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<Edge>,
    /// Every task, each after the tasks that block it (only `blocks` edges order work).
    pub topological_order: Vec<String>,
    /// The chain of `blocks` edges with the most estimated hours (1 hour when unestimated).
    pub critical_path: Vec<String>,
}
