//! `/v1/secrets/…/grant/…` and `/v1/secrets/agents/{agent_id}…`: which agents receive which
//! secrets, the masked per-agent list, and the one plaintext endpoint, for engine-svc. Types in
//! `api::secret_grants`, use cases in `flows::secret_grants`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::AnyCaller;
use kit::crypto::SecretBox;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::secret_grants::{AgentSecretEnvResponse, GrantResponse};
use crate::api::secrets::SecretResponse;
use crate::extract::UserRights;
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(grant, revoke))
        .routes(routes!(list_for_agent))
        .routes(routes!(env))
}

/// Gives the agent the secret's variable at its next start (admins and the secret's creator).
#[utoipa::path(post, path = "/v1/secrets/{secret_id}/grant/{agent_id}", tag = "secrets",
    responses((status = 200, body = GrantResponse), (status = 403), (status = 404), (status = 409)))]
async fn grant(
    State(platform): State<Platform>,
    UserRights { ctx, admin }: UserRights,
    Path((secret_id, agent_id)): Path<(String, String)>,
) -> Result<Json<GrantResponse>, ApiError> {
    let granted =
        flows::secret_grants::grant(&platform, &ctx, admin, &secret_id, &agent_id).await?;
    Ok(Json(granted))
}

/// Takes the secret away from the agent; 404 `grant_not_found` when it had none.
#[utoipa::path(delete, path = "/v1/secrets/{secret_id}/grant/{agent_id}", tag = "secrets",
    responses((status = 204), (status = 403), (status = 404)))]
async fn revoke(
    State(platform): State<Platform>,
    UserRights { ctx, admin }: UserRights,
    Path((secret_id, agent_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    flows::secret_grants::revoke(&platform, &ctx, admin, &secret_id, &agent_id).await?;
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
    Ok(Json(
        flows::secret_grants::list_for_agent(&platform, &ctx, &agent_id).await?,
    ))
}

/// The plaintext variables engine-svc injects when it starts the agent: a service token our
/// services mint only (users, agents and service API keys get 403; another tenant's agent is 404
/// first). Our services call `/internal/agent/tenants/{tenant_id}/…` instead.
#[utoipa::path(get, path = "/v1/secrets/agents/{agent_id}/env", tag = "secrets",
    responses((status = 200, body = AgentSecretEnvResponse), (status = 403), (status = 404)))]
async fn env(
    State(platform): State<Platform>,
    State(secrets): State<Arc<SecretBox>>,
    AnyCaller(ctx): AnyCaller,
    Path(agent_id): Path<String>,
) -> Result<Json<AgentSecretEnvResponse>, ApiError> {
    Ok(Json(
        flows::secret_grants::env(&platform, &secrets, &ctx, &agent_id).await?,
    ))
}
