//! `/v1/pipelines`: the tenant's pipelines and the global ones (contract §1.5, spec §2.6). Any
//! credential of the tenant reads; users and services write (agents get 403). Global
//! pipelines are read-only: `PUT` on a global's id creates the tenant's own copy, which shadows
//! it, and `DELETE` on one is 403 `global_read_only`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::pipelines::{
    InvalidPipelineBody, PipelineResponse, PipelineWriteError, PipelineWritten,
    PipelineYamlRequest, RawPipeline, ValidateRequest, ValidationResponse,
};
use crate::flows::pipelines as flow;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, put, delete))
        .routes(routes!(raw))
        .routes(routes!(validate))
}

/// The tenant's pipelines and the global ones it does not shadow, by id.
#[utoipa::path(get, path = "/v1/pipelines/", tag = "pipelines",
    responses((status = 200, body = Vec<PipelineResponse>)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
) -> Result<Json<Vec<PipelineResponse>>, ApiError> {
    Ok(Json(flow::list(&platform, &ctx).await?))
}

/// A pipeline of the tenant's own from its YAML. Its id may be a global pipeline's: the
/// tenant's copy then shadows the global one for this tenant. 409 `pipeline_exists` when the
/// tenant already has that id; 422 `invalid_pipeline` lists every problem with its line.
#[utoipa::path(post, path = "/v1/pipelines/", tag = "pipelines",
    request_body = PipelineYamlRequest,
    responses((status = 201, body = PipelineResponse), (status = 403), (status = 409),
        (status = 422, body = InvalidPipelineBody)))]
async fn create(
    State(platform): State<Platform>,
    ctx: TenantContext,
    ValidJson(body): ValidJson<PipelineYamlRequest>,
) -> Result<(StatusCode, Json<PipelineResponse>), PipelineWriteError> {
    let pipeline = flow::create(&platform, &ctx, &body.yaml_content).await?;
    Ok((StatusCode::CREATED, Json(pipeline)))
}

/// The pipeline the tenant runs under this id: its own, else the global one.
#[utoipa::path(get, path = "/v1/pipelines/{pipeline_id}", tag = "pipelines",
    params(("pipeline_id" = String, Path, description = "the YAML's `id`")),
    responses((status = 200, body = PipelineResponse), (status = 404)))]
async fn get_one(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(pipeline_id): Path<String>,
) -> Result<Json<PipelineResponse>, ApiError> {
    Ok(Json(flow::get(&platform, &ctx, &pipeline_id).await?))
}

/// The YAML of the pipeline, as written.
#[utoipa::path(get, path = "/v1/pipelines/{pipeline_id}/raw", tag = "pipelines",
    params(("pipeline_id" = String, Path, description = "the YAML's `id`")),
    responses((status = 200, body = RawPipeline), (status = 404)))]
async fn raw(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(pipeline_id): Path<String>,
) -> Result<Json<RawPipeline>, ApiError> {
    Ok(Json(flow::raw(&platform, &ctx, &pipeline_id).await?))
}

/// Replaces the YAML of the tenant's pipeline (`status: updated`). On the id of a global
/// pipeline the tenant has no copy of, creates that copy (`status: created`), which shadows the
/// global one until deleted. The YAML's `id` must be the path's (else 422). 404 for an id that
/// is neither the tenant's nor global: new pipelines are made with POST.
#[utoipa::path(put, path = "/v1/pipelines/{pipeline_id}", tag = "pipelines",
    params(("pipeline_id" = String, Path, description = "the YAML's `id`")),
    request_body = PipelineYamlRequest,
    responses((status = 200, body = PipelineWritten), (status = 403), (status = 404),
        (status = 422, body = InvalidPipelineBody)))]
async fn put(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(pipeline_id): Path<String>,
    ValidJson(body): ValidJson<PipelineYamlRequest>,
) -> Result<Json<PipelineWritten>, PipelineWriteError> {
    let written = flow::put(&platform, &ctx, &pipeline_id, &body.yaml_content).await?;
    Ok(Json(written))
}

/// Deletes the tenant's own pipeline; when it shadowed a global one, the global one is what
/// the tenant runs again (`global_restored`). A global pipeline: 403 `global_read_only`.
#[utoipa::path(delete, path = "/v1/pipelines/{pipeline_id}", tag = "pipelines",
    params(("pipeline_id" = String, Path, description = "the YAML's `id`")),
    responses((status = 200, description = "`{\"pipeline_id\", \"status\": \"deleted\", \"global_restored\"}`"),
        (status = 403), (status = 404)))]
async fn delete(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(pipeline_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let global_restored = flow::delete(&platform, &ctx, &pipeline_id).await?;
    Ok(Json(json!({
        "pipeline_id": pipeline_id,
        "status": "deleted",
        "global_restored": global_restored,
    })))
}

/// Validates the stored pipeline, or the draft `yaml_content` when one is sent (its `id` must
/// be the path's). Errors make it invalid; warnings (unreachable steps, variables no earlier
/// step produces, a `loop.over` no step outputs, actions that only notify) do not. Each has a
/// line, column and path.
#[utoipa::path(post, path = "/v1/pipelines/{pipeline_id}/validate", tag = "pipelines",
    params(("pipeline_id" = String, Path, description = "the YAML's `id`")),
    request_body(content = Option<ValidateRequest>, description = "a draft; without a body the stored pipeline is validated"),
    responses((status = 200, body = ValidationResponse), (status = 404), (status = 422)))]
async fn validate(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(pipeline_id): Path<String>,
    body: Option<ValidJson<ValidateRequest>>,
) -> Result<Json<ValidationResponse>, ApiError> {
    let draft = body.map(|ValidJson(b)| b.yaml_content);
    Ok(Json(
        flow::validate(&platform, &ctx, &pipeline_id, draft).await?,
    ))
}
