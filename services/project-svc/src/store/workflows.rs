//! SQL of `project.project_workflows` (pipeline mappings, at most one default per project) and
//! `project.workflow_policies` (one per project).

use kit::ApiError;
use kit::db::TenantTx;
use kit::error::OnConstraint;
use serde::Serialize;
use shared_schemas::ids::ProjectId;
use sqlx::FromRow;
use sqlx::types::Json;

use crate::domain::limits;
use crate::domain::workflows::{StageRules, TaskFilter, WorkflowChoice};

/// A workflow row as the reference serialises it (snake_case).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Workflow {
    pub id: String,
    pub project_id: ProjectId,
    pub name: String,
    pub pipeline_id: String,
    pub is_default: bool,
    #[schema(value_type = TaskFilter)]
    pub task_filter: Json<TaskFilter>,
    pub trigger: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<Workflow> for WorkflowChoice {
    fn from(w: Workflow) -> Self {
        Self {
            id: w.id,
            pipeline_id: w.pipeline_id,
            is_default: w.is_default,
            task_filter: w.task_filter.0,
        }
    }
}

pub struct NewWorkflow {
    pub name: String,
    pub pipeline_id: String,
    pub is_default: bool,
    pub task_filter: TaskFilter,
    pub trigger: String,
}

#[derive(Default)]
pub struct WorkflowPatch {
    pub name: Option<String>,
    pub pipeline_id: Option<String>,
    pub is_default: Option<bool>,
    pub task_filter: Option<TaskFilter>,
    pub trigger: Option<String>,
}

const COLUMNS: &str =
    "id, project_id, name, pipeline_id, is_default, task_filter, trigger, created_at, updated_at";

pub fn not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "workflow_not_found",
        "workflow not found",
    )
}

/// Two requests making different workflows the default at once: the loser retries.
fn default_race() -> ApiError {
    ApiError::conflict(
        "default_workflow_conflict",
        "another workflow became the default at the same time; retry",
    )
}

pub async fn list(tx: &mut TenantTx, project_id: &ProjectId) -> Result<Vec<Workflow>, ApiError> {
    let tenant = tx.tenant().clone();
    let rows = sqlx::query_as::<_, Workflow>(&format!(
        "select {COLUMNS} from project.project_workflows
         where tenant_id = $1 and project_id = $2 order by created_at, id limit $3"
    ))
    .bind(tenant)
    .bind(project_id)
    .bind(limits::MAX_WORKFLOWS)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows)
}

/// How many workflows the project has (read under the project lock by `create`).
pub async fn count(tx: &mut TenantTx, project_id: &ProjectId) -> Result<i64, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_scalar(
        "select count(*) from project.project_workflows where tenant_id = $1 and project_id = $2",
    )
    .bind(tenant)
    .bind(project_id)
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn require(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    id: &str,
) -> Result<Workflow, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query_as::<_, Workflow>(&format!(
        "select {COLUMNS} from project.project_workflows
         where tenant_id = $1 and project_id = $2 and id = $3"
    ))
    .bind(tenant)
    .bind(project_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)
}

