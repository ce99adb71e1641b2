//! Projects: list, create, read with the board, change (the project PUT, archive and the
//! settings PUTs), delete.

use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext, TokenKind};
use shared_schemas::events::Event;
use shared_schemas::events::project::{ProjectCreated, ProjectRef, ProjectRepositoryUpdated};
use shared_schemas::ids::{ProjectId, TaskId};

use crate::api::page::Page;
use crate::api::projects::{
    BoardQuery, CreateProjectRequest, ProjectBoard, ProjectSummary, UpdateProjectRequest,
};
use crate::domain::projects::{self as rules, ProjectChanges, ProjectStatus};
use crate::flows::project_create::plan;
use crate::flows::{commit_with, open_project, project_ref};
use crate::store;
use crate::store::projects::Project;

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

/// One page of the tenant's projects (every one but archived ones without `status`), newest
/// first, and how many match.
pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
    status: Option<ProjectStatus>,
    page: Page,
) -> Result<(Vec<ProjectSummary>, i64), ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let (rows, total) = store::projects::list(
        &mut tx,
        status.map(ProjectStatus::as_str),
        page.limit,
        page.offset,
    )
    .await?;
    tx.commit().await?;
    Ok((rows.into_iter().map(ProjectSummary::from).collect(), total))
}

/// Creates the project and its board; PROJECT_CREATED.
pub async fn create(
    platform: &Platform,
    ctx: &TenantContext,
    req: CreateProjectRequest,
) -> Result<ProjectBoard, ApiError> {
    require_editor(ctx)?;
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let (new, columns) = plan(&mut tx, req).await?;
    store::projects::insert(&mut tx, &new, store::now_ms()).await?;
    let id = event_id(&new.id)?;
    store::columns::insert_all(&mut tx, &id, &columns).await?;
    let board = load_board(&mut tx, &new.id, BoardQuery::default().page()).await?;
    let event = ProjectCreated {
        project_id: id,
        name: new.name,
    };
    commit_with(tx, vec![Event::ProjectCreated(event)]).await?;
    Ok(board)
}

/// The project with its board and one page of its tasks.
pub async fn board(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    page: Page,
) -> Result<ProjectBoard, ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let board = load_board(&mut tx, project_id, page).await?;
    tx.commit().await?;
    Ok(board)
}

async fn load_board(
    tx: &mut TenantTx,
    project_id: &str,
    page: Page,
) -> Result<ProjectBoard, ApiError> {
    // The project was just found (or written), so its id is a checked `prj_` id.
    let id = event_id(project_id)?;
    let project = store::projects::get(tx, &id).await?;
    let columns = store::columns::list(tx, &id).await?;
    let (tasks, tasks_total) = store::board::tasks(tx, &id, page.limit, page.offset).await?;
    let ids: Vec<TaskId> = tasks.iter().map(|t| t.id.clone()).collect();
    let dependencies = store::board::dependencies(tx, &id, &ids).await?;
    Ok(ProjectBoard {
        project,
        columns,
        tasks_has_more: page.has_more(tasks_total),
        tasks_total,
        dependencies,
        workflows: store::board::workflows(tx, &id).await?,
        agents: store::board::agents(tx, &id).await?,
        tasks,
    })
}

/// Changes the project's own fields; PROJECT_UPDATED (and the repository events) when
/// something changed.
pub async fn update(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    req: UpdateProjectRequest,
) -> Result<Project, ApiError> {
    require_editor(ctx)?;
    let changes = ProjectChanges {
        name: req.name,
        description: req.description,
        status: req.status,
        repository: req.repository,
        default_pipeline_id: req.default_pipeline_id,
    };
    let (project, _) = change_project(
        platform,
        ctx,
        project_id,
        |p, now| rules::apply(p, changes, now),
        |before, after| update_events(after, before.repository.as_deref()),
    )
    .await?;
    Ok(project)
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

/// Archives the project (the reference's soft delete: it leaves the default list).
pub async fn archive(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
) -> Result<Project, ApiError> {
    require_editor(ctx)?;
    let (project, _) = change_project(
        platform,
        ctx,
        project_id,
        |p, now| rules::set_status(p, ProjectStatus::Archived, now),
        |_, p| {
            Ok(vec![Event::ProjectUpdated(ProjectRef {
                project_id: event_id(&p.id)?,
            })])
        },
    )
    .await?;
    Ok(project)
}

/// Deletes the project with everything on its board; PROJECT_DELETED.
pub async fn delete(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
) -> Result<(), ApiError> {
    require_editor(ctx)?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    store::projects::delete(&mut tx, &project_ref(project_id)?).await?;
    let event = Event::ProjectDeleted(ProjectRef {
        project_id: event_id(project_id)?,
    });
    commit_with(tx, vec![event]).await
}

/// Opens the project locked, lets `change` edit its fields, and only when something changed
/// saves it with the events `announce(before, after)` reports, in one commit. Returns the row
/// as it now is and whether it changed.
pub async fn change_project(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    change: impl FnOnce(&mut Project, i64),
    announce: impl FnOnce(&Project, &Project) -> Result<Vec<Event>, ApiError>,
) -> Result<(Project, bool), ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let mut project = store::projects::lock(&mut tx, &project_ref(project_id)?).await?;
    let before = project.clone();
    let now = store::now_ms();
    change(&mut project, now);
    let changed = rules::touch(&mut project, &before, now);
    if !changed {
        tx.commit().await?;
        return Ok((project, false));
    }
    store::projects::save(&mut tx, &project).await?;
    let events = announce(&before, &project)?;
    commit_with(tx, events).await?;
    Ok((project, true))
}
