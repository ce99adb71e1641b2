//! SQL of `agent.secrets` and `agent.agent_secret_grants`. The row type that leaves this module
//! for responses has no ciphertext column; only `granted_ciphertexts` reads it, for the engine.

use axum::http::StatusCode;
use kit::ApiError;
use kit::db::TenantTx;
use kit::error::OnConstraint;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct Secret {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub secret_type: String,
    pub env_key: String,
    pub masked_preview: Option<String>,
    pub created_by: String,
    pub granted_agents: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The secret's columns and its grantees, for a `from agent.secrets s` query grouped by `s.id`.
const SELECT: &str = "select s.id, s.name, s.description, s.secret_type, s.env_key,
        s.masked_preview, s.created_by, s.created_at, s.updated_at,
        coalesce(array_agg(g.agent_id order by g.agent_id)
                 filter (where g.agent_id is not null), '{}') as granted_agents
   from agent.secrets s
   left join agent.agent_secret_grants g on g.tenant_id = s.tenant_id and g.secret_id = s.id";

pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "secret_not_found",
        "secret not found",
    )
}

fn name_taken(name: &str) -> ApiError {
    ApiError::conflict(
        "secret_name_taken",
        format!("a secret named `{name}` already exists"),
    )
}

/// Newest first, as the reference lists them.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<Secret>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "{SELECT} where s.tenant_id = $1 group by s.id order by s.created_at desc, s.id"
    ))
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?)
}

