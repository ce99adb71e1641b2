//! SQL of `agent.channel_credentials`. Token columns hold ciphertext; the masked previews are
//! written beside them so reading a channel never needs the key.

use std::collections::HashSet;

use kit::ApiError;
use kit::db::TenantTx;

pub use crate::domain::channels::Credential;

const COLUMNS: &str = "channel, primary_token, primary_token_masked, secondary_token, \
    secondary_token_masked, extra_config, enabled, created_at, updated_at";

pub async fn list(tx: &mut TenantTx, agent_id: &str) -> Result<Vec<Credential>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from agent.channel_credentials
          where tenant_id = $1 and agent_id = $2 order by channel"
    ))
    .bind(tenant)
    .bind(agent_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// One channel's row, locked until the transaction ends so concurrent partial updates merge.
pub async fn get_for_update(
    tx: &mut TenantTx,
    agent_id: &str,
    channel: &str,
) -> Result<Option<Credential>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from agent.channel_credentials
          where tenant_id = $1 and agent_id = $2 and channel = $3 for update"
    ))
    .bind(tenant)
    .bind(agent_id)
    .bind(channel)
    .fetch_optional(&mut **tx)
    .await?)
}

pub async fn get(
    tx: &mut TenantTx,
    agent_id: &str,
    channel: &str,
) -> Result<Option<Credential>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from agent.channel_credentials
          where tenant_id = $1 and agent_id = $2 and channel = $3"
    ))
    .bind(tenant)
    .bind(agent_id)
    .bind(channel)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Writes the whole row (the caller merged the change into what was stored).
pub async fn put(
    tx: &mut TenantTx,
    agent_id: &str,
    row: &Credential,
) -> Result<Credential, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "insert into agent.channel_credentials (tenant_id, agent_id, channel, primary_token,
             primary_token_masked, secondary_token, secondary_token_masked, extra_config,
             enabled, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         on conflict (tenant_id, agent_id, channel) do update set
             primary_token = excluded.primary_token,
             primary_token_masked = excluded.primary_token_masked,
             secondary_token = excluded.secondary_token,
             secondary_token_masked = excluded.secondary_token_masked,
             extra_config = excluded.extra_config,
             enabled = excluded.enabled,
             updated_at = excluded.updated_at
         returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(agent_id)
    .bind(&row.channel)
    .bind(&row.primary_token)
    .bind(&row.primary_token_masked)
    .bind(&row.secondary_token)
    .bind(&row.secondary_token_masked)
    .bind(&row.extra_config)
    .bind(row.enabled)
    .bind(row.created_at)
    .bind(row.updated_at)
    .fetch_one(&mut **tx)
    .await?)
}

/// Whether a row was there to delete.
pub async fn delete(tx: &mut TenantTx, agent_id: &str, channel: &str) -> Result<bool, ApiError> {
    let tenant = tx.tenant().to_string();
    let done = sqlx::query(
        "delete from agent.channel_credentials
          where tenant_id = $1 and agent_id = $2 and channel = $3",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(channel)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The tenant's agents with an enabled Slack bot holding both tokens: what the agents list
/// reports as `slack_connected` and what slack-svc connects.
pub async fn slack_connected_agents(tx: &mut TenantTx) -> Result<HashSet<String>, ApiError> {
    let tenant = tx.tenant().to_string();
    let ids: Vec<String> = sqlx::query_scalar(
        "select agent_id from agent.channel_credentials
          where tenant_id = $1 and channel = 'slack' and enabled
            and primary_token is not null and secondary_token is not null",
    )
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?;
    Ok(ids.into_iter().collect())
}
