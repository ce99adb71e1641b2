//! `/v1/project-templates/`: the built-in catalog (from the repository's `project-templates/`)
//! plus the tenant's own templates (contract §1.2). Any credential of the tenant reads; users
//! write, and only the tenant's own templates. Unlike the reference, built-ins cannot be edited
//! in place (403 `builtin_read_only`): they are shared by every tenant, so a tenant clones one.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use kit::auth::scope::UserOnly;
use kit::extract::{ValidJson, ValidQuery};
use kit::{ApiError, Platform, TenantContext};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::templates::SeedReport;
use crate::api::templates::{
    CreateTemplateRequest, TemplateList, TemplateListQuery, TemplateResponse, UpdateTemplateRequest,
};
use crate::config::ProjectConfig;
use crate::flows::templates as flow;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(seed))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(clone))
}

/// Built-in and tenant templates, by `sort_order`: a page of at most 500, the total in
/// `X-Total-Count` and the next page in `Link`.
#[utoipa::path(get, path = "/v1/project-templates/", tag = "project_templates",
    params(TemplateListQuery),
    responses((status = 200, body = TemplateList,
        headers(("X-Total-Count" = i64), ("Link" = String, description = "the next page, while more follow"))),
        (status = 422)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    ValidQuery(q): ValidQuery<TemplateListQuery>,
) -> Result<(HeaderMap, Json<TemplateList>), ApiError> {
    let page = q.page();
    let (rows, total) = flow::list(&platform, &ctx, page).await?;
    let list = TemplateList {
        templates: rows.into_iter().map(Into::into).collect(),
    };
    Ok((
        page.headers("/v1/project-templates/", &[], total),
        Json(list),
    ))
}

/// One template by id (`tpl_…`) or slug.
#[utoipa::path(get, path = "/v1/project-templates/{template_id}", tag = "project_templates",
    params(("template_id" = String, Path, description = "id or slug")),
    responses((status = 200, body = TemplateResponse), (status = 404)))]
async fn get_one(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(template_id): Path<String>,
) -> Result<Json<TemplateResponse>, ApiError> {
    Ok(Json(flow::get(&platform, &ctx, &template_id).await?.into()))
}

/// A template of the tenant's own.
#[utoipa::path(post, path = "/v1/project-templates/", tag = "project_templates",
    request_body = CreateTemplateRequest,
    responses((status = 201, body = TemplateResponse), (status = 409), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    ValidJson(body): ValidJson<CreateTemplateRequest>,
) -> Result<(StatusCode, Json<TemplateResponse>), ApiError> {
    let template = flow::create(&platform, &ctx, body).await?;
    Ok((StatusCode::CREATED, Json(template.into())))
}

/// Changes the given fields of one of the tenant's templates; 403 `builtin_read_only` for a
/// built-in (clone it instead). The slug never changes.
#[utoipa::path(put, path = "/v1/project-templates/{template_id}", tag = "project_templates",
    params(("template_id" = String, Path, description = "id or slug")),
    request_body = UpdateTemplateRequest,
    responses((status = 200, body = TemplateResponse), (status = 403), (status = 404), (status = 422)))]
async fn update(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(template_id): Path<String>,
    ValidJson(body): ValidJson<UpdateTemplateRequest>,
) -> Result<Json<TemplateResponse>, ApiError> {
    let template = flow::update(&platform, &ctx, &template_id, body).await?;
    Ok(Json(template.into()))
}

/// Deletes one of the tenant's templates. Projects made from it keep their boards.
#[utoipa::path(delete, path = "/v1/project-templates/{template_id}", tag = "project_templates",
    params(("template_id" = String, Path, description = "id or slug")),
    responses((status = 200, description = "`{\"id\", \"status\": \"deleted\"}`"),
        (status = 403), (status = 404)))]
async fn delete(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(template_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = flow::delete(&platform, &ctx, &template_id).await?;
    Ok(Json(serde_json::json!({ "id": id, "status": "deleted" })))
}

/// A tenant copy of any visible template: slug `<slug>-copy` (then `-copy-2`, …), name
/// `<name> (copy)`.
#[utoipa::path(post, path = "/v1/project-templates/{template_id}/clone", tag = "project_templates",
    params(("template_id" = String, Path, description = "id or slug")),
    responses((status = 201, body = TemplateResponse), (status = 404), (status = 409)))]
async fn clone(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(template_id): Path<String>,
) -> Result<(StatusCode, Json<TemplateResponse>), ApiError> {
    let template = flow::clone(&platform, &ctx, &template_id).await?;
    Ok((StatusCode::CREATED, Json(template.into())))
}

/// Re-reads the built-in catalog from the repository's files (it is also read at every start).
/// Platform administrators only.
#[utoipa::path(post, path = "/v1/project-templates/seed", tag = "project_templates",
    responses((status = 200, body = SeedReport), (status = 403)))]
async fn seed(
    State(platform): State<Platform>,
    State(config): State<Arc<ProjectConfig>>,
    ctx: TenantContext,
) -> Result<Json<SeedReport>, ApiError> {
    Ok(Json(flow::seed(&platform, &config, &ctx).await?))
}
