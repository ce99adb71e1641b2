//! SQL of `agent.admin_shared_providers` (spec §2.8) and the day's shared-key use counted from
//! `agent.llm_call_logs`.

use axum::http::StatusCode;
use kit::ApiError;
use kit::db::TenantTx;
use kit::error::OnConstraint;
use sqlx::FromRow;

use crate::domain::key_resolution::Share;

#[derive(Debug, Clone, FromRow)]
pub struct ShareRow {
    pub id: String,
    pub admin_user_id: String,
    pub provider_id: String,
    pub target_user_id: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    /// JSON array of model ids, or null for "any model".
    pub allowed_models: Option<String>,
    pub daily_limit: Option<i32>,
    pub daily_cost_limit_usd: Option<f64>,
}

impl ShareRow {
    pub fn models(&self) -> Option<Vec<String>> {
        self.allowed_models
            .as_deref()
            .and_then(|m| serde_json::from_str(m).ok())
    }

    pub fn to_share(&self) -> Share {
        Share {
            provider_id: self.provider_id.clone(),
            target_user_id: self.target_user_id.clone(),
            expires_at: self.expires_at,
            allowed_models: self.models(),
            daily_limit: self.daily_limit.map(i64::from),
            daily_cost_limit_usd: self.daily_cost_limit_usd,
        }
    }
}

const COLUMNS: &str = "id, admin_user_id, provider_id, target_user_id, created_at, expires_at, \
    allowed_models, daily_limit, daily_cost_limit_usd";

pub fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "share_not_found", "share not found")
}

pub async fn list(tx: &mut TenantTx) -> Result<Vec<ShareRow>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from agent.admin_shared_providers where tenant_id = $1
          order by created_at, id"
    ))
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?)
}

/// The shares that reach `user_id`: those naming the user and those for everyone.
pub async fn for_user(tx: &mut TenantTx, user_id: &str) -> Result<Vec<ShareRow>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from agent.admin_shared_providers
          where tenant_id = $1 and (target_user_id = $2 or target_user_id is null)
          order by created_at, id"
    ))
    .bind(tenant)
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// 409 `share_exists` when the provider is already shared with that target.
pub async fn insert(tx: &mut TenantTx, row: &ShareRow) -> Result<ShareRow, ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query_as(&format!(
        "insert into agent.admin_shared_providers (id, tenant_id, admin_user_id, provider_id,
             target_user_id, created_at, expires_at, allowed_models, daily_limit,
             daily_cost_limit_usd)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         returning {COLUMNS}"
    ))
    .bind(&row.id)
    .bind(tenant)
    .bind(&row.admin_user_id)
    .bind(&row.provider_id)
    .bind(&row.target_user_id)
    .bind(row.created_at)
    .bind(row.expires_at)
    .bind(&row.allowed_models)
    .bind(row.daily_limit)
    .bind(row.daily_cost_limit_usd)
    .fetch_one(&mut **tx)
    .await
    .on_constraint("uq_admin_shared_provider_target", || {
        ApiError::conflict(
            "share_exists",
            "this provider is already shared with that user",
        )
    })
}

pub async fn get_for_update(tx: &mut TenantTx, id: &str) -> Result<ShareRow, ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query_as(&format!(
        "select {COLUMNS} from agent.admin_shared_providers
          where tenant_id = $1 and id = $2 for update"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)
}

/// Writes the restrictions of an existing share (the target and provider never change).
pub async fn update(tx: &mut TenantTx, row: &ShareRow) -> Result<ShareRow, ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query_as(&format!(
        "update agent.admin_shared_providers set expires_at = $3, allowed_models = $4,
                daily_limit = $5, daily_cost_limit_usd = $6
          where tenant_id = $1 and id = $2 returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(&row.id)
    .bind(row.expires_at)
    .bind(&row.allowed_models)
    .bind(row.daily_limit)
    .bind(row.daily_cost_limit_usd)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)
}

pub async fn delete(tx: &mut TenantTx, id: &str) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    let done =
        sqlx::query("delete from agent.admin_shared_providers where tenant_id = $1 and id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    if done.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(())
}

/// Shared-key calls since `since` per (provider, user): calls and cost. With `user_id`, only
/// that user's.
#[derive(Debug, Clone, FromRow)]
pub struct SharedUse {
    pub provider: String,
    pub user_id: Option<String>,
    pub calls: i64,
    pub cost: f64,
}

pub async fn shared_use_since(
    tx: &mut TenantTx,
    since: i64,
    user_id: Option<&str>,
) -> Result<Vec<SharedUse>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(
        "select provider, user_id, count(*) as calls,
                coalesce(sum(cost_total), 0)::double precision as cost
           from agent.llm_call_logs
          where tenant_id = $1 and created_at >= $2 and key_source = 'admin_shared'
            and ($3::varchar is null or user_id = $3)
          group by provider, user_id
          order by provider, user_id",
    )
    .bind(tenant)
    .bind(since)
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?)
}
