//! SQL of `auth.api_keys`. Tenant transactions filter by `tenant_id` explicitly; the one lookup
//! without a tenant (`find_by_hash`) only sees rows through the `app.api_key_hash` capability.

use kit::ApiError;
use kit::db::TenantTx;
use kit::page::Page;
use shared_schemas::ids::ApiKeyId;
use sqlx::{FromRow, PgConnection};

#[derive(Debug, Clone, FromRow)]
pub struct ApiKey {
    pub id: String,
    pub tenant_id: String,
    pub user_id: Option<String>,
    pub kind: String,
    pub agent_id: Option<String>,
    pub name: String,
    pub key_prefix: String,
    pub is_active: bool,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub created_at: i64,
    pub created_by: Option<String>,
}

const COLUMNS: &str = "id, tenant_id, user_id, kind, agent_id, name, key_prefix, is_active, \
                       expires_at, last_used_at, created_at, created_by";

/// `last_used_at` is written at most this often per key.
const TOUCH_EVERY_MS: i64 = 60_000;

pub struct NewKey<'a> {
    pub kind: &'a str,
    pub user_id: Option<&'a str>,
    pub agent_id: Option<&'a str>,
    pub name: &'a str,
    pub hash: &'a str,
    pub prefix: &'a str,
    pub expires_at: Option<i64>,
    pub created_by: Option<&'a str>,
}

const INSERT: &str =
    "insert into auth.api_keys (id, tenant_id, user_id, kind, agent_id, name, key_hash,
                         key_prefix, scopes, is_service_key, expires_at, created_at, created_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $4 <> 'user', $10, $11, $12)";

pub async fn insert(tx: &mut TenantTx, new: &NewKey<'_>, now: i64) -> Result<ApiKey, ApiError> {
    run_insert(tx, new, now, "")
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("api key insert returned nothing")))
}

/// Inserts an agent's key unless the agent already has a live one (then `None`).
pub async fn insert_agent(
    tx: &mut TenantTx,
    new: &NewKey<'_>,
    now: i64,
) -> Result<Option<ApiKey>, ApiError> {
    run_insert(
        tx,
        new,
        now,
        "on conflict (tenant_id, agent_id) where kind = 'agent' and is_active do nothing",
    )
    .await
}

async fn run_insert(
    tx: &mut TenantTx,
    new: &NewKey<'_>,
    now: i64,
    conflict: &str,
) -> Result<Option<ApiKey>, ApiError> {
    let tenant = tx.tenant().clone();
    let scopes = new
        .agent_id
        .map(|agent| serde_json::json!({ "agent_id": agent }).to_string());
    Ok(
        sqlx::query_as(&format!("{INSERT} {conflict} returning {COLUMNS}"))
            .bind(ApiKeyId::generate().as_str())
            .bind(tenant.as_str())
            .bind(new.user_id)
            .bind(new.kind)
            .bind(new.agent_id)
            .bind(new.name)
            .bind(new.hash)
            .bind(new.prefix)
            .bind(scopes)
            .bind(new.expires_at)
            .bind(now)
            .bind(new.created_by)
            .fetch_optional(&mut **tx)
            .await?,
    )
}

/// A page of the user's keys, newest first, and how many there are.
pub async fn list_by_user(
    tx: &mut TenantTx,
    user_id: &str,
    page: Page,
) -> Result<(Vec<ApiKey>, i64), ApiError> {
    page_of(tx, Some(user_id), page).await
}

/// A page of every key of the tenant, newest first, and how many there are.
pub async fn list_all(tx: &mut TenantTx, page: Page) -> Result<(Vec<ApiKey>, i64), ApiError> {
    page_of(tx, None, page).await
}

async fn page_of(
    tx: &mut TenantTx,
    user_id: Option<&str>,
    page: Page,
) -> Result<(Vec<ApiKey>, i64), ApiError> {
    let tenant = tx.tenant().clone();
    let filter = "tenant_id = $1 and ($2::text is null or user_id = $2)";
    let total: i64 = sqlx::query_scalar(&format!(
        "select count(*) from auth.api_keys where {filter}"
    ))
    .bind(tenant.as_str())
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?;
    let rows = sqlx::query_as(&format!(
        "select {COLUMNS} from auth.api_keys where {filter}
          order by created_at desc, id limit $3 offset $4"
    ))
    .bind(tenant.as_str())
    .bind(user_id)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(&mut **tx)
    .await?;
    Ok((rows, total))
}

pub async fn get(tx: &mut TenantTx, id: &str) -> Result<Option<ApiKey>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from auth.api_keys where tenant_id = $1 and id = $2"
    ))
    .bind(tenant.as_str())
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Deactivates a key (idempotent) and returns its hash, so caches can be told.
pub async fn revoke(tx: &mut TenantTx, id: &str, now: i64) -> Result<Option<String>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_scalar(
        "update auth.api_keys set is_active = false, revoked_at = coalesce(revoked_at, $3)
          where tenant_id = $1 and id = $2 returning key_hash",
    )
    .bind(tenant.as_str())
    .bind(id)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The agent's live key, row locked so a rotation and an ensure serialise.
pub async fn lock_agent_key(tx: &mut TenantTx, agent_id: &str) -> Result<Option<ApiKey>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from auth.api_keys
          where tenant_id = $1 and kind = 'agent' and agent_id = $2 and is_active for update"
    ))
    .bind(tenant.as_str())
    .bind(agent_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Introspection lookup across tenants: only works inside a `LookupTx` holding `app.api_key_hash`.
pub async fn find_by_hash(conn: &mut PgConnection, hash: &str) -> Result<Option<ApiKey>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from auth.api_keys where key_hash = $1"
    ))
    .bind(hash)
    .fetch_optional(conn)
    .await?)
}

/// Records use, at most once a minute per key (introspection runs on every cache miss).
pub async fn touch(tx: &mut TenantTx, id: &str, now: i64) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update auth.api_keys set last_used_at = $3
          where tenant_id = $1 and id = $2 and (last_used_at is null or last_used_at <= $3 - $4)",
    )
    .bind(tenant.as_str())
    .bind(id)
    .bind(now)
    .bind(TOUCH_EVERY_MS)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Hashes of the user keys of `user_id` (live or not): their cache entries are forgotten when
/// the user is demoted, deactivated or deleted.
pub async fn user_key_hashes(tx: &mut TenantTx, user_id: &str) -> Result<Vec<String>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_scalar(
        "select key_hash from auth.api_keys
          where tenant_id = $1 and user_id = $2 and kind = 'user'",
    )
    .bind(tenant.as_str())
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?)
}
