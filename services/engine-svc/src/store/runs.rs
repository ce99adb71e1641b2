//! `engine.runs`: one row per run. Status changes are conditional (`where status = any(...)`):
//! a caller learns whether its transition happened, so a redelivered event changes nothing.

use kit::db::TenantTx;
use serde_json::Value;
use shared_schemas::ids::TenantId;

pub const COLUMNS: &str = "id, tenant_id, pipeline_id, pipeline_yaml, task, status, outputs,
    current_step_id, human_context, error, project_id, task_id, agent_id, task_branch,
    workspace_type, initiated_by_user_id, key_user_id, model_override, key_resolution, agents,
    generation, created_at, updated_at, started_at, completed_at";

/// Statuses a run leaves only by a human (or a restart).
pub const TERMINAL: &[&str] = &["completed", "failed", "cancelled"];
/// Statuses of a run that holds or waits for a slot.
pub const ACTIVE: &[&str] = &["pending", "queued", "running", "paused"];

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    pub id: String,
    pub tenant_id: TenantId,
    pub pipeline_id: String,
    pub pipeline_yaml: String,
    pub task: String,
    pub status: String,
    pub outputs: Value,
    pub current_step_id: Option<String>,
    pub human_context: Option<String>,
    pub error: Option<String>,
    pub project_id: Option<String>,
    pub task_id: Option<String>,
    pub agent_id: Option<String>,
    pub task_branch: Option<String>,
    pub workspace_type: Option<String>,
    pub initiated_by_user_id: Option<String>,
    pub key_user_id: Option<String>,
    pub model_override: Option<String>,
    pub key_resolution: Option<Value>,
    pub agents: Value,
    pub generation: i32,
    pub created_at: i64,
    pub updated_at: i64,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
}

impl RunRow {
    pub fn is_terminal(&self) -> bool {
        TERMINAL.contains(&self.status.as_str())
    }

    /// The tenant agent a pipeline agent slug resolved to at the start.
    pub fn agent_for(&self, slug: &str) -> Option<String> {
        self.agents
            .get(slug)
            .and_then(Value::as_str)
            .map(str::to_owned)
    }
}

/// A run to insert (status `queued`).
pub struct NewRun<'a> {
    pub id: &'a str,
    pub pipeline_id: &'a str,
    pub pipeline_yaml: &'a str,
    pub task: &'a str,
    pub human_context: Option<&'a str>,
    pub project_id: Option<&'a str>,
    pub task_id: Option<&'a str>,
    pub agent_id: Option<&'a str>,
    pub initiated_by_user_id: Option<&'a str>,
    pub key_user_id: Option<&'a str>,
    pub model_override: Option<&'a str>,
    pub agents: &'a Value,
}

