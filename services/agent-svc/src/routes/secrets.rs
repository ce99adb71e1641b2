//! `/v1/secrets/`: credentials a tenant hands to its agents as environment variables (contract
//! §1.3, §10). Values are encrypted at rest and answered only masked, except to engine-svc on
//! `/agents/{agent_id}/env` (secret_grants.rs). Users create secrets; admins and the creator
//! change, delete and grant them. The library is for users; an agent sees only the secrets
//! granted to itself.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::UserOnly;
use kit::crypto::{SecretBox, mask};
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::secrets::{self as rules, check_env_key, check_type, normalize_env_key};
use crate::domain::validate::{self, MAX_NAME, MAX_TEXT, finish};
use crate::store::{self, secrets::NewSecret, secrets::Secret, secrets::SecretPatch};

/// Largest secret value (an SSH key or a certificate chain fits easily).
const MAX_VALUE: usize = 64 * 1024;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(types))
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
}

/// A secret without its value: `masked_preview` is enough to recognise it, never to use it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SecretResponse {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub secret_type: String,
    pub secret_type_label: String,
    pub env_key: String,
    pub masked_preview: Option<String>,
    pub granted_agents: Vec<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<Secret> for SecretResponse {
    fn from(s: Secret) -> Self {
        Self {
            secret_type_label: rules::type_label(&s.secret_type).to_owned(),
            id: s.id,
            name: s.name,
            description: s.description,
            secret_type: s.secret_type,
            env_key: s.env_key,
            masked_preview: s.masked_preview,
            granted_agents: s.granted_agents,
            created_by: s.created_by,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// `Debug` leaves the value out, so a logged request never carries it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretCreate {
    pub name: String,
    pub description: Option<String>,
    /// One of `GET /v1/secrets/types`; `env_var` when absent.
    #[serde(default = "env_var")]
    pub secret_type: String,
    /// The variable agent containers receive, e.g. `GITHUB_TOKEN` (upper-cased when given lower).
    pub env_key: String,
    /// The plaintext; encrypted before it is stored and never returned.
    pub value: String,
}

fn env_var() -> String {
    "env_var".to_owned()
}

impl std::fmt::Debug for SecretCreate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretCreate")
            .field("name", &self.name)
            .field("secret_type", &self.secret_type)
            .field("env_key", &self.env_key)
            .finish_non_exhaustive()
    }
}

fn check_value(value: &str, errors: &mut Vec<FieldError>) {
    if value.is_empty() {
        errors.push(validate::err("value", "must not be empty"));
    }
    validate::text("value", Some(value), MAX_VALUE, errors);
}

impl Validate for SecretCreate {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        validate::name("name", &self.name, MAX_NAME, &mut errors);
        validate::text(
            "description",
            self.description.as_deref(),
            MAX_TEXT,
            &mut errors,
        );
        check_type("secret_type", &self.secret_type, &mut errors);
        check_env_key("env_key", &self.env_key, &mut errors);
        check_value(&self.value, &mut errors);
        finish(errors)
    }
}

/// Only the fields given change; `value` rotates the secret.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    pub secret_type: Option<String>,
    pub env_key: Option<String>,
    pub value: Option<String>,
}

impl std::fmt::Debug for SecretUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretUpdate")
            .field("name", &self.name)
            .field("env_key", &self.env_key)
            .field("rotates_value", &self.value.is_some())
            .finish_non_exhaustive()
    }
}

impl Validate for SecretUpdate {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(name) = &self.name {
            validate::name("name", name, MAX_NAME, &mut errors);
        }
        validate::text(
            "description",
            self.description.as_deref(),
            MAX_TEXT,
            &mut errors,
        );
        if let Some(t) = &self.secret_type {
            check_type("secret_type", t, &mut errors);
        }
        if let Some(key) = &self.env_key {
            check_env_key("env_key", key, &mut errors);
        }
        if let Some(value) = &self.value {
            check_value(value, &mut errors);
        }
        finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SecretType {
    pub value: String,
    pub label: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SecretTypes {
    pub types: Vec<SecretType>,
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

/// The tenant's secrets, newest first, masked.
#[utoipa::path(get, path = "/v1/secrets/", tag = "secrets",
    responses((status = 200, body = [SecretResponse])))]
async fn list(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
) -> Result<Json<Vec<SecretResponse>>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let secrets = store::secrets::list(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(secrets.into_iter().map(Into::into).collect()))
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
    let new = NewSecret {
        name: body.name.trim().to_owned(),
        description: body.description,
        secret_type: body.secret_type,
        env_key: normalize_env_key(&body.env_key),
        encrypted_value: secrets.encrypt(&body.value),
        masked_preview: mask(&body.value),
        created_by: ctx.subject().to_owned(),
    };
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let id = store::secrets::insert(&mut tx, &new, store::now_ms()).await?;
    let secret = store::secrets::get(&mut tx, &id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(secret.into())))
}

#[utoipa::path(get, path = "/v1/secrets/{secret_id}", tag = "secrets",
    responses((status = 200, body = SecretResponse), (status = 404)))]
async fn get_one(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(secret_id): Path<String>,
) -> Result<Json<SecretResponse>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let secret = store::secrets::get(&mut tx, &secret_id).await?;
    tx.commit().await?;
    Ok(Json(secret.into()))
}

/// Renames, retypes, re-keys or rotates a secret (admins and its creator).
#[utoipa::path(put, path = "/v1/secrets/{secret_id}", tag = "secrets", request_body = SecretUpdate,
    responses((status = 200, body = SecretResponse), (status = 403), (status = 404),
        (status = 409), (status = 422)))]
async fn update(
    State(platform): State<Platform>,
    State(secrets): State<Arc<SecretBox>>,
    UserOnly(ctx): UserOnly,
    Path(secret_id): Path<String>,
    ValidJson(body): ValidJson<SecretUpdate>,
) -> Result<Json<SecretResponse>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let secret = store::secrets::get(&mut tx, &secret_id).await?;
    rules::require_manager(&ctx, &secret.created_by)?;
    let patch = SecretPatch {
        name: body.name.map(|n| n.trim().to_owned()),
        description: body.description,
        secret_type: body.secret_type,
        env_key: body.env_key.as_deref().map(normalize_env_key),
        value: body.value.map(|v| (secrets.encrypt(&v), mask(&v))),
    };
    if let Some(key) = &patch.env_key {
        store::secrets::refuse_env_key_clash(&mut tx, &secret.id, key, &secret.granted_agents)
            .await?;
    }
    store::secrets::update(&mut tx, &secret.id, &patch, store::now_ms()).await?;
    let secret = store::secrets::get(&mut tx, &secret.id).await?;
    tx.commit().await?;
    Ok(Json(secret.into()))
}

/// Deletes the secret and all its grants (admins and its creator).
#[utoipa::path(delete, path = "/v1/secrets/{secret_id}", tag = "secrets",
    responses((status = 204), (status = 403), (status = 404)))]
async fn delete(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(secret_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let secret = store::secrets::get(&mut tx, &secret_id).await?;
    rules::require_manager(&ctx, &secret.created_by)?;
    store::secrets::delete(&mut tx, &secret.id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
