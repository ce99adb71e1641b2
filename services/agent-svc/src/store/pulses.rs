//! SQL of `agent.pulse_triggers` and the pulse facts read from routines.

use kit::ApiError;
use kit::db::TenantTx;

/// A manual "pulse now" request as recorded before it goes on the bus.
#[derive(Debug, Clone)]
pub struct NewTrigger<'a> {
    pub id: &'a str,
    pub agent_id: &'a str,
    pub routine_id: Option<&'a str>,
    pub source: &'a str,
    pub requested_by: &'a str,
    pub event_id: &'a str,
}

pub async fn insert_trigger(
    tx: &mut TenantTx,
    t: &NewTrigger<'_>,
    now: i64,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query(
        "insert into agent.pulse_triggers (id, tenant_id, agent_id, routine_id, source,
             requested_by, event_id, status, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, 'queued', $8)",
    )
    .bind(t.id)
    .bind(tenant)
    .bind(t.agent_id)
    .bind(t.routine_id)
    .bind(t.source)
    .bind(t.requested_by)
    .bind(t.event_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// When the agent was last asked to pulse (a queued manual trigger), if ever.
pub async fn last_trigger(tx: &mut TenantTx, agent_id: &str) -> Result<Option<i64>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_scalar(
        "select max(created_at) from agent.pulse_triggers
          where tenant_id = $1 and agent_id = $2 and status = 'queued'",
    )
    .bind(tenant)
    .bind(agent_id)
    .fetch_one(&mut **tx)
    .await?)
}
