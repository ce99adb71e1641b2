//! SQL of `agent.global_settings` (key/value rows per tenant) and the model history that feeds
//! the suggestions.

use kit::ApiError;
use kit::db::TenantTx;

use crate::domain::settings::UsedModel;

/// Every stored `(key, value)` of the tenant.
pub async fn rows(tx: &mut TenantTx) -> Result<Vec<(String, String)>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(
        sqlx::query_as("select key, value from agent.global_settings where tenant_id = $1")
            .bind(tenant)
            .fetch_all(&mut **tx)
            .await?,
    )
}

pub async fn get(tx: &mut TenantTx, key: &str) -> Result<Option<String>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_scalar(
        "select value from agent.global_settings where tenant_id = $1 and key = $2",
    )
    .bind(tenant)
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Writes each `(key, value)`; keys not named keep their rows.
pub async fn put(
    tx: &mut TenantTx,
    entries: &[(String, String)],
    now: i64,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    for (key, value) in entries {
        sqlx::query(
            "insert into agent.global_settings (tenant_id, key, value, updated_at)
             values ($1, $2, $3, $4)
             on conflict (tenant_id, key) do update set value = excluded.value,
                 updated_at = excluded.updated_at",
        )
        .bind(&tenant)
        .bind(key)
        .bind(value)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The tenant's models by number of calls, most used first (at most `limit`).
pub async fn used_models(tx: &mut TenantTx, limit: i64) -> Result<Vec<UsedModel>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(
        "select provider, model, count(*) as calls,
                count(*) filter (where has_thinking) as thinking_calls
           from agent.llm_call_logs where tenant_id = $1
          group by provider, model
          order by calls desc, provider, model
          limit $2",
    )
    .bind(tenant)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?)
}