/// Clears the project's default, except on `keep`; the caller then sets its own.
async fn clear_default(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    keep: Option<&str>,
    now: i64,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update project.project_workflows set is_default = false, updated_at = $4
         where tenant_id = $1 and project_id = $2 and is_default and id is distinct from $3",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(keep)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn insert(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    new: &NewWorkflow,
    now: i64,
) -> Result<Workflow, ApiError> {
    if new.is_default {
        clear_default(tx, project_id, None, now).await?;
    }
    let tenant = tx.tenant().clone();
    sqlx::query_as::<_, Workflow>(&format!(
        "insert into project.project_workflows
             (id, tenant_id, project_id, name, pipeline_id, is_default, task_filter, trigger,
              created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
         returning {COLUMNS}"
    ))
    .bind(crate::store::new_id("wf_"))
    .bind(tenant)
    .bind(project_id)
    .bind(&new.name)
    .bind(&new.pipeline_id)
    .bind(new.is_default)
    .bind(Json(&new.task_filter))
    .bind(&new.trigger)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .on_constraint("uq_workflows_default", default_race)
}

pub async fn update(
    tx: &mut TenantTx,
    current: &Workflow,
    patch: &WorkflowPatch,
    now: i64,
) -> Result<Workflow, ApiError> {
    if patch.is_default == Some(true) {
        clear_default(tx, &current.project_id, Some(&current.id), now).await?;
    }
    let tenant = tx.tenant().clone();
    sqlx::query_as::<_, Workflow>(&format!(
        "update project.project_workflows set
             name = coalesce($4, name),
             pipeline_id = coalesce($5, pipeline_id),
             is_default = coalesce($6, is_default),
             task_filter = coalesce($7, task_filter),
             trigger = coalesce($8, trigger),
             updated_at = $9
         where tenant_id = $1 and project_id = $2 and id = $3
         returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(&current.project_id)
    .bind(&current.id)
    .bind(&patch.name)
    .bind(&patch.pipeline_id)
    .bind(patch.is_default)
    .bind(patch.task_filter.as_ref().map(Json))
    .bind(&patch.trigger)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .on_constraint("uq_workflows_default", default_race)
}

/// Deletes the workflow; tasks that named it fall back to the project's other workflows.
pub async fn delete(tx: &mut TenantTx, project_id: &ProjectId, id: &str) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    let gone = sqlx::query(
        "delete from project.project_workflows
         where tenant_id = $1 and project_id = $2 and id = $3",
    )
    .bind(&tenant)
    .bind(project_id)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if gone.rows_affected() == 0 {
        return Err(not_found());
    }
    sqlx::query(
        "update project.tasks set workflow_id = null
         where tenant_id = $1 and project_id = $2 and workflow_id = $3",
    )
    .bind(&tenant)
    .bind(project_id)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Policy {
    pub id: String,
    pub project_id: String,
    #[schema(value_type = Object)]
    pub stage_rules: Json<StageRules>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn policy(tx: &mut TenantTx, project_id: &ProjectId) -> Result<Option<Policy>, ApiError> {
    let tenant = tx.tenant().clone();
    let row = sqlx::query_as::<_, Policy>(
        "select id, project_id, stage_rules, created_at, updated_at
         from project.workflow_policies where tenant_id = $1 and project_id = $2",
    )
    .bind(tenant)
    .bind(project_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row)
}

/// Creates or replaces the project's policy in one statement (concurrent writers: last wins).
pub async fn upsert_policy(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    rules: &StageRules,
    now: i64,
) -> Result<Policy, ApiError> {
    let tenant = tx.tenant().clone();
    let row = sqlx::query_as::<_, Policy>(
        "insert into project.workflow_policies
             (id, tenant_id, project_id, stage_rules, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $5)
         on conflict on constraint workflow_policies_project_key
         do update set stage_rules = excluded.stage_rules, updated_at = excluded.updated_at
         returning id, project_id, stage_rules, created_at, updated_at",
    )
    .bind(crate::store::new_id("wfp_"))
    .bind(tenant)
    .bind(project_id)
    .bind(Json(rules))
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row)
}

/// What resolving a task's route needs of the task.
#[derive(Debug, Clone, FromRow)]
pub struct TaskStages {
    pub status: String,
    pub work_type: Option<String>,
    pub completed_stages: Option<Json<serde_json::Value>>,
}

impl TaskStages {
    /// The stage names the task has passed; anything that is not a list of names counts as none.
    pub fn completed(&self) -> Vec<String> {
        self.completed_stages
            .as_ref()
            .and_then(|v| serde_json::from_value(v.0.clone()).ok())
            .unwrap_or_default()
    }
}

pub async fn task_stages(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    task_id: &str,
) -> Result<TaskStages, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query_as::<_, TaskStages>(
        "select status, work_type, completed_stages from project.tasks
         where tenant_id = $1 and project_id = $2 and id = $3",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(task_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(crate::store::task_runs::task_not_found)
}