/// Inserts the run; false when a run with that id exists already (any tenant's).
pub async fn insert(tx: &mut TenantTx, run: &NewRun<'_>, now: i64) -> sqlx::Result<bool> {
    let tenant = tx.tenant().clone();
    let done = sqlx::query(
        "insert into engine.runs (id, tenant_id, pipeline_id, pipeline_yaml, task, status,
             human_context, project_id, task_id, agent_id, initiated_by_user_id, key_user_id,
             model_override, agents, created_at, updated_at)
         values ($1, $2, $3, $4, $5, 'queued', $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
         on conflict do nothing",
    )
    .bind(run.id)
    .bind(&tenant)
    .bind(run.pipeline_id)
    .bind(run.pipeline_yaml)
    .bind(run.task)
    .bind(run.human_context)
    .bind(run.project_id)
    .bind(run.task_id)
    .bind(run.agent_id)
    .bind(run.initiated_by_user_id)
    .bind(run.key_user_id)
    .bind(run.model_override)
    .bind(run.agents)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(tx: &mut TenantTx, id: &str) -> sqlx::Result<Option<RunRow>> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(&format!(
        "select {COLUMNS} from engine.runs where tenant_id = $1 and id = $2"
    ))
    .bind(&tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// The run, locked until the transaction ends: every transition of a run goes through this,
/// so two replicas applying results to one run take turns.
pub async fn lock(tx: &mut TenantTx, id: &str) -> sqlx::Result<Option<RunRow>> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(&format!(
        "select {COLUMNS} from engine.runs where tenant_id = $1 and id = $2 for update"
    ))
    .bind(&tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Filters of a run listing; `None` is no filter.
#[derive(Debug, Default)]
pub struct Filter<'a> {
    pub pipeline_id: Option<&'a str>,
    pub status: Option<&'a str>,
    pub project_id: Option<&'a str>,
    pub task_id: Option<&'a str>,
    pub agent_id: Option<&'a str>,
    pub since: Option<i64>,
}

pub async fn list(
    tx: &mut TenantTx,
    f: &Filter<'_>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<RunRow>, i64)> {
    let tenant = tx.tenant().clone();
    let filter = "tenant_id = $1 and ($2::text is null or pipeline_id = $2)
        and ($3::text is null or status = $3) and ($4::text is null or project_id = $4)
        and ($5::text is null or task_id = $5) and ($6::text is null or agent_id = $6)
        and ($7::bigint is null or created_at >= $7)";
    let rows = sqlx::query_as(&format!(
        "select {COLUMNS} from engine.runs where {filter}
          order by created_at desc, id desc limit $8 offset $9"
    ))
    .bind(&tenant)
    .bind(f.pipeline_id)
    .bind(f.status)
    .bind(f.project_id)
    .bind(f.task_id)
    .bind(f.agent_id)
    .bind(f.since)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut **tx)
    .await?;
    let (total,): (i64,) =
        sqlx::query_as(&format!("select count(*) from engine.runs where {filter}"))
            .bind(&tenant)
            .bind(f.pipeline_id)
            .bind(f.status)
            .bind(f.project_id)
            .bind(f.task_id)
            .bind(f.agent_id)
            .bind(f.since)
            .fetch_one(&mut **tx)
            .await?;
    Ok((rows, total))
}

/// Moves the run from one of `from` to `to`; false when it was in none of them.
pub async fn transition(
    tx: &mut TenantTx,
    id: &str,
    from: &[&str],
    to: &str,
    error: Option<&str>,
    now: i64,
) -> sqlx::Result<bool> {
    let tenant = tx.tenant().clone();
    let from: Vec<String> = from.iter().map(|s| (*s).to_owned()).collect();
    let done = sqlx::query(
        "update engine.runs
            set status = $3, updated_at = $5,
                error = case when $3 = 'failed' then coalesce($4, error) else error end,
                started_at = case when $3 = 'running' then coalesce(started_at, $5) else started_at end,
                completed_at = case when $3 in ('completed', 'failed', 'cancelled') then $5 else null end
          where tenant_id = $1 and id = $2 and status = any($6)",
    )
    .bind(&tenant)
    .bind(id)
    .bind(to)
    .bind(error)
    .bind(now)
    .bind(&from)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_current_step(
    tx: &mut TenantTx,
    id: &str,
    step: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update engine.runs set current_step_id = $3, updated_at = $4
          where tenant_id = $1 and id = $2",
    )
    .bind(&tenant)
    .bind(id)
    .bind(step)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map(drop)
}

/// Merges `outputs` into the run's accumulated outputs.
pub async fn merge_outputs(
    tx: &mut TenantTx,
    id: &str,
    outputs: &Value,
    now: i64,
) -> sqlx::Result<()> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update engine.runs set outputs = outputs || $3, updated_at = $4
          where tenant_id = $1 and id = $2",
    )
    .bind(&tenant)
    .bind(id)
    .bind(outputs)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map(drop)
}

/// What `PATCH /v1/runs/{id}` may change besides the status.
#[derive(Debug, Default)]
pub struct Patch<'a> {
    pub outputs: Option<&'a Value>,
    pub current_step_id: Option<&'a str>,
    pub human_context: Option<&'a str>,
    pub key_resolution: Option<&'a Value>,
    pub model_override: Option<&'a str>,
    pub completed_at: Option<i64>,
}

