//! SQL of `agent.pulse_routines`. Every statement filters by the transaction's tenant.

use axum::http::StatusCode;
use kit::ApiError;
use kit::db::TenantTx;
use kit::error::OnConstraint;
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use sqlx::types::Json;
use sqlx::{FromRow, Postgres};

use crate::domain::agent_config::Blackout;
use crate::domain::pulse_routines::RoutineSpec;

/// A stored routine: its settings plus ids, order, stats and times.
#[derive(Debug, Clone)]
pub struct Routine {
    pub id: String,
    pub agent_id: String,
    pub spec: RoutineSpec,
    pub sort_order: i32,
    pub last_run_at: Option<i64>,
    pub total_runs: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, FromRow)]
struct Row {
    id: String,
    agent_id: String,
    name: String,
    description: Option<String>,
    instructions: String,
    enabled: bool,
    interval_minutes: i32,
    offset_minutes: i32,
    cron: Option<String>,
    blackouts: Json<Vec<Blackout>>,
    one_offs: Json<Vec<String>>,
    timeout_ms: Option<i32>,
    max_concurrent: i32,
    pulse_columns: Option<Json<Vec<String>>>,
    color: Option<String>,
    planning_model: Option<String>,
    executor_model: Option<String>,
    executor_timeout_sec: Option<i32>,
    tools: Option<Json<Vec<String>>>,
    stage_affinity: Option<Json<Vec<String>>>,
    task_work_types: Option<Json<Vec<String>>>,
    sort_order: i32,
    last_run_at: Option<i64>,
    total_runs: i32,
    created_at: i64,
    updated_at: i64,
}

fn unsigned(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn signed(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

impl From<Row> for Routine {
    fn from(r: Row) -> Self {
        Self {
            spec: RoutineSpec {
                name: r.name,
                description: r.description,
                instructions: r.instructions,
                enabled: r.enabled,
                interval_minutes: unsigned(r.interval_minutes),
                offset_minutes: unsigned(r.offset_minutes),
                cron: r.cron,
                blackouts: r.blackouts.0,
                one_offs: r.one_offs.0,
                timeout_ms: r.timeout_ms.map(unsigned),
                max_concurrent: unsigned(r.max_concurrent),
                pulse_columns: r.pulse_columns.map(|j| j.0),
                color: r.color,
                planning_model: r.planning_model,
                executor_model: r.executor_model,
                executor_timeout_sec: r.executor_timeout_sec.map(unsigned),
                tools: r.tools.map(|j| j.0),
                stage_affinity: r.stage_affinity.map(|j| j.0),
                task_work_types: r.task_work_types.map(|j| j.0),
            },
            id: r.id,
            agent_id: r.agent_id,
            sort_order: r.sort_order,
            last_run_at: r.last_run_at,
            total_runs: r.total_runs,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, agent_id, name, description, instructions, enabled, interval_minutes, \
    offset_minutes, cron, blackouts, one_offs, timeout_ms, max_concurrent, pulse_columns, color, \
    planning_model, executor_model, executor_timeout_sec, tools, stage_affinity, task_work_types, \
    sort_order, last_run_at, total_runs, created_at, updated_at";

/// The settings columns, in the order [`bind_spec`] binds them.
const SPEC_COLUMNS: [&str; 19] = [
    "name",
    "description",
    "instructions",
    "enabled",
    "interval_minutes",
    "offset_minutes",
    "cron",
    "blackouts",
    "one_offs",
    "timeout_ms",
    "max_concurrent",
    "pulse_columns",
    "color",
    "planning_model",
    "executor_model",
    "executor_timeout_sec",
    "tools",
    "stage_affinity",
    "task_work_types",
];

type Query<'q> = QueryAs<'q, Postgres, Row, PgArguments>;

fn bind_spec<'q>(q: Query<'q>, s: &'q RoutineSpec) -> Query<'q> {
    q.bind(s.name.trim())
        .bind(&s.description)
        .bind(&s.instructions)
        .bind(s.enabled)
        .bind(signed(s.interval_minutes))
        .bind(signed(s.offset_minutes))
        .bind(s.cron.as_deref().map(str::trim))
        .bind(Json(&s.blackouts))
        .bind(Json(&s.one_offs))
        .bind(s.timeout_ms.map(signed))
        .bind(signed(s.max_concurrent))
        .bind(s.pulse_columns.as_ref().map(Json))
        .bind(&s.color)
        .bind(&s.planning_model)
        .bind(&s.executor_model)
        .bind(s.executor_timeout_sec.map(signed))
        .bind(s.tools.as_ref().map(Json))
        .bind(s.stage_affinity.as_ref().map(Json))
        .bind(s.task_work_types.as_ref().map(Json))
}

pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "routine_not_found",
        "pulse routine not found",
    )
}

fn name_taken(name: &str) -> ApiError {
    ApiError::conflict(
        "routine_name_taken",
        format!("the agent already has a routine named `{}`", name.trim()),
    )
}

const NAME_KEY: &str = "pulse_routines_agent_name_key";

pub async fn list(tx: &mut TenantTx, agent_id: &str) -> Result<Vec<Routine>, ApiError> {
    let tenant = tx.tenant().to_string();
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from agent.pulse_routines where tenant_id = $1 and agent_id = $2
          order by sort_order, created_at, id"
    ))
    .bind(tenant)
    .bind(agent_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(Routine::from).collect())
}

/// Every routine of the tenant (the timeline).
pub async fn list_all(tx: &mut TenantTx) -> Result<Vec<Routine>, ApiError> {
    let tenant = tx.tenant().to_string();
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from agent.pulse_routines where tenant_id = $1
          order by agent_id, sort_order, created_at, id"
    ))
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(Routine::from).collect())
}

