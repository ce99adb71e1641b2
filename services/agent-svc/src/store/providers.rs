//! SQL of `agent.model_providers` (the tenant's provider config) and
//! `agent.user_model_providers` (users' own keys). Keys and extra config arrive here already
//! encrypted; this module never sees plaintext.

use kit::ApiError;
use kit::db::TenantTx;
use kit::error::OnConstraint;

pub use crate::domain::sealed::{ProviderRow, SealedConfig};

const TENANT_COLUMNS: &str = "provider_id, enabled, api_key_enc, api_key_masked, \
    extra_config_enc, display_name, is_custom, created_at, updated_at";
const USER_COLUMNS: &str = "provider_id, enabled, api_key_enc, api_key_masked, \
    extra_config_enc, null::varchar as display_name, false as is_custom, created_at, updated_at";

pub async fn list_tenant(tx: &mut TenantTx) -> Result<Vec<ProviderRow>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select {TENANT_COLUMNS} from agent.model_providers where tenant_id = $1 order by provider_id"
    ))
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?)
}

/// The row, locked until the transaction ends (read-modify-write of keys and extra config).
pub async fn tenant_for_update(
    tx: &mut TenantTx,
    provider_id: &str,
) -> Result<Option<ProviderRow>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select {TENANT_COLUMNS} from agent.model_providers
          where tenant_id = $1 and provider_id = $2 for update"
    ))
    .bind(tenant)
    .bind(provider_id)
    .fetch_optional(&mut **tx)
    .await?)
}

pub async fn upsert_tenant(
    tx: &mut TenantTx,
    provider_id: &str,
    config: &SealedConfig,
    now: i64,
) -> Result<ProviderRow, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "insert into agent.model_providers (tenant_id, provider_id, enabled, api_key_enc,
             api_key_masked, extra_config_enc, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $7)
         on conflict (tenant_id, provider_id) do update set enabled = excluded.enabled,
             api_key_enc = excluded.api_key_enc, api_key_masked = excluded.api_key_masked,
             extra_config_enc = excluded.extra_config_enc, updated_at = excluded.updated_at
         returning {TENANT_COLUMNS}"
    ))
    .bind(tenant)
    .bind(provider_id)
    .bind(config.enabled)
    .bind(&config.api_key_enc)
    .bind(&config.api_key_masked)
    .bind(&config.extra_config_enc)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?)
}

/// A new custom provider; 409 `provider_exists` when the tenant already has the id.
pub async fn insert_custom(
    tx: &mut TenantTx,
    provider_id: &str,
    display_name: &str,
    config: &SealedConfig,
    now: i64,
) -> Result<ProviderRow, ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query_as(&format!(
        "insert into agent.model_providers (tenant_id, provider_id, enabled, api_key_enc,
             api_key_masked, extra_config_enc, display_name, is_custom, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, true, $8, $8)
         returning {TENANT_COLUMNS}"
    ))
    .bind(tenant)
    .bind(provider_id)
    .bind(config.enabled)
    .bind(&config.api_key_enc)
    .bind(&config.api_key_masked)
    .bind(&config.extra_config_enc)
    .bind(display_name)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .on_constraint("model_providers_pkey", || {
        ApiError::conflict(
            "provider_exists",
            format!("provider `{provider_id}` already exists"),
        )
    })
}

/// Removes the tenant's config of a provider (its shares go with it); false when there was none.
pub async fn delete_tenant(tx: &mut TenantTx, provider_id: &str) -> Result<bool, ApiError> {
    let tenant = tx.tenant().to_string();
    let done =
        sqlx::query("delete from agent.model_providers where tenant_id = $1 and provider_id = $2")
            .bind(tenant)
            .bind(provider_id)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn list_user(tx: &mut TenantTx, user_id: &str) -> Result<Vec<ProviderRow>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select {USER_COLUMNS} from agent.user_model_providers
          where tenant_id = $1 and user_id = $2 order by provider_id"
    ))
    .bind(tenant)
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?)
}

pub async fn user_for_update(
    tx: &mut TenantTx,
    user_id: &str,
    provider_id: &str,
) -> Result<Option<ProviderRow>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select {USER_COLUMNS} from agent.user_model_providers
          where tenant_id = $1 and user_id = $2 and provider_id = $3 for update"
    ))
    .bind(tenant)
    .bind(user_id)
    .bind(provider_id)
    .fetch_optional(&mut **tx)
    .await?)
}

pub async fn upsert_user(
    tx: &mut TenantTx,
    user_id: &str,
    provider_id: &str,
    config: &SealedConfig,
    now: i64,
) -> Result<ProviderRow, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "insert into agent.user_model_providers (tenant_id, user_id, provider_id, enabled,
             api_key_enc, api_key_masked, extra_config_enc, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $8)
         on conflict (tenant_id, user_id, provider_id) do update set enabled = excluded.enabled,
             api_key_enc = excluded.api_key_enc, api_key_masked = excluded.api_key_masked,
             extra_config_enc = excluded.extra_config_enc, updated_at = excluded.updated_at
         returning {USER_COLUMNS}"
    ))
    .bind(tenant)
    .bind(user_id)
    .bind(provider_id)
    .bind(config.enabled)
    .bind(&config.api_key_enc)
    .bind(&config.api_key_masked)
    .bind(&config.extra_config_enc)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn delete_user(
    tx: &mut TenantTx,
    user_id: &str,
    provider_id: &str,
) -> Result<bool, ApiError> {
    let tenant = tx.tenant().to_string();
    let done = sqlx::query(
        "delete from agent.user_model_providers
          where tenant_id = $1 and user_id = $2 and provider_id = $3",
    )
    .bind(tenant)
    .bind(user_id)
    .bind(provider_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}
