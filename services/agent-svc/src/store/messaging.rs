//! SQL of `agent.messaging_permissions`: the outbound targets an agent may message.

use axum::http::StatusCode;
use kit::ApiError;
use kit::db::TenantTx;
use kit::error::OnConstraint;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct Permission {
    pub id: i64,
    pub channel: String,
    pub target: String,
    pub label: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, channel, target, label, created_at, updated_at";

pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "permission_not_found",
        "permission not found",
    )
}

/// By channel, newest first within one, as the reference lists them.
pub async fn list(
    tx: &mut TenantTx,
    agent_id: &str,
    channel: Option<&str>,
) -> Result<Vec<Permission>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from agent.messaging_permissions
          where tenant_id = $1 and agent_id = $2 and ($3::text is null or channel = $3)
          order by channel, created_at desc, id desc"
    ))
    .bind(tenant)
    .bind(agent_id)
    .bind(channel)
    .fetch_all(&mut **tx)
    .await?)
}

pub async fn insert(
    tx: &mut TenantTx,
    agent_id: &str,
    channel: &str,
    target: &str,
    label: Option<&str>,
    now: i64,
) -> Result<Permission, ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query_as(&format!(
        "insert into agent.messaging_permissions (tenant_id, agent_id, channel, target, label,
             created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $6)
         returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(agent_id)
    .bind(channel)
    .bind(target)
    .bind(label)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .on_constraint("messaging_permissions_target_key", || {
        ApiError::conflict(
            "permission_exists",
            format!("permission for target `{target}` on channel `{channel}` already exists"),
        )
    })
}

/// Removes every permission of one channel; how many there were.
pub async fn clear_channel(
    tx: &mut TenantTx,
    agent_id: &str,
    channel: &str,
) -> Result<u64, ApiError> {
    let tenant = tx.tenant().to_string();
    let done = sqlx::query(
        "delete from agent.messaging_permissions
          where tenant_id = $1 and agent_id = $2 and channel = $3",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(channel)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes one permission of the agent; answers its channel.
pub async fn delete(tx: &mut TenantTx, agent_id: &str, id: i64) -> Result<String, ApiError> {
    let tenant = tx.tenant().to_string();
    let channel: Option<String> = sqlx::query_scalar(
        "delete from agent.messaging_permissions
          where tenant_id = $1 and agent_id = $2 and id = $3 returning channel",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    channel.ok_or_else(not_found)
}
