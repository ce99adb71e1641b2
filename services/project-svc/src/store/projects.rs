//! SQL of `project.projects`: the existence check every project route starts with, the list
//! with its task counts, and whole-row reads and writes for the project's own fields.

use std::collections::BTreeMap;

use kit::ApiError;
use kit::db::TenantTx;
use shared_schemas::ids::ProjectId;
use sqlx::FromRow;
use sqlx::types::Json;

use crate::domain::board::StatusSemantics;

pub fn not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "project_not_found",
        "project not found",
    )
}

/// 404 unless the project exists in the transaction's tenant. Locks nothing.
pub async fn require(tx: &mut TenantTx, project_id: &ProjectId) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    let found: Option<i32> =
        sqlx::query_scalar("select 1 from project.projects where tenant_id = $1 and id = $2")
            .bind(tenant)
            .bind(project_id)
            .fetch_optional(&mut **tx)
            .await?;
    found.map(|_| ()).ok_or_else(not_found)
}

pub use crate::domain::projects::Project;

const FIELDS: &str = "id, name, description, status, repository, default_pipeline_id,
    onboarding_context, slack_channel_id, slack_notify_user_id, vision, template_id,
    status_semantics, workspace_type, key_user_id, completed_at, created_at, updated_at";

pub async fn get(tx: &mut TenantTx, project_id: &ProjectId) -> Result<Project, ApiError> {
    fetch(tx, project_id, "").await
}

/// The row, locked until commit against other writers of the project's own fields and board
/// layout. `no key update` does not block tasks and other rows referencing the project.
pub async fn lock(tx: &mut TenantTx, project_id: &ProjectId) -> Result<Project, ApiError> {
    fetch(tx, project_id, "for no key update").await
}

async fn fetch(tx: &mut TenantTx, project_id: &ProjectId, lock: &str) -> Result<Project, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query_as::<_, Project>(&format!(
        "select {FIELDS} from project.projects where tenant_id = $1 and id = $2 {lock}"
    ))
    .bind(tenant)
    .bind(project_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)
}

/// A project in the list: its summary fields, its tasks counted per status, its columns counted.
#[derive(Debug, FromRow)]
pub struct ListedProject {
    pub id: String,
    pub name: String,
    pub description: String,
    pub status: String,
    pub repository: Option<String>,
    pub default_pipeline_id: Option<String>,
    pub slack_channel_id: Option<String>,
    pub slack_notify_user_id: Option<String>,
    pub template_id: Option<String>,
    pub status_semantics: Option<Json<serde_json::Value>>,
    pub completed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub task_counts: Json<BTreeMap<String, i64>>,
    pub column_count: i64,
}

/// `limit` projects from `offset`, newest first, and how many the filter matches. Without a
/// status, archived projects are left out (as the reference does: archiving is its soft
/// delete); with one, exactly that status.
pub async fn list(
    tx: &mut TenantTx,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ListedProject>, i64), ApiError> {
    let tenant = tx.tenant().clone();
    let total: i64 = sqlx::query_scalar(
        "select count(*) from project.projects p
         where p.tenant_id = $1
           and (($2::text is null and p.status <> 'archived') or p.status = $2)",
    )
    .bind(&tenant)
    .bind(status)
    .fetch_one(&mut **tx)
    .await?;
    let rows = sqlx::query_as::<_, ListedProject>(
        "select p.id, p.name, p.description, p.status, p.repository, p.default_pipeline_id,
                p.slack_channel_id, p.slack_notify_user_id, p.template_id, p.status_semantics,
                p.completed_at, p.created_at, p.updated_at,
                coalesce((select jsonb_object_agg(s.status, s.n)
                          from (select t.status, count(*) as n from project.tasks t
                                where t.tenant_id = $1 and t.project_id = p.id
                                group by t.status) s), '{}'::jsonb) as task_counts,
                (select count(*) from project.kanban_columns c
                 where c.tenant_id = $1 and c.project_id = p.id) as column_count
         from project.projects p
         where p.tenant_id = $1
           and (($2::text is null and p.status <> 'archived') or p.status = $2)
         order by p.created_at desc, p.id desc
         limit $3 offset $4",
    )
    .bind(tenant)
    .bind(status)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut **tx)
    .await?;
    Ok((rows, total))
}

/// What creating a project writes besides its columns.
#[derive(Debug)]
pub struct NewProject {
    pub id: String,
    pub name: String,
    pub description: String,
    pub repository: Option<String>,
    pub template_id: Option<String>,
    pub status_semantics: Option<StatusSemantics>,
    pub default_pipeline_id: Option<String>,
}

pub async fn insert(tx: &mut TenantTx, new: &NewProject, now: i64) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "insert into project.projects (id, tenant_id, name, description, repository,
             template_id, status_semantics, default_pipeline_id, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(&new.id)
    .bind(tenant)
    .bind(&new.name)
    .bind(&new.description)
    .bind(&new.repository)
    .bind(&new.template_id)
    .bind(new.status_semantics.as_ref().map(Json))
    .bind(&new.default_pipeline_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The context an onboarding session gathered for the project (JSON text, as the reference).
pub async fn set_onboarding_context(
    tx: &mut TenantTx,
    project_id: &str,
    context: &str,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update project.projects set onboarding_context = $3 where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(context)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes the fields the project routes change (read with `lock`, changed, saved).
pub async fn save(tx: &mut TenantTx, p: &Project) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update project.projects set name = $3, description = $4, status = $5, repository = $6,
             default_pipeline_id = $7, slack_channel_id = $8, slack_notify_user_id = $9,
             vision = $10, key_user_id = $11, completed_at = $12, updated_at = $13
         where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(&p.id)
    .bind(&p.name)
    .bind(&p.description)
    .bind(&p.status)
    .bind(&p.repository)
    .bind(&p.default_pipeline_id)
    .bind(&p.slack_channel_id)
    .bind(&p.slack_notify_user_id)
    .bind(&p.vision)
    .bind(&p.key_user_id)
    .bind(p.completed_at)
    .bind(p.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Deletes the project; its columns, tasks, dependencies, workflows, runs and agents go with
/// it through the schema's cascades.
pub async fn delete(tx: &mut TenantTx, project_id: &ProjectId) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query("delete from project.projects where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(project_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A template the tenant may build from: its own or a global one, named by id or slug; an id
/// match wins, then the tenant's own when a slug exists twice.
#[derive(Debug, FromRow)]
pub struct TemplateBoard {
    pub id: String,
    pub board_columns: Json<serde_json::Value>,
    pub status_semantics: Json<serde_json::Value>,
    pub default_pipeline_id: Option<String>,
}

pub async fn template_board(
    tx: &mut TenantTx,
    id_or_slug: &str,
) -> Result<Option<TemplateBoard>, ApiError> {
    let tenant = tx.tenant().clone();
    let row = sqlx::query_as::<_, TemplateBoard>(
        "select id, board_columns, status_semantics, default_pipeline_id
         from project.project_templates
         where (tenant_id = $1 or tenant_id is null) and (id = $2 or slug = $2)
         order by (id = $2) desc, tenant_id nulls last
         limit 1",
    )
    .bind(tenant)
    .bind(id_or_slug)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row)
}
