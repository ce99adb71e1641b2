//! `/v1/secrets/…/grant/…` and `/v1/secrets/agents/{agent_id}…`: which agents receive which
//! secrets, the masked per-agent list, and the one plaintext endpoint, for engine-svc.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::{AnyCaller, UserOnly};
use kit::crypto::SecretBox;
use kit::{ApiError, Platform, TenantContext};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::secrets::SecretResponse;
use crate::domain::secrets as rules;
use crate::flows::access::open_agent;
use crate::store;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(grant, revoke))
        .routes(routes!(list_for_agent))
        .routes(routes!(env))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GrantResponse {
    pub secret_id: String,
    pub agent_id: String,
    pub granted_at: i64,
    pub granted_by: Option<String>,
}

/// Gives the agent the secret's variable at its next start (admins and the secret's creator).
#[utoipa::path(post, path = "/v1/secrets/{secret_id}/grant/{agent_id}", tag = "secrets",
    responses((status = 200, body = GrantResponse), (status = 403), (status = 404), (status = 409)))]
async fn grant(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path((secret_id, agent_id)): Path<(String, String)>,
) -> Result<Json<GrantResponse>, ApiError> {
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let secret = store::secrets::get(&mut tx, &secret_id).await?;
    rules::require_manager(&ctx, &secret.created_by)?;
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
    Ok(Json(GrantResponse {
        secret_id: secret.id,
        agent_id,
        granted_at,
        granted_by,
    }))
}

/// Takes the secret away from the agent; 404 `grant_not_found` when it had none.
#[utoipa::path(delete, path = "/v1/secrets/{secret_id}/grant/{agent_id}", tag = "secrets",
    responses((status = 204), (status = 403), (status = 404)))]
async fn revoke(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path((secret_id, agent_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let secret = store::secrets::get(&mut tx, &secret_id).await?;
    rules::require_manager(&ctx, &secret.created_by)?;
    if !store::secrets::revoke(&mut tx, &secret.id, &agent_id).await? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "grant_not_found",
            "the agent has no grant of this secret",
        ));
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The secrets granted to the agent, masked (an agent credential: its own only).
#[utoipa::path(get, path = "/v1/secrets/agents/{agent_id}", tag = "secrets",
    responses((status = 200, body = [SecretResponse]), (status = 404)))]
async fn list_for_agent(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<Vec<SecretResponse>>, ApiError> {
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let secrets = store::secrets::list_for_agent(&mut tx, &agent_id).await?;
    tx.commit().await?;
    Ok(Json(secrets.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgentSecretEnvResponse {
    pub agent_id: String,
    /// `ENV_KEY` → plaintext, for injection into the agent's container.
    pub env: BTreeMap<String, String>,
}

/// The plaintext variables engine-svc injects when it starts the agent: a service credential of
/// the tenant only (users and agents get 403; another tenant's agent is 404 first).
#[utoipa::path(get, path = "/v1/secrets/agents/{agent_id}/env", tag = "secrets",
    responses((status = 200, body = AgentSecretEnvResponse), (status = 403), (status = 404)))]
async fn env(
    State(platform): State<Platform>,
    State(secrets): State<Arc<SecretBox>>,
    AnyCaller(ctx): AnyCaller,
    Path(agent_id): Path<String>,
) -> Result<Json<AgentSecretEnvResponse>, ApiError> {
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    ctx.require_service()?;
    let sealed = store::secrets::granted_ciphertexts(&mut tx, &agent_id).await?;
    tx.commit().await?;
    let mut env = BTreeMap::new();
    for (key, ciphertext) in sealed {
        // A value that no longer decrypts (wrong SECRET_ENCRYPTION_KEY) fails the start loudly
        // rather than starting the agent without its credential.
        let plain = secrets.decrypt(&ciphertext).map_err(ApiError::internal)?;
        env.insert(key, plain);
    }
    Ok(Json(AgentSecretEnvResponse { agent_id, env }))
}