/// One routine of the agent; `lock` keeps it locked for a read-modify-write.
pub async fn get(
    tx: &mut TenantTx,
    agent_id: &str,
    id: &str,
    lock: bool,
) -> Result<Routine, ApiError> {
    let tenant = tx.tenant().to_string();
    let suffix = if lock { " for update" } else { "" };
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from agent.pulse_routines
          where tenant_id = $1 and agent_id = $2 and id = $3{suffix}"
    ))
    .bind(tenant)
    .bind(agent_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(Routine::from).ok_or_else(not_found)
}

/// A routine of the tenant by id alone (the engine's record-run callback has no agent path).
pub async fn find(tx: &mut TenantTx, id: &str) -> Result<Routine, ApiError> {
    let tenant = tx.tenant().to_string();
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from agent.pulse_routines where tenant_id = $1 and id = $2 for update"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(Routine::from).ok_or_else(not_found)
}

/// Names and colors of the agent's routines, and the next sort position.
pub async fn siblings(
    tx: &mut TenantTx,
    agent_id: &str,
) -> Result<(Vec<String>, Vec<Option<String>>, i32), ApiError> {
    let routines = list(tx, agent_id).await?;
    let next = routines.iter().map(|r| r.sort_order + 1).max().unwrap_or(0);
    let names = routines.iter().map(|r| r.spec.name.clone()).collect();
    let colors = routines.into_iter().map(|r| r.spec.color).collect();
    Ok((names, colors, next))
}

pub async fn insert(
    tx: &mut TenantTx,
    agent_id: &str,
    spec: &RoutineSpec,
    sort_order: i32,
    now: i64,
) -> Result<Routine, ApiError> {
    let id = format!("pr_{}", shared_schemas::ids::random_body());
    let tenant = tx.tenant().to_string();
    let params: Vec<String> = (4..4 + SPEC_COLUMNS.len())
        .map(|i| format!("${i}"))
        .collect();
    let sql = format!(
        "insert into agent.pulse_routines (id, tenant_id, agent_id, {}, sort_order, created_at,
             updated_at)
         values ($1, $2, $3, {}, $23, $24, $24) returning {COLUMNS}",
        SPEC_COLUMNS.join(", "),
        params.join(", ")
    );
    let q = sqlx::query_as(&sql).bind(id).bind(tenant).bind(agent_id);
    let row: Row = bind_spec(q, spec)
        .bind(sort_order)
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .on_constraint(NAME_KEY, || name_taken(&spec.name))?;
    Ok(row.into())
}

pub async fn update(
    tx: &mut TenantTx,
    agent_id: &str,
    id: &str,
    spec: &RoutineSpec,
    now: i64,
) -> Result<Routine, ApiError> {
    let tenant = tx.tenant().to_string();
    let sets: Vec<String> = SPEC_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 4))
        .collect();
    let sql = format!(
        "update agent.pulse_routines set {}, updated_at = $23
          where tenant_id = $1 and agent_id = $2 and id = $3 returning {COLUMNS}",
        sets.join(", ")
    );
    let q = sqlx::query_as(&sql).bind(tenant).bind(agent_id).bind(id);
    let row: Option<Row> = bind_spec(q, spec)
        .bind(now)
        .fetch_optional(&mut **tx)
        .await
        .on_constraint(NAME_KEY, || name_taken(&spec.name))?;
    row.map(Routine::from).ok_or_else(not_found)
}

pub async fn delete(tx: &mut TenantTx, agent_id: &str, id: &str) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    let done = sqlx::query(
        "delete from agent.pulse_routines where tenant_id = $1 and agent_id = $2 and id = $3",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(())
}

/// Flips `enabled`; returns the new value.
pub async fn toggle(
    tx: &mut TenantTx,
    agent_id: &str,
    id: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let tenant = tx.tenant().to_string();
    let enabled: Option<bool> = sqlx::query_scalar(
        "update agent.pulse_routines set enabled = not enabled, updated_at = $4
          where tenant_id = $1 and agent_id = $2 and id = $3 returning enabled",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(id)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    enabled.ok_or_else(not_found)
}

/// Sets `sort_order` to each id's position; the caller checked the ids are exactly the agent's.
pub async fn reorder(
    tx: &mut TenantTx,
    agent_id: &str,
    ids: &[String],
    now: i64,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query(
        "update agent.pulse_routines r set sort_order = o.pos - 1, updated_at = $4
           from unnest($3::text[]) with ordinality as o(id, pos)
          where r.tenant_id = $1 and r.agent_id = $2 and r.id = o.id",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(ids)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Counts one finished run; returns the new `(last_run_at, total_runs)`.
pub async fn record_run(tx: &mut TenantTx, id: &str, now: i64) -> Result<(i64, i32), ApiError> {
    let tenant = tx.tenant().to_string();
    let row: Option<(i64, i32)> = sqlx::query_as(
        "update agent.pulse_routines
            set last_run_at = $3, total_runs = total_runs + 1, updated_at = $3
          where tenant_id = $1 and id = $2 returning last_run_at, total_runs",
    )
    .bind(tenant)
    .bind(id)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    row.ok_or_else(not_found)
}
