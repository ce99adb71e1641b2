//! `/v1/agents/{agent_id}/channels`: an agent's bot credentials per channel (contract §10).
//! Tokens are encrypted at rest and answered masked; only a service of the same tenant reads
//! them in clear (`/channels/keys/all`, for the bridges). Types in `api::channels`, use cases in
//! `flows::channels`.

use axum::Json;
use axum::extract::{Path, State};
use kit::auth::scope::ServiceOnly;
use kit::extract::ValidJson;
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::channels::{ChannelKeys, ChannelRemoved, ChannelView, UpsertChannel};
use crate::domain::channels;
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(keys))
        .routes(routes!(get_one, upsert, remove))
}

/// Every catalog channel, configured or not.
#[utoipa::path(get, path = "/v1/agents/{agent_id}/channels", tag = "channels",
    responses((status = 200, body = [ChannelView]), (status = 404)))]
async fn list(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<Vec<ChannelView>>, ApiError> {
    Ok(Json(flows::channels::list(&app, &ctx, &agent_id).await?))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/channels/{channel}", tag = "channels",
    responses((status = 200, body = ChannelView), (status = 404)))]
async fn get_one(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, channel)): Path<(String, String)>,
) -> Result<Json<ChannelView>, ApiError> {
    Ok(Json(
        flows::channels::get(&app, &ctx, &agent_id, &channel).await?,
    ))
}

/// Creates or partially updates a channel's credentials (users and services; not the agent).
#[utoipa::path(put, path = "/v1/agents/{agent_id}/channels/{channel}", tag = "channels",
    request_body = UpsertChannel,
    responses((status = 200, body = ChannelView), (status = 403), (status = 404), (status = 422)))]
async fn upsert(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, channel)): Path<(String, String)>,
    ValidJson(body): ValidJson<UpsertChannel>,
) -> Result<Json<ChannelView>, ApiError> {
    let change = channels::Change {
        enabled: body.enabled,
        primary_token: body.primary_token,
        secondary_token: body.secondary_token,
        extra_config: body.extra_config,
    };
    let (agent_id, spec, row) =
        flows::channels::upsert(&app, &ctx, &agent_id, &channel, change).await?;
    Ok(Json(ChannelView::new(&agent_id, spec, Some(&row))))
}

/// Removes a channel's credentials; removing an unconfigured channel is not an error.
#[utoipa::path(delete, path = "/v1/agents/{agent_id}/channels/{channel}", tag = "channels",
    responses((status = 200, body = ChannelRemoved), (status = 403), (status = 404)))]
async fn remove(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, channel)): Path<(String, String)>,
) -> Result<Json<ChannelRemoved>, ApiError> {
    let (agent_id, spec) = flows::channels::remove(&app, &ctx, &agent_id, &channel).await?;
    let (status, channel) = ("ok", spec.id.to_owned());
    Ok(Json(ChannelRemoved {
        status,
        agent_id,
        channel,
    }))
}

/// The enabled channels' tokens in clear, for the bridges: service tokens our services mint
/// only (a service API key gets 403). Our services call `/internal/agent/tenants/{tenant_id}/…`.
#[utoipa::path(get, path = "/v1/agents/{agent_id}/channels/keys/all", tag = "channels",
    responses((status = 200, body = ChannelKeys), (status = 403), (status = 404)))]
async fn keys(
    State(app): State<AppState>,
    ServiceOnly(ctx): ServiceOnly,
    Path(agent_id): Path<String>,
) -> Result<Json<ChannelKeys>, ApiError> {
    Ok(Json(flows::channels::keys(&app, &ctx, &agent_id).await?))
}
