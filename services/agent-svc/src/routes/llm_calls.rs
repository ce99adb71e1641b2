//! The LLM call log: runtimes append (`POST /v1/internal/llm-calls`), users list
//! (`/v1/llm-calls`, `/v1/admin/llm-calls`) and see their own usage (`/v1/usage/me`)
//! (contract §1.3 llm_calls and user_usage rows).
//! Types in `api::llm_calls`, use cases in `flows::llm_calls`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kit::auth::scope::{AnyCaller, UserOnly};
use kit::extract::{ValidJson, ValidQuery};
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::llm_calls::{
    AdminListQuery, ListQuery, LlmCallListResponse, Recorded, UsageQuery, UserUsageResponse,
};
use crate::domain::llm_calls::RecordLlmCall;
use crate::extract::TenantAdmin;
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record))
        .routes(routes!(list))
        .routes(routes!(admin_list))
        .routes(routes!(my_usage))
}

/// Records one call of an agent of the caller's tenant: the engine (service credential) for any
/// of its agents, an agent credential only for itself; users 403, unknown agents 404.
#[utoipa::path(post, path = "/v1/internal/llm-calls", tag = "llm_calls", request_body = RecordLlmCall,
    responses((status = 201, body = Recorded), (status = 403), (status = 404), (status = 422)))]
async fn record(
    State(platform): State<Platform>,
    AnyCaller(ctx): AnyCaller,
    ValidJson(body): ValidJson<RecordLlmCall>,
) -> Result<(StatusCode, Json<Recorded>), ApiError> {
    let recorded = flows::llm_calls::record(&platform, &ctx, body).await?;
    Ok((StatusCode::CREATED, Json(recorded)))
}

/// The tenant's calls, newest first, filtered by session, run or agent. An agent credential
/// sees only its own agent's calls.
#[utoipa::path(get, path = "/v1/llm-calls", tag = "llm_calls", params(ListQuery),
    responses((status = 200, body = LlmCallListResponse), (status = 403), (status = 422)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    ValidQuery(q): ValidQuery<ListQuery>,
) -> Result<Json<LlmCallListResponse>, ApiError> {
    Ok(Json(flows::llm_calls::list(&platform, &ctx, q).await?))
}

/// Every call of the tenant with more filters (tenant admins).
#[utoipa::path(get, path = "/v1/admin/llm-calls", tag = "llm_calls", params(AdminListQuery),
    responses((status = 200, body = LlmCallListResponse), (status = 403), (status = 422)))]
async fn admin_list(
    State(platform): State<Platform>,
    TenantAdmin(ctx): TenantAdmin,
    ValidQuery(q): ValidQuery<AdminListQuery>,
) -> Result<Json<LlmCallListResponse>, ApiError> {
    Ok(Json(
        flows::llm_calls::admin_list(&platform, &ctx, q).await?,
    ))
}

/// The caller's own usage: their chat sessions and runs, newest first, and totals.
#[utoipa::path(get, path = "/v1/usage/me", tag = "user_usage", params(UsageQuery),
    responses((status = 200, body = UserUsageResponse), (status = 403), (status = 422)))]
async fn my_usage(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    ValidQuery(q): ValidQuery<UsageQuery>,
) -> Result<Json<UserUsageResponse>, ApiError> {
    Ok(Json(flows::llm_calls::my_usage(&platform, &ctx, q).await?))
}
