//! SQL of `agent.tool_overrides`: one row per tool an agent has switched on or off.

use kit::ApiError;
use kit::db::TenantTx;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct Override {
    pub tool_name: String,
    pub enabled: bool,
    pub updated_at: i64,
    pub updated_by: String,
}

pub async fn list(tx: &mut TenantTx, agent_id: &str) -> Result<Vec<Override>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(
        "select tool_name, enabled, updated_at, updated_by from agent.tool_overrides
          where tenant_id = $1 and agent_id = $2 order by tool_name",
    )
    .bind(tenant)
    .bind(agent_id)
    .fetch_all(&mut **tx)
    .await?)
}

pub async fn disabled(tx: &mut TenantTx, agent_id: &str) -> Result<Vec<String>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_scalar(
        "select tool_name from agent.tool_overrides
          where tenant_id = $1 and agent_id = $2 and not enabled order by tool_name",
    )
    .bind(tenant)
    .bind(agent_id)
    .fetch_all(&mut **tx)
    .await?)
}

pub async fn upsert(
    tx: &mut TenantTx,
    agent_id: &str,
    tool_name: &str,
    enabled: bool,
    updated_by: &str,
    now: i64,
) -> Result<Override, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(
        "insert into agent.tool_overrides (tenant_id, agent_id, tool_name, enabled, updated_at,
             updated_by)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (tenant_id, agent_id, tool_name) do update set
             enabled = excluded.enabled, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by
         returning tool_name, enabled, updated_at, updated_by",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(tool_name)
    .bind(enabled)
    .bind(now)
    .bind(updated_by)
    .fetch_one(&mut **tx)
    .await?)
}

/// Whether there was an override to remove.
pub async fn delete(tx: &mut TenantTx, agent_id: &str, tool_name: &str) -> Result<bool, ApiError> {
    let tenant = tx.tenant().to_string();
    let done = sqlx::query(
        "delete from agent.tool_overrides
          where tenant_id = $1 and agent_id = $2 and tool_name = $3",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(tool_name)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}
