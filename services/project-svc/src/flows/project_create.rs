//! How `POST /v1/projects/` becomes a project and its board: columns from the request, else
//! from the template (read here), else the default set.

use axum::http::StatusCode;
use kit::ApiError;
use kit::db::TenantTx;
use shared_schemas::ids::ProjectId;

use crate::api::projects::{ColumnDef, CreateProjectRequest};
use crate::domain::board::{self, ColumnSpec, StatusSemantics};
use crate::domain::projects as rules;
use crate::store;

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