/// The secrets granted to one agent (masked view).
pub async fn list_for_agent(tx: &mut TenantTx, agent_id: &str) -> Result<Vec<Secret>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "{SELECT} where s.tenant_id = $1 and exists (
             select 1 from agent.agent_secret_grants x
              where x.tenant_id = s.tenant_id and x.secret_id = s.id and x.agent_id = $2)
          group by s.id order by s.name"
    ))
    .bind(tenant)
    .bind(agent_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// The secrets an administrator granted to one user of the tenant (masked view), by name.
pub async fn list_for_user(tx: &mut TenantTx, user_id: &str) -> Result<Vec<Secret>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "{SELECT} where s.tenant_id = $1 and exists (
             select 1 from agent.secret_user_grants u
              where u.tenant_id = s.tenant_id and u.secret_id = s.id and u.user_id = $2)
          group by s.id order by s.name limit 500"
    ))
    .bind(tenant)
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// Grants a secret of the tenant to one of its users; false when it already was.
pub async fn grant_user(
    tx: &mut TenantTx,
    secret_id: &str,
    user_id: &str,
    granted_by: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let tenant = tx.tenant().to_string();
    let done = sqlx::query(
        "insert into agent.secret_user_grants (tenant_id, secret_id, user_id, granted_by, granted_at)
         values ($1, $2, $3, $4, $5) on conflict do nothing",
    )
    .bind(tenant)
    .bind(secret_id)
    .bind(user_id)
    .bind(granted_by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Takes a user's grant away; false when there was none.
pub async fn revoke_user(
    tx: &mut TenantTx,
    secret_id: &str,
    user_id: &str,
) -> Result<bool, ApiError> {
    let tenant = tx.tenant().to_string();
    let done = sqlx::query(
        "delete from agent.secret_user_grants where tenant_id = $1 and secret_id = $2 and user_id = $3",
    )
    .bind(tenant)
    .bind(secret_id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn get(tx: &mut TenantTx, id: &str) -> Result<Secret, ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query_as(&format!(
        "{SELECT} where s.tenant_id = $1 and s.id = $2 group by s.id"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)
}

/// A new secret, its value already encrypted by the caller.
#[derive(Debug, Clone)]
pub struct NewSecret {
    pub name: String,
    pub description: Option<String>,
    pub secret_type: String,
    pub env_key: String,
    pub encrypted_value: String,
    pub masked_preview: String,
    pub created_by: String,
}

pub async fn insert(tx: &mut TenantTx, new: &NewSecret, now: i64) -> Result<String, ApiError> {
    let tenant = tx.tenant().to_string();
    let id = format!("sec_{}", shared_schemas::ids::random_body());
    sqlx::query(
        "insert into agent.secrets (id, tenant_id, name, description, secret_type, env_key,
             encrypted_value, masked_preview, created_by, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(&id)
    .bind(tenant)
    .bind(&new.name)
    .bind(&new.description)
    .bind(&new.secret_type)
    .bind(&new.env_key)
    .bind(&new.encrypted_value)
    .bind(&new.masked_preview)
    .bind(&new.created_by)
    .bind(now)
    .execute(&mut **tx)
    .await
    .on_constraint("secrets_tenant_name_key", || name_taken(&new.name))?;
    Ok(id)
}

/// Only the fields given change; `value` is `(ciphertext, masked preview)` when rotated.
#[derive(Debug, Clone, Default)]
pub struct SecretPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub secret_type: Option<String>,
    pub env_key: Option<String>,
    pub value: Option<(String, String)>,
}

pub async fn update(
    tx: &mut TenantTx,
    id: &str,
    patch: &SecretPatch,
    now: i64,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    let (cipher, masked) = patch.value.clone().unzip();
    let done = sqlx::query(
        "update agent.secrets
            set name = coalesce($3, name), description = coalesce($4, description),
                secret_type = coalesce($5, secret_type), env_key = coalesce($6, env_key),
                encrypted_value = coalesce($7, encrypted_value),
                masked_preview = coalesce($8, masked_preview), updated_at = $9
          where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(&patch.name)
    .bind(&patch.description)
    .bind(&patch.secret_type)
    .bind(&patch.env_key)
    .bind(cipher)
    .bind(masked)
    .bind(now)
    .execute(&mut **tx)
    .await
    .on_constraint("secrets_tenant_name_key", || {
        name_taken(patch.name.as_deref().unwrap_or_default())
    })?;
    if done.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(())
}

/// Deletes the secret; its grants cascade.
pub async fn delete(tx: &mut TenantTx, id: &str) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    let done = sqlx::query("delete from agent.secrets where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(())
}

/// 409 `env_key_conflict` when one of `agent_ids` already gets `env_key` from another secret:
/// two values for one variable would make the agent's environment ambiguous.
pub async fn refuse_env_key_clash(
    tx: &mut TenantTx,
    secret_id: &str,
    env_key: &str,
    agent_ids: &[String],
) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    let clash: Option<String> = sqlx::query_scalar(
        "select g.agent_id from agent.agent_secret_grants g
           join agent.secrets s on s.tenant_id = g.tenant_id and s.id = g.secret_id
          where g.tenant_id = $1 and g.agent_id = any($4) and s.env_key = $3 and s.id <> $2
          limit 1",
    )
    .bind(tenant)
    .bind(secret_id)
    .bind(env_key)
    .bind(agent_ids)
    .fetch_optional(&mut **tx)
    .await?;
    match clash {
        None => Ok(()),
        Some(agent) => Err(ApiError::conflict(
            "env_key_conflict",
            format!("agent {agent} already receives {env_key} from another secret"),
        )),
    }
}

/// Grants the secret (idempotent: an existing grant is kept as it was). `(granted_at, granted_by)`.
pub async fn grant(
    tx: &mut TenantTx,
    secret_id: &str,
    agent_id: &str,
    granted_by: &str,
    now: i64,
) -> Result<(i64, Option<String>), ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query(
        "insert into agent.agent_secret_grants (tenant_id, secret_id, agent_id, granted_at, granted_by)
         values ($1, $2, $3, $4, $5) on conflict do nothing",
    )
    .bind(&tenant)
    .bind(secret_id)
    .bind(agent_id)
    .bind(now)
    .bind(granted_by)
    .execute(&mut **tx)
    .await?;
    Ok(sqlx::query_as(
        "select granted_at, granted_by from agent.agent_secret_grants
          where tenant_id = $1 and secret_id = $2 and agent_id = $3",
    )
    .bind(&tenant)
    .bind(secret_id)
    .bind(agent_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// Removes the grant; false when there was none.
pub async fn revoke(tx: &mut TenantTx, secret_id: &str, agent_id: &str) -> Result<bool, ApiError> {
    let tenant = tx.tenant().to_string();
    let done = sqlx::query(
        "delete from agent.agent_secret_grants
          where tenant_id = $1 and secret_id = $2 and agent_id = $3",
    )
    .bind(tenant)
    .bind(secret_id)
    .bind(agent_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// `(env_key, ciphertext)` of every secret granted to the agent, for the engine's env endpoint.
pub async fn granted_ciphertexts(
    tx: &mut TenantTx,
    agent_id: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(
        "select s.env_key, s.encrypted_value
           from agent.agent_secret_grants g
           join agent.secrets s on s.tenant_id = g.tenant_id and s.id = g.secret_id
          where g.tenant_id = $1 and g.agent_id = $2
          order by s.updated_at, s.id",
    )
    .bind(tenant)
    .bind(agent_id)
    .fetch_all(&mut **tx)
    .await?)
}
