//! `/v1/projects/`: projects per tenant and their full boards (spec Part 4 "Projects Router";
//! contract §1.2 projects/core). Requests are camelCase, rows snake_case, as the reference.

use std::collections::BTreeMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kit::db::TenantTx;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext, TokenKind};
use serde::{Deserialize, Serialize};
use shared_schemas::events::Event;
use shared_schemas::events::project::{ProjectCreated, ProjectRef, ProjectRepositoryUpdated};
use shared_schemas::ids::ProjectId;

use crate::AppState;
use crate::domain::board::{self, StatusSemantics};
use crate::domain::projects::{self as rules, ProjectChanges, ProjectStatus};
use crate::domain::validate::{self, MAX_DESCRIPTION, MAX_NAME, finish};
use crate::flows::projects::change_project;
use crate::flows::{commit_with, open_project};
use crate::routes::project_create::{CreateProjectRequest, plan};
use crate::store;
use crate::store::board::{BoardAgent, BoardDependency, BoardTask, BoardWorkflow};
use crate::store::columns::Column;
use crate::store::projects::{ListedProject, Project};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(archive))
}

/// Changing a project or its board is for the tenant's users and services; agents work on
/// tasks, not on the projects holding them.
pub fn require_editor(ctx: &TenantContext) -> Result<(), ApiError> {
    match ctx.kind() {
        TokenKind::User | TokenKind::Service => Ok(()),
        TokenKind::Agent => Err(ApiError::forbidden(
            "agents cannot change projects or their boards",
        )),
    }
}

/// The id as events carry it; rows only hold ids that passed the table's `prj_` check.
pub fn event_id(project_id: &str) -> Result<ProjectId, ApiError> {
    ProjectId::parse(project_id).map_err(ApiError::internal)
}

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

/// A project with its whole board.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProjectBoard {
    #[serde(flatten)]
    pub project: Project,
    pub columns: Vec<Column>,
    pub tasks: Vec<BoardTask>,
    pub dependencies: Vec<BoardDependency>,
    pub workflows: Vec<BoardWorkflow>,
    pub agents: Vec<BoardAgent>,
}

async fn load_board(tx: &mut TenantTx, project_id: &str) -> Result<ProjectBoard, ApiError> {
    Ok(ProjectBoard {
        project: store::projects::get(tx, project_id).await?,
        columns: store::columns::list(tx, project_id).await?,
        tasks: store::board::tasks(tx, project_id).await?,
        dependencies: store::board::dependencies(tx, project_id).await?,
        workflows: store::board::workflows(tx, project_id).await?,
        agents: store::board::agents(tx, project_id).await?,
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `active`, `completed`, `archived` or `paused`; without it, every project but archived ones.
    #[param(value_type = Option<String>)]
    pub status: Option<ProjectStatus>,
}

/// The tenant's projects, newest first, with task counts per status and column counts.
#[utoipa::path(get, path = "/v1/projects/", tag = "projects", params(ListQuery),
    responses((status = 200, body = [ProjectSummary]), (status = 400)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<ProjectSummary>>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let rows = store::projects::list(&mut tx, q.status.map(ProjectStatus::as_str)).await?;
    tx.commit().await?;
    Ok(Json(rows.into_iter().map(ProjectSummary::from).collect()))
}

/// Creates a project and its board; 404 `template_not_found` for a template the tenant cannot see.
#[utoipa::path(post, path = "/v1/projects/", tag = "projects", request_body = CreateProjectRequest,
    responses((status = 201, body = ProjectBoard), (status = 403), (status = 404), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    ctx: TenantContext,
    ValidJson(req): ValidJson<CreateProjectRequest>,
) -> Result<(StatusCode, Json<ProjectBoard>), ApiError> {
    require_editor(&ctx)?;
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let (new, columns) = plan(&mut tx, req).await?;
    store::projects::insert(&mut tx, &new, store::now_ms()).await?;
    store::columns::insert_all(&mut tx, &new.id, &columns).await?;
    let board = load_board(&mut tx, &new.id).await?;
    let event = ProjectCreated {
        project_id: event_id(&new.id)?,
        name: new.name,
    };
    commit_with(tx, vec![Event::ProjectCreated(event)]).await?;
    Ok((StatusCode::CREATED, Json(board)))
}

/// The project with its columns (in order), tasks (column by column), dependencies,
/// workflows and agents.
#[utoipa::path(get, path = "/v1/projects/{project_id}", tag = "projects",
    params(("project_id" = String, Path)),
    responses((status = 200, body = ProjectBoard), (status = 404)))]
