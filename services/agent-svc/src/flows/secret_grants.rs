//! Which agents receive which secrets: granting and revoking (admins and the secret's creator),
//! the masked per-agent list, and the plaintext variables engine-svc injects at an agent's start.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use kit::crypto::SecretBox;
use kit::{ApiError, Platform, TenantContext};

use crate::api::secret_grants::{AgentSecretEnvResponse, GrantResponse};
use crate::api::secrets::SecretResponse;
use crate::domain::secrets as rules;
use crate::flows::access::{open_agent, require_minted_service};
use crate::store;

/// 409 when another secret granted to the agent has the same variable name.
pub async fn grant(
    platform: &Platform,
    ctx: &TenantContext,
    admin: bool,
    secret_id: &str,
    agent_ref: &str,
) -> Result<GrantResponse, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let secret = store::secrets::get(&mut tx, secret_id).await?;
    rules::require_manager(ctx, admin, &secret.created_by)?;
    let agents = std::slice::from_ref(&agent_id);
    store::secrets::refuse_env_key_clash(&mut tx, &secret.id, &secret.env_key, agents).await?;
    let (granted_at, granted_by) = store::secrets::grant(
        &mut tx,
        &secret.id,
        &agent_id,
        ctx.subject(),
        store::now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(GrantResponse {
        secret_id: secret.id,
        agent_id,
        granted_at,
        granted_by,
    })
}

/// 404 `grant_not_found` when the agent had no grant of the secret.
pub async fn revoke(
    platform: &Platform,
    ctx: &TenantContext,
    admin: bool,
    secret_id: &str,
    agent_ref: &str,
) -> Result<(), ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let secret = store::secrets::get(&mut tx, secret_id).await?;
    rules::require_manager(ctx, admin, &secret.created_by)?;
    if !store::secrets::revoke(&mut tx, &secret.id, &agent_id).await? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "grant_not_found",
            "the agent has no grant of this secret",
        ));
    }
    tx.commit().await?;
    Ok(())
}

pub async fn list_for_agent(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<Vec<SecretResponse>, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let secrets = store::secrets::list_for_agent(&mut tx, &agent_id).await?;
    tx.commit().await?;
    Ok(secrets.into_iter().map(Into::into).collect())
}

/// A service credential of the tenant only (the agent check runs first, so another tenant's
/// agent is 404 before the 403).
pub async fn env(
    platform: &Platform,
    secrets: &SecretBox,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<AgentSecretEnvResponse, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    require_minted_service(ctx)?;
    let sealed = store::secrets::granted_ciphertexts(&mut tx, &agent_id).await?;
    tx.commit().await?;
    let mut env = BTreeMap::new();
    for (key, ciphertext) in sealed {
        // A value that no longer decrypts (wrong SECRET_ENCRYPTION_KEY) fails the start loudly
        // rather than starting the agent without its credential.
        let plain = secrets.decrypt(&ciphertext).map_err(ApiError::internal)?;
        env.insert(key, plain);
    }
    Ok(AgentSecretEnvResponse { agent_id, env })
}
