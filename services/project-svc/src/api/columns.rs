//! Requests and answers of a project's kanban columns.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::board;
use crate::domain::validate::{err, finish};

/// Rows the API answers with as they are stored.
pub use crate::store::columns::Column;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateColumnRequest {
    pub name: String,
    /// Where the column goes (0 = first); past the end or absent = last.
    pub position: Option<i32>,
    pub wip_limit: Option<i32>,
    #[serde(default)]
    pub task_statuses: Vec<String>,
}

impl Validate for CreateColumnRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        board::column_name("name", &self.name, &mut errors);
        position("position", self.position, &mut errors);
        board::wip_limit("wipLimit", self.wip_limit, &mut errors);
        board::statuses("taskStatuses", &self.task_statuses, &mut errors);
        finish(errors)
    }
}

fn position(path: &str, position: Option<i32>, errors: &mut Vec<FieldError>) {
    if position.is_some_and(|p| p < 0) {
        errors.push(err(path, "must not be negative"));
    }
}

/// `null` is a value here (it removes the limit), unlike an absent field.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i32>>, D::Error> {
    Option::<i32>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateColumnRequest {
    pub name: Option<String>,
    /// The column's new place; the others shift to keep positions 0..n-1.
    pub position: Option<i32>,
    /// A number sets the limit, `null` removes it, absent keeps it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub wip_limit: Option<Option<i32>>,
    pub task_statuses: Option<Vec<String>>,
}

impl Validate for UpdateColumnRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(name) = &self.name {
            board::column_name("name", name, &mut errors);
        }
        position("position", self.position, &mut errors);
        board::wip_limit("wipLimit", self.wip_limit.flatten(), &mut errors);
        if let Some(statuses) = &self.task_statuses {
            board::statuses("taskStatuses", statuses, &mut errors);
        }
        finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ColumnChanged {
    /// `updated`, or `no changes` when the request changed nothing.
    pub status: &'static str,
    pub column: Column,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ColumnDeleted {
    pub status: &'static str,
}