async fn get_one(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
) -> Result<Json<ProjectBoard>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let board = load_board(&mut tx, &project_id).await?;
    tx.commit().await?;
    Ok(Json(board))
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

/// Changes the project's own fields; `PROJECT_UPDATED` (and the repository events) when
/// something changed.
#[utoipa::path(put, path = "/v1/projects/{project_id}", tag = "projects",
    params(("project_id" = String, Path)), request_body = UpdateProjectRequest,
    responses((status = 200, body = ProjectChanged), (status = 403), (status = 404), (status = 422)))]
async fn update(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    ValidJson(req): ValidJson<UpdateProjectRequest>,
) -> Result<Json<ProjectChanged>, ApiError> {
    require_editor(&ctx)?;
    let changes = ProjectChanges {
        name: req.name,
        description: req.description,
        status: req.status,
        repository: req.repository,
        default_pipeline_id: req.default_pipeline_id,
    };
    let (project, _) = change_project(
        &platform,
        &ctx,
        &project_id,
        |p, now| rules::apply(p, changes, now),
        |before, after| update_events(after, before.repository.as_deref()),
    )
    .await?;
    Ok(Json(ProjectChanged {
        status: "updated",
        project,
    }))
}

fn update_events(
    project: &Project,
    repository_before: Option<&str>,
) -> Result<Vec<Event>, ApiError> {
    let id = event_id(&project.id)?;
    let mut events = vec![Event::ProjectUpdated(ProjectRef {
        project_id: id.clone(),
    })];
    match (repository_before, project.repository.as_deref()) {
        (before, after) if before == after => {}
        (_, None) => events.push(Event::ProjectRepositoryRemoved(ProjectRef {
            project_id: id,
        })),
        (_, Some(url)) => events.push(Event::ProjectRepositoryUpdated(ProjectRepositoryUpdated {
            project_id: id,
            repository: Some(url.to_owned()),
        })),
    }
    Ok(events)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProjectDeleted {
    pub status: &'static str,
    pub project_id: String,
}

/// Deletes the project with everything on its board.
#[utoipa::path(delete, path = "/v1/projects/{project_id}", tag = "projects",
    params(("project_id" = String, Path)),
    responses((status = 200, body = ProjectDeleted), (status = 403), (status = 404)))]
async fn delete(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
) -> Result<Json<ProjectDeleted>, ApiError> {
    require_editor(&ctx)?;
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    store::projects::delete(&mut tx, &project_id).await?;
    let event = Event::ProjectDeleted(ProjectRef {
        project_id: event_id(&project_id)?,
    });
    commit_with(tx, vec![event]).await?;
    Ok(Json(ProjectDeleted {
        status: "deleted",
        project_id,
    }))
}

/// Archives the project (the reference's soft delete: it leaves the default list).
#[utoipa::path(post, path = "/v1/projects/{project_id}/archive", tag = "projects",
    params(("project_id" = String, Path)),
    responses((status = 200, body = ProjectChanged), (status = 403), (status = 404)))]
async fn archive(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
) -> Result<Json<ProjectChanged>, ApiError> {
    require_editor(&ctx)?;
    let (project, _) = change_project(
        &platform,
        &ctx,
        &project_id,
        |p, now| rules::set_status(p, ProjectStatus::Archived, now),
        |_, p| {
            Ok(vec![Event::ProjectUpdated(ProjectRef {
                project_id: event_id(&p.id)?,
            })])
        },
    )
    .await?;
    Ok(Json(ProjectChanged {
        status: "archived",
        project,
    }))
}
