//! The body of `POST /v1/projects/` and how it becomes a project and its board: columns from
//! the request, else from the template (read here), else the default set.

use axum::http::StatusCode;
use kit::ApiError;
use kit::db::TenantTx;
use kit::error::FieldError;
use kit::extract::Validate;
use serde::Deserialize;
use shared_schemas::ids::ProjectId;

use crate::domain::board::{self, ColumnSpec, StatusSemantics};
use crate::domain::projects as rules;
use crate::domain::validate::{self, MAX_DESCRIPTION, MAX_NAME, err, finish};
use crate::store;

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

/// Request columns in board order: by `position`, then as listed.
fn explicit_columns(defs: &[ColumnDef]) -> Vec<ColumnSpec> {
    let mut ordered: Vec<&ColumnDef> = defs.iter().collect();
    ordered.sort_by_key(|c| c.position.unwrap_or(i32::MAX));
    ordered
        .into_iter()
        .map(|c| ColumnSpec {
            name: c.name.trim().to_owned(),
            wip_limit: c.wip_limit,
            task_statuses: c.task_statuses.clone(),
        })
        .collect()
}

/// The new project and its board (see `board::plan_board`); the template is read here.
pub async fn plan(
    tx: &mut TenantTx,
    req: CreateProjectRequest,
) -> Result<(store::projects::NewProject, Vec<ColumnSpec>), ApiError> {
    let template = match &req.template_id {
        Some(id) => Some(
            store::projects::template_board(tx, id)
                .await?
                .ok_or_else(template_not_found)?,
        ),
        None => None,
    };
    let template_board = match &template {
        Some(t) => Some((
            board::template_columns(&t.board_columns).map_err(|why| {
                ApiError::bad_request(
                    "template_invalid",
                    format!("the template is unusable: {why}"),
                )
            })?,
            serde_json::from_value::<StatusSemantics>(t.status_semantics.0.clone())
                .ok()
                .filter(|s| *s != StatusSemantics::default()),
        )),
        None => None,
    };
    let explicit = req.columns.as_deref().map(explicit_columns);
    let plan = board::plan_board(explicit, template_board, req.status_semantics)
        .map_err(ApiError::validation)?;
    let new = store::projects::NewProject {
        id: ProjectId::generate().into_string(),
        name: req.name.trim().to_owned(),
        description: req.description.unwrap_or_default(),
        repository: req.repository.and_then(rules::non_empty),
        template_id: template.as_ref().map(|t| t.id.clone()),
        status_semantics: plan.semantics,
        default_pipeline_id: template.and_then(|t| t.default_pipeline_id),
    };
    Ok((new, plan.columns))
}

fn template_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "template_not_found",
        "template not found",
    )
}
