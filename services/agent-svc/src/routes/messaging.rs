//! `/v1/agents/{agent_id}/messaging-permissions`: the chat ids, phone numbers and groups an
//! agent's messaging tools may send to, per channel (telegram, whatsapp, signal). An allow-list,
//! so only users and services change it; the agent reads its own. Types in `api::messaging`, use
//! cases in `flows::messaging`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kit::extract::ValidJson;
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::messaging::{
    BulkSetPermissions, CreatePermission, ListQuery, PermissionList, PermissionRemoved,
    PermissionView,
};
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create, replace))
        .routes(routes!(remove))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/messaging-permissions",
    tag = "agent-messaging-permissions", params(ListQuery),
    responses((status = 200, body = PermissionList), (status = 400), (status = 404)))]
async fn list(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Json<PermissionList>, ApiError> {
    let channel = q.channel.as_deref();
    let (agent_id, rows) = flows::messaging::list(&app.platform, &ctx, &agent_id, channel).await?;
    Ok(Json(PermissionList::new(&agent_id, rows)))
}

/// Adds one permission; 409 `permission_exists` when the target is already allowed.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/messaging-permissions",
    tag = "agent-messaging-permissions", request_body = CreatePermission,
    responses((status = 201, body = PermissionView), (status = 400), (status = 403),
        (status = 404), (status = 409), (status = 422)))]
async fn create(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<CreatePermission>,
) -> Result<(StatusCode, Json<PermissionView>), ApiError> {
    let target = (body.target.trim(), body.label.as_deref());
    let (agent_id, row) =
        flows::messaging::add(&app.platform, &ctx, &agent_id, &body.channel, target).await?;
    Ok((
        StatusCode::CREATED,
        Json(PermissionView::new(&agent_id, row)),
    ))
}

/// Replaces one channel's permissions atomically: all of the new set or none of it.
#[utoipa::path(put, path = "/v1/agents/{agent_id}/messaging-permissions",
    tag = "agent-messaging-permissions", request_body = BulkSetPermissions,
    responses((status = 200, body = PermissionList), (status = 400), (status = 403),
        (status = 404), (status = 422)))]
async fn replace(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<BulkSetPermissions>,
) -> Result<Json<PermissionList>, ApiError> {
    let listed: Vec<_> = body
        .permissions
        .iter()
        .map(|p| (p.channel.as_str(), (p.target.trim(), p.label.as_deref())))
        .collect();
    let (agent_id, rows) =
        flows::messaging::replace(&app.platform, &ctx, &agent_id, &body.channel, &listed).await?;
    Ok(Json(PermissionList::new(&agent_id, rows)))
}

#[utoipa::path(delete, path = "/v1/agents/{agent_id}/messaging-permissions/{permission_id}",
    tag = "agent-messaging-permissions",
    responses((status = 200, body = PermissionRemoved), (status = 403), (status = 404)))]
async fn remove(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, permission_id)): Path<(String, i64)>,
) -> Result<Json<PermissionRemoved>, ApiError> {
    flows::messaging::remove(&app.platform, &ctx, &agent_id, permission_id).await?;
    Ok(Json(PermissionRemoved {
        status: "ok",
        id: permission_id,
    }))
}
