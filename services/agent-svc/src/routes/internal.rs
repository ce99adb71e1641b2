//! `/internal/agent/tenants/{tenant_id}/...`: the plaintext credentials our own services inject
//! into what they start (provider keys, an agent's granted secrets, its channel tokens). Not
//! under `/v1`, so HAProxy never routes them; callers present an internal service token
//! (`kit::auth::Claims::internal`, minted with the platform's signing key), which speaks for no
//! tenant, so the tenant is named in the path. Each path is the `/v1` one with `/v1` replaced by
//! `/internal/agent/tenants/{tenant_id}`, and answers the same body. Tenant credentials, service
//! API keys included, get 403 (security review M5).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use kit::crypto::SecretBox;
use kit::extract::ValidQuery;
use kit::{ApiError, Platform};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::channels::ChannelKeys;
use crate::api::providers::KeysQuery;
use crate::api::secret_grants::AgentSecretEnvResponse;
use crate::domain::key_resolution::ResolvedKeys;
use crate::extract::InternalCaller;
use crate::flows;
use crate::flows::access::internal_for_tenant;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(provider_keys))
        .routes(routes!(secret_env))
        .routes(routes!(channel_keys))
}

/// The tenant's provider keys resolved for a run, in clear (`?user_id=`: strictly for that
/// member: own key, else an admin share, else blocked).
#[utoipa::path(get, path = "/internal/agent/tenants/{tenant_id}/settings/providers/keys/all",
    tag = "internal", params(("tenant_id" = String, Path), KeysQuery),
    responses((status = 200, body = ResolvedKeys), (status = 401), (status = 403), (status = 422)))]
async fn provider_keys(
    State(app): State<AppState>,
    InternalCaller(caller): InternalCaller,
    Path(tenant_id): Path<String>,
    ValidQuery(q): ValidQuery<KeysQuery>,
) -> Result<Json<ResolvedKeys>, ApiError> {
    let ctx = internal_for_tenant(&app.platform, &caller, &tenant_id).await?;
    Ok(Json(flows::providers::keys_all(&app, &ctx, q).await?))
}

/// The plaintext variables of the secrets granted to the agent, for its start.
#[utoipa::path(get, path = "/internal/agent/tenants/{tenant_id}/secrets/agents/{agent_id}/env",
    tag = "internal", params(("tenant_id" = String, Path), ("agent_id" = String, Path)),
    responses((status = 200, body = AgentSecretEnvResponse), (status = 401), (status = 403),
        (status = 404)))]
async fn secret_env(
    State(platform): State<Platform>,
    State(secrets): State<Arc<SecretBox>>,
    InternalCaller(caller): InternalCaller,
    Path((tenant_id, agent_id)): Path<(String, String)>,
) -> Result<Json<AgentSecretEnvResponse>, ApiError> {
    let ctx = internal_for_tenant(&platform, &caller, &tenant_id).await?;
    Ok(Json(
        flows::secret_grants::env(&platform, &secrets, &ctx, &agent_id).await?,
    ))
}

/// The agent's enabled channels' tokens in clear, for the bridges.
#[utoipa::path(get, path = "/internal/agent/tenants/{tenant_id}/agents/{agent_id}/channels/keys/all",
    tag = "internal", params(("tenant_id" = String, Path), ("agent_id" = String, Path)),
    responses((status = 200, body = ChannelKeys), (status = 401), (status = 403), (status = 404)))]
async fn channel_keys(
    State(app): State<AppState>,
    InternalCaller(caller): InternalCaller,
    Path((tenant_id, agent_id)): Path<(String, String)>,
) -> Result<Json<ChannelKeys>, ApiError> {
    let ctx = internal_for_tenant(&app.platform, &caller, &tenant_id).await?;
    Ok(Json(flows::channels::keys(&app, &ctx, &agent_id).await?))
}
