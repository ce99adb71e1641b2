//! SQL of `agent.agent_activity`: what agents did, appended from bus events.

use kit::ApiError;
use kit::db::TenantTx;
use serde_json::Value;
use sqlx::FromRow;

#[derive(Debug, Clone)]
pub struct NewActivity<'a> {
    pub agent_id: &'a str,
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub run_id: Option<&'a str>,
    pub session_id: Option<&'a str>,
    pub summary: String,
    pub data: Value,
    pub is_error: bool,
    pub created_at: i64,
}

/// Appends once per event: a redelivered event changes nothing. Returns false when the agent
/// is not the tenant's (deleted meanwhile, or never was) — such events are dropped.
pub async fn append(tx: &mut TenantTx, a: &NewActivity<'_>) -> Result<bool, sqlx::Error> {
    let tenant = tx.tenant().to_string();
    let inserted = sqlx::query(
        "insert into agent.agent_activity (tenant_id, agent_id, event_id, event_type, run_id,
             session_id, summary, data, is_error, created_at)
         select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
          where exists (select 1 from agent.agents where tenant_id = $1 and id = $2)
         on conflict (tenant_id, agent_id, event_id) do nothing",
    )
    .bind(tenant)
    .bind(a.agent_id)
    .bind(a.event_id)
    .bind(a.event_type)
    .bind(a.run_id)
    .bind(a.session_id)
    .bind(&a.summary)
    .bind(&a.data)
    .bind(a.is_error)
    .bind(a.created_at)
    .execute(&mut **tx)
    .await;
    match inserted {
        Ok(done) => Ok(done.rows_affected() > 0),
        // The agent was deleted between the check and the insert.
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23503") => Ok(false),
        Err(e) => Err(e),
    }
}

#[derive(Debug, Clone, FromRow, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivityRow {
    pub id: i64,
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub run_id: Option<String>,
    pub session_id: Option<String>,
    pub summary: String,
    #[schema(value_type = Object)]
    pub data: Value,
    pub is_error: bool,
    pub timestamp: i64,
}

/// Newest first; `since` (ms) keeps only later entries.
pub async fn list(
    tx: &mut TenantTx,
    agent_id: &str,
    since: Option<i64>,
    limit: i64,
) -> Result<Vec<ActivityRow>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(
        "select id, event_id, event_type, run_id, session_id, summary, data, is_error,
                created_at as timestamp
           from agent.agent_activity
          where tenant_id = $1 and agent_id = $2 and created_at > coalesce($3, -1)
          order by created_at desc, id desc
          limit $4",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(since)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?)
}

#[derive(Debug, Clone, Default, FromRow)]
pub struct Counts {
    pub sessions_today: i64,
    pub sessions_week: i64,
    pub errors: i64,
    /// From the LLM call log: every token and dollar the agent has spent.
    pub total_tokens: i64,
    pub total_cost: f64,
}

/// Distinct sessions (or runs) the agent worked in since the given instants, and errors.
pub async fn counts(
    tx: &mut TenantTx,
    agent_id: &str,
    day_start: i64,
    week_start: i64,
) -> Result<Counts, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(
        "select count(distinct coalesce(session_id, run_id)) filter (where created_at >= $3)
                    as sessions_today,
                count(distinct coalesce(session_id, run_id)) filter (where created_at >= $4)
                    as sessions_week,
                count(*) filter (where is_error) as errors,
                (select coalesce(sum(total_tokens), 0)::bigint from agent.llm_call_logs
                  where tenant_id = $1 and agent_id = $2) as total_tokens,
                (select coalesce(sum(cost_total), 0)::float8 from agent.llm_call_logs
                  where tenant_id = $1 and agent_id = $2) as total_cost
           from agent.agent_activity
          where tenant_id = $1 and agent_id = $2",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(day_start)
    .bind(week_start)
    .fetch_one(&mut **tx)
    .await?)
}

/// The latest state an `AGENT_STATE_CHANGED` reported, with its time, per agent of the tenant.
pub async fn latest_states(tx: &mut TenantTx) -> Result<Vec<(String, String, i64)>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(
        "select distinct on (agent_id) agent_id, coalesce(data->>'newState', 'idle'), created_at
           from agent.agent_activity
          where tenant_id = $1 and event_type = 'AGENT_STATE_CHANGED'
          order by agent_id, created_at desc, id desc",
    )
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?)
}

/// When each agent of the tenant last did anything.
pub async fn last_active(tx: &mut TenantTx) -> Result<Vec<(String, i64)>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(
        "select agent_id, max(created_at) from agent.agent_activity
          where tenant_id = $1 group by agent_id",
    )
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?)
}
