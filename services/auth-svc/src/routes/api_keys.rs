//! `/v1/auth/api-keys`: the caller's keys, service keys and agent keys (contract §1.1).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use kit::ApiError;
use kit::auth::scope::AnyCaller;
use kit::extract::{ValidJson, ValidQuery};
use kit::page::PageQuery;
use shared_schemas::ids::ApiKeyId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::api_keys::{
    AgentKeyOut, ApiKeyOut, CreateApiKey, CreatedApiKey, EnsureAgentKey, Revoked,
};
use crate::api::client::UserContext;
use crate::domain::api_keys::KeyKind;
use crate::flows::api_keys::{self as flow};
use crate::store::api_keys::ApiKey;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_mine, create))
        .routes(routes!(revoke))
        .routes(routes!(create_service))
        .routes(routes!(list_all))
        .routes(routes!(ensure_agent))
        .route_layer(kit::idempotency::withhold()) // replies carry secrets: never kept (L1)
}

/// The caller's own keys (masked).
#[utoipa::path(get, path = "/v1/auth/api-keys", tag = "api-keys", security(("bearer" = [])),
    params(PageQuery), responses((status = 200, body = [ApiKeyOut])))]
async fn list_mine(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    ValidQuery(q): ValidQuery<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<ApiKeyOut>>), ApiError> {
    let page = q.page();
    let (keys, total) = flow::list_mine(&app, &ctx, page).await?;
    Ok((page.headers("/v1/auth/api-keys", &[], total), listed(keys)))
}

/// A new key acting as the caller; shown once. Needs a signed-in session.
#[utoipa::path(post, path = "/v1/auth/api-keys", tag = "api-keys", request_body = CreateApiKey,
    security(("bearer" = [])), responses((status = 201, body = CreatedApiKey)))]
async fn create(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    ValidJson(req): ValidJson<CreateApiKey>,
) -> Result<(StatusCode, Json<CreatedApiKey>), ApiError> {
    let issued = flow::create(&app, &ctx, KeyKind::User, &req.name, req.expires_in_days).await?;
    Ok((StatusCode::CREATED, Json(issued.into())))
}

/// Revokes a key (its owner or a tenant administrator); every service refuses it at once.
#[utoipa::path(delete, path = "/v1/auth/api-keys/{key_id}", tag = "api-keys", security(("bearer" = [])),
    responses((status = 200, body = Revoked), (status = 403, body = kit::error::ErrorBody),
              (status = 404, body = kit::error::ErrorBody)))]
async fn revoke(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    Path(key_id): Path<String>,
) -> Result<Json<Revoked>, ApiError> {
    let id = ApiKeyId::parse(key_id).map_err(|_| ApiError::not_found("API key not found"))?;
    flow::revoke(&app, &ctx, id.as_str()).await?;
    Ok(Json(Revoked {
        id: id.into_string(),
        status: "revoked",
    }))
}

/// A service key of the tenant, tied to no user (tenant administrators).
#[utoipa::path(post, path = "/v1/auth/api-keys/service", tag = "api-keys", request_body = CreateApiKey,
    security(("bearer" = [])), responses((status = 201, body = CreatedApiKey),
              (status = 403, body = kit::error::ErrorBody)))]
async fn create_service(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    ValidJson(req): ValidJson<CreateApiKey>,
) -> Result<(StatusCode, Json<CreatedApiKey>), ApiError> {
    let issued = flow::create(&app, &ctx, KeyKind::Service, &req.name, req.expires_in_days).await?;
    Ok((StatusCode::CREATED, Json(issued.into())))
}

/// Every key of the tenant (masked; tenant administrators).
#[utoipa::path(get, path = "/v1/auth/api-keys/all", tag = "api-keys", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = [ApiKeyOut]), (status = 403, body = kit::error::ErrorBody)))]
async fn list_all(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    ValidQuery(q): ValidQuery<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<ApiKeyOut>>), ApiError> {
    let page = q.page();
    let (keys, total) = flow::list_all(&app, &ctx, page).await?;
    Ok((
        page.headers("/v1/auth/api-keys/all", &[], total),
        listed(keys),
    ))
}

/// Ensures an agent has a key (idempotent): 201 with the key when one was created (or rotated),
/// 200 with only its id when it existed. Tenant administrators or service credentials.
#[utoipa::path(post, path = "/v1/auth/api-keys/agent", tag = "api-keys", request_body = EnsureAgentKey,
    security(("bearer" = [])), responses((status = 201, body = AgentKeyOut), (status = 200, body = AgentKeyOut),
              (status = 403, body = kit::error::ErrorBody)))]
async fn ensure_agent(
    State(app): State<AppState>,
    AnyCaller(ctx): AnyCaller,
    ValidJson(req): ValidJson<EnsureAgentKey>,
) -> Result<(StatusCode, Json<AgentKeyOut>), ApiError> {
    let (key, secret) = flow::ensure_agent(&app, &ctx, &req.agent_id, req.rotate).await?;
    let out = AgentKeyOut::new(key, req.agent_id, secret);
    let status = if out.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(out)))
}

fn listed(keys: Vec<ApiKey>) -> Json<Vec<ApiKeyOut>> {
    Json(keys.into_iter().map(ApiKeyOut::from).collect())
}
