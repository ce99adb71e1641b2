//! SQL of `agent.pulse_fires`: each scheduled firing, recorded once; and the pulse clock's look
//! across tenants (`app.scope = 'pulse-clock'`, read-only on `agent.agents`).

use kit::ApiError;
use kit::db::{LookupTx, TenantTx};
use shared_schemas::ids::TenantId;

/// The scope the `pulse_clock` policy checks.
pub const SCOPE: (&str, &str) = ("app.scope", "pulse-clock");

/// Tenants with at least one pulse-enabled agent.
pub async fn tenants_with_pulses(tx: &mut LookupTx) -> Result<Vec<TenantId>, ApiError> {
    Ok(sqlx::query_scalar(
        "select distinct tenant_id from agent.agents where pulse_enabled limit 100000",
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// Records the firing of `(agent, routine)` at `fire_at`; false when it was recorded already
/// (by this or another replica), so the caller fires nothing.
pub async fn claim(
    tx: &mut TenantTx,
    agent_id: &str,
    routine_id: Option<&str>,
    fire_at: i64,
    trigger_id: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let tenant = tx.tenant().to_string();
    let inserted = sqlx::query(
        "insert into agent.pulse_fires (tenant_id, agent_id, routine_id, fire_at, trigger_id,
             created_at)
         values ($1, $2, $3, $4, $5, $6)
         on conflict do nothing",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(routine_id.unwrap_or_default())
    .bind(fire_at)
    .bind(trigger_id)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Forgets firings older than `before` (they can no longer be due again).
pub async fn prune(tx: &mut TenantTx, before: i64) -> Result<u64, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(
        sqlx::query("delete from agent.pulse_fires where tenant_id = $1 and fire_at < $2")
            .bind(tenant)
            .bind(before)
            .execute(&mut **tx)
            .await?
            .rows_affected(),
    )
}
