//! `/v1/secrets/`: credentials a tenant hands to its agents as environment variables (contract
//! §1.3, §10). Values are encrypted at rest and answered only masked, except to engine-svc on
//! `/agents/{agent_id}/env` (secret_grants.rs). Users create secrets; admins and the creator
//! change, delete and grant them. The library is for users; an agent sees only the secrets
//! granted to itself.
//! Types in `api::secrets`, use cases in `flows::secrets`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::UserOnly;
use kit::crypto::SecretBox;
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::secrets::{SecretCreate, SecretResponse, SecretType, SecretTypes, SecretUpdate};
use crate::domain::secrets as rules;
use crate::extract::UserRights;
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(types))
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
}

/// The tenant's secrets, newest first, masked.
#[utoipa::path(get, path = "/v1/secrets/", tag = "secrets",
    responses((status = 200, body = [SecretResponse])))]
async fn list(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
) -> Result<Json<Vec<SecretResponse>>, ApiError> {
    Ok(Json(flows::secrets::list(&platform, &ctx).await?))
}

/// Encrypts the value at once; 409 `secret_name_taken` when the tenant has the name already.
#[utoipa::path(post, path = "/v1/secrets/", tag = "secrets", request_body = SecretCreate,
    responses((status = 201, body = SecretResponse), (status = 409), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    State(secrets): State<Arc<SecretBox>>,
    UserOnly(ctx): UserOnly,
    ValidJson(body): ValidJson<SecretCreate>,
) -> Result<(StatusCode, Json<SecretResponse>), ApiError> {
    let secret = flows::secrets::create(&platform, &secrets, &ctx, body).await?;
    Ok((StatusCode::CREATED, Json(secret)))
}

#[utoipa::path(get, path = "/v1/secrets/{secret_id}", tag = "secrets",
    responses((status = 200, body = SecretResponse), (status = 404)))]
async fn get_one(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(secret_id): Path<String>,
) -> Result<Json<SecretResponse>, ApiError> {
    Ok(Json(
        flows::secrets::get_one(&platform, &ctx, &secret_id).await?,
    ))
}

/// Renames, retypes, re-keys or rotates a secret (admins and its creator).
#[utoipa::path(put, path = "/v1/secrets/{secret_id}", tag = "secrets", request_body = SecretUpdate,
    responses((status = 200, body = SecretResponse), (status = 403), (status = 404),
        (status = 409), (status = 422)))]
async fn update(
    State(platform): State<Platform>,
    State(secrets): State<Arc<SecretBox>>,
    UserRights { ctx, admin }: UserRights,
    Path(secret_id): Path<String>,
    ValidJson(body): ValidJson<SecretUpdate>,
) -> Result<Json<SecretResponse>, ApiError> {
    Ok(Json(
        flows::secrets::update(&platform, &secrets, &ctx, admin, &secret_id, body).await?,
    ))
}

/// Deletes the secret and all its grants (admins and its creator).
#[utoipa::path(delete, path = "/v1/secrets/{secret_id}", tag = "secrets",
    responses((status = 204), (status = 403), (status = 404)))]
async fn delete(
    State(platform): State<Platform>,
    UserRights { ctx, admin }: UserRights,
    Path(secret_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    flows::secrets::delete(&platform, &ctx, admin, &secret_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The secret types the UI offers.
#[utoipa::path(get, path = "/v1/secrets/types", tag = "secrets",
    responses((status = 200, body = SecretTypes)))]
async fn types(_ctx: TenantContext) -> Json<SecretTypes> {
    let types = rules::TYPES
        .iter()
        .map(|(value, label)| SecretType {
            value: (*value).to_owned(),
            label: (*label).to_owned(),
        })
        .collect();
    Json(SecretTypes { types })
}