pub async fn patch(tx: &mut TenantTx, id: &str, p: &Patch<'_>, now: i64) -> sqlx::Result<()> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update engine.runs
            set outputs = coalesce($3, outputs), current_step_id = coalesce($4, current_step_id),
                human_context = coalesce($5, human_context),
                key_resolution = coalesce($6, key_resolution),
                model_override = coalesce($7, model_override),
                completed_at = coalesce($8, completed_at), updated_at = $9
          where tenant_id = $1 and id = $2",
    )
    .bind(&tenant)
    .bind(id)
    .bind(p.outputs)
    .bind(p.current_step_id)
    .bind(p.human_context)
    .bind(p.key_resolution)
    .bind(p.model_override)
    .bind(p.completed_at)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map(drop)
}

/// Sets the run up for a restart: a new generation, no outputs, no error, `queued` again.
pub async fn reset(
    tx: &mut TenantTx,
    id: &str,
    human_context: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update engine.runs
            set status = 'queued', generation = generation + 1, outputs = '{}', error = null,
                current_step_id = null, completed_at = null, started_at = null,
                human_context = coalesce($3, human_context), updated_at = $4
          where tenant_id = $1 and id = $2",
    )
    .bind(&tenant)
    .bind(id)
    .bind(human_context)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map(drop)
}

pub async fn delete(tx: &mut TenantTx, id: &str) -> sqlx::Result<bool> {
    let tenant = tx.tenant().clone();
    let done = sqlx::query("delete from engine.runs where tenant_id = $1 and id = $2")
        .bind(&tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes the tenant's runs in `status` and/or created before `before`, at most 1000 at once
/// (bulk deletes are bounded); returns their ids.
pub async fn delete_matching(
    tx: &mut TenantTx,
    status: Option<&str>,
    before: Option<i64>,
) -> sqlx::Result<Vec<String>> {
    let tenant = tx.tenant().clone();
    sqlx::query_scalar(
        "delete from engine.runs where tenant_id = $1 and id in (
             select id from engine.runs
              where tenant_id = $1 and ($2::text is null or status = $2)
                and ($3::bigint is null or created_at < $3)
              order by created_at limit 1000)
         returning id",
    )
    .bind(&tenant)
    .bind(status)
    .bind(before)
    .fetch_all(&mut **tx)
    .await
}

/// The tenant's queued runs, oldest first (admission order).
pub async fn queued(tx: &mut TenantTx, limit: i64) -> sqlx::Result<Vec<String>> {
    let tenant = tx.tenant().clone();
    sqlx::query_scalar(
        "select id from engine.runs where tenant_id = $1 and status = 'queued'
          order by created_at, id limit $2",
    )
    .bind(&tenant)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await
}

/// Runs of the tenant not yet ended that use `agent` (as the run's agent or a pipeline agent)
/// or belong to `project`.
pub async fn active_of(
    tx: &mut TenantTx,
    agent: Option<&str>,
    project: Option<&str>,
) -> sqlx::Result<Vec<String>> {
    let tenant = tx.tenant().clone();
    let active: Vec<String> = ACTIVE.iter().map(|s| (*s).to_owned()).collect();
    sqlx::query_scalar(
        "select id from engine.runs
          where tenant_id = $1 and status = any($2)
            and (($3::text is not null and (agent_id = $3
                  or exists (select 1 from jsonb_each_text(agents) a where a.value = $3)))
              or ($4::text is not null and project_id = $4))",
    )
    .bind(&tenant)
    .bind(&active)
    .bind(agent)
    .bind(project)
    .fetch_all(&mut **tx)
    .await
}

/// Counts of the tenant's runs per status.
pub async fn count_by_status(tx: &mut TenantTx) -> sqlx::Result<Vec<(String, i64)>> {
    let tenant = tx.tenant().clone();
    sqlx::query_as("select status, count(*) from engine.runs where tenant_id = $1 group by status")
        .bind(&tenant)
        .fetch_all(&mut **tx)
        .await
}
