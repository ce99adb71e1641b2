//! `/v1/agents/{agent_id}/queue`: work waiting for an agent. engine-svc enqueues with a service
//! token and takes items off with `DELETE .../queue/{item_id}` when it starts them; users (and
//! the agent) read the queue and cancel items.
//! Types in `api::queue`, use cases in `flows::queue`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::ServiceOnly;
use kit::extract::ValidJson;
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::queue::{
    ConfirmClear, EnqueueItem, QueueCancel, QueueCancelResponse, QueueClearResponse, QueueItem,
    QueueResponse,
};
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, enqueue))
        .routes(routes!(cancel))
        .routes(routes!(clear))
        .routes(routes!(take))
}

/// The queued items, oldest first.
#[utoipa::path(get, path = "/v1/agents/{agent_id}/queue", tag = "queue",
    responses((status = 200, body = QueueResponse), (status = 404)))]
async fn list(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<QueueResponse>, ApiError> {
    Ok(Json(flows::queue::list(&app, &ctx, &agent_id).await?))
}

/// Adds work for the agent (services of the tenant, e.g. engine-svc).
#[utoipa::path(post, path = "/v1/agents/{agent_id}/queue", tag = "queue", request_body = EnqueueItem,
    responses((status = 201, body = QueueItem), (status = 403), (status = 404), (status = 422)))]
async fn enqueue(
    State(app): State<AppState>,
    ServiceOnly(ctx): ServiceOnly,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<EnqueueItem>,
) -> Result<(StatusCode, Json<QueueItem>), ApiError> {
    let item = flows::queue::enqueue(&app, &ctx, &agent_id, body).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// Cancels one queued item; `cancelled: false` when it was not queued.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/queue/cancel", tag = "queue",
    request_body = QueueCancel,
    responses((status = 200, body = QueueCancelResponse), (status = 404)))]
async fn cancel(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<QueueCancel>,
) -> Result<Json<QueueCancelResponse>, ApiError> {
    Ok(Json(
        flows::queue::cancel(&app, &ctx, &agent_id, body).await?,
    ))
}

/// Cancels everything queued; needs `confirm: true` (400 `confirm_required` otherwise).
#[utoipa::path(post, path = "/v1/agents/{agent_id}/queue/clear", tag = "queue",
    request_body = ConfirmClear,
    responses((status = 200, body = QueueClearResponse), (status = 400), (status = 404)))]
async fn clear(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<ConfirmClear>,
) -> Result<Json<QueueClearResponse>, ApiError> {
    Ok(Json(
        flows::queue::clear(&app, &ctx, &agent_id, body).await?,
    ))
}

/// Takes an item off the queue (the consumer started it); 404 when it is not queued.
#[utoipa::path(delete, path = "/v1/agents/{agent_id}/queue/{item_id}", tag = "queue",
    responses((status = 204), (status = 404)))]
async fn take(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, item_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    flows::queue::take(&app, &ctx, &agent_id, &item_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
