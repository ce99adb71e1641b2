//! Requests and answers of `/v1/projects/`: projects, their boards, and changes of a
//! project's own fields. Requests are camelCase, rows snake_case, as the reference.

use std::collections::BTreeMap;

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::api::page::{MAX_LIMIT, Page};
use crate::domain::board::{self, StatusSemantics};
use crate::domain::projects::{self as rules, Project, ProjectStatus};
use crate::domain::validate::{self, MAX_DESCRIPTION, MAX_NAME, err, finish};
use crate::store::board::{BoardAgent, BoardDependency, BoardTask, BoardWorkflow};
use crate::store::columns::Column;
use crate::store::projects::ListedProject;

/// A project in the list, with its tasks counted per status and its columns counted.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProjectSummary {
    pub id: String,
    pub name: String,
    pub description: String,
    pub status: String,
    pub repository: Option<String>,
    pub default_pipeline_id: Option<String>,
    pub slack_channel_id: Option<String>,
    pub slack_notify_user_id: Option<String>,
    pub template_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub completed_at: Option<i64>,
    pub task_counts: BTreeMap<String, i64>,
    pub total_tasks: i64,
    /// Tasks in the board's done statuses (`status_semantics.terminal_done`, else `done`).
    pub completed_tasks: i64,
    pub column_count: i64,
}

impl From<ListedProject> for ProjectSummary {
    fn from(p: ListedProject) -> Self {
        let counts = p.task_counts.0;
        let done: Vec<String> = p
            .status_semantics
            .and_then(|s| serde_json::from_value::<StatusSemantics>(s.0).ok())
            .map(|s| s.terminal_done)
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| vec!["done".to_owned()]);
        Self {
            total_tasks: counts.values().sum(),
            completed_tasks: done.iter().filter_map(|s| counts.get(s)).sum(),
            task_counts: counts,
            column_count: p.column_count,
            id: p.id,
            name: p.name,
            description: p.description,
            status: p.status,
            repository: p.repository,
            default_pipeline_id: p.default_pipeline_id,
            slack_channel_id: p.slack_channel_id,
            slack_notify_user_id: p.slack_notify_user_id,
            template_id: p.template_id,
            created_at: p.created_at,
            updated_at: p.updated_at,
            completed_at: p.completed_at,
        }
    }
}

/// A project with its board: every column, one page of tasks (without their descriptions
/// and metadata, which the task routes answer), the dependencies that touch those tasks, and
/// the project's workflows and agents.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProjectBoard {
    #[serde(flatten)]
    pub project: Project,
    pub columns: Vec<Column>,
    pub tasks: Vec<BoardTask>,
    /// Every task of the project.
    pub tasks_total: i64,
    /// Whether tasks follow this page (ask again with a larger `offset`).
    pub tasks_has_more: bool,
    pub dependencies: Vec<BoardDependency>,
    pub workflows: Vec<BoardWorkflow>,
    pub agents: Vec<BoardAgent>,
}

/// Filter and page of the project list: `limit` 1..=500 (default 500), `offset` ≥ 0. The
/// total is in `X-Total-Count`; `Link: <…>; rel="next"` names the next page while more follow.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `active`, `completed`, `archived` or `paused`; without it, every project but archived ones.
    #[param(value_type = Option<String>)]
    pub status: Option<ProjectStatus>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

impl ListQuery {
    pub fn page(&self) -> Page {
        Page::new(self.limit, self.offset, MAX_LIMIT)
    }

    /// The filter as the next page's link repeats it.
    pub fn filters(&self) -> Vec<String> {
        self.status
            .iter()
            .map(|s| format!("status={}", s.as_str()))
            .collect()
    }
}

impl Validate for ListQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        Page::check(self.limit, self.offset, &mut errors);
        finish(errors)
    }
}

/// The board's page of tasks: `limit` 1..=500 (default 500) from `offset` (≥ 0), in board
/// order; `tasks_total` and `tasks_has_more` tell whether more follow.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

impl BoardQuery {
    pub fn page(&self) -> Page {
        Page::new(self.limit, self.offset, MAX_LIMIT)
    }
}

impl Validate for BoardQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        Page::check(self.limit, self.offset, &mut errors);
        finish(errors)
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateProjectRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub status: Option<ProjectStatus>,
    /// `""` removes the repository.
    pub repository: Option<String>,
    /// `""` removes the default pipeline.
    pub default_pipeline_id: Option<String>,
}

impl Validate for UpdateProjectRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(name) = &self.name {
            validate::name("name", name, MAX_NAME, &mut errors);
        }
        validate::text(
            "description",
            self.description.as_deref(),
            MAX_DESCRIPTION,
            &mut errors,
        );
        let repository = self.repository.as_deref().filter(|r| !r.trim().is_empty());
        board::repository("repository", repository, &mut errors);
        rules::pipeline_id(
            "defaultPipelineId",
            self.default_pipeline_id.as_deref(),
            &mut errors,
        );
        finish(errors)
    }
}

/// What a project change answers: `status` is the reference's acknowledgement.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProjectChanged {
    pub status: &'static str,
    pub project: Project,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProjectDeleted {
    pub status: &'static str,
    pub project_id: String,
}

/// One column of a new project. `wip_limit` and `statuses`/`task_statuses` (the template
/// spelling) are read too; `position` only orders the list.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ColumnDef {
    pub name: String,
    pub position: Option<i32>,
    #[serde(alias = "wip_limit")]
    pub wip_limit: Option<i32>,
    #[serde(default, alias = "statuses", alias = "task_statuses")]
    pub task_statuses: Vec<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateProjectRequest {
    pub name: String,
    pub description: Option<String>,
    pub repository: Option<String>,
    /// Id or slug of a template of the tenant or of the global catalog.
    pub template_id: Option<String>,
    /// The board; wins over the template's columns. Without both: the default board.
    pub columns: Option<Vec<ColumnDef>>,
    /// Wins over the template's; derived from the columns when custom columns come alone.
    pub status_semantics: Option<StatusSemantics>,
}

impl Validate for CreateProjectRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        validate::name("name", &self.name, MAX_NAME, &mut errors);
        validate::text(
            "description",
            self.description.as_deref(),
            MAX_DESCRIPTION,
            &mut errors,
        );
        board::repository("repository", self.repository.as_deref(), &mut errors);
        if let Some(t) = &self.template_id
            && (t.is_empty() || t.len() > 128)
        {
            errors.push(err("templateId", "must be 1 to 128 characters"));
        }
        if let Some(columns) = &self.columns {
            if columns.is_empty() || columns.len() > board::MAX_COLUMNS {
                errors.push(err(
                    "columns",
                    format!("must have 1 to {} columns", board::MAX_COLUMNS),
                ));
            }
            for (i, c) in columns.iter().enumerate().take(board::MAX_COLUMNS) {
                board::column_name(&format!("columns[{i}].name"), &c.name, &mut errors);
                board::wip_limit(&format!("columns[{i}].wipLimit"), c.wip_limit, &mut errors);
                board::statuses(
                    &format!("columns[{i}].taskStatuses"),
                    &c.task_statuses,
                    &mut errors,
                );
                if c.position.is_some_and(|p| p < 0) {
                    errors.push(err(
                        &format!("columns[{i}].position"),
                        "must not be negative",
                    ));
                }
            }
        }
        if let Some(s) = &self.status_semantics {
            s.validate("statusSemantics", &mut errors);
        }
        finish(errors)
    }
}
