//! `/v1/auth/api-keys`: the caller's keys, service keys and agent keys (contract §1.1).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::ApiError;
use kit::auth::scope::AnyCaller;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use serde::{Deserialize, Serialize};
use shared_schemas::ids::{AgentId, ApiKeyId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::client::UserContext;
use crate::domain::api_keys::{KeyKind, MAX_EXPIRES_DAYS};
use crate::domain::validate::{self, MAX_NAME, finish};
use crate::flows::api_keys::{self as flow, Issued};
use crate::store::api_keys::ApiKey;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_mine, create))
        .routes(routes!(revoke))
        .routes(routes!(create_service))
        .routes(routes!(list_all))
        .routes(routes!(ensure_agent))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateApiKey {
    pub name: String,
    /// 1 to 3650; the key never expires when absent.
    pub expires_in_days: Option<i64>,
}

impl Validate for CreateApiKey {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        validate::name("name", &self.name, MAX_NAME, &mut errors);
        if let Some(days) = self.expires_in_days
            && !(1..=MAX_EXPIRES_DAYS).contains(&days)
        {
            errors.push(FieldError {
                path: "expiresInDays".into(),
                message: format!("must be between 1 and {MAX_EXPIRES_DAYS}"),
            });
        }
        finish(errors)
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnsureAgentKey {
    /// The agent's id (`agt_…`).
    pub agent_id: String,
    /// Replace the live key with a new one (its plaintext cannot be shown again).
    #[serde(default)]
    pub rotate: bool,
}

impl Validate for EnsureAgentKey {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        finish(match AgentId::parse(self.agent_id.as_str()) {
            Ok(_) => Vec::new(),
            Err(err) => vec![FieldError {
                path: "agentId".into(),
                message: err.to_string(),
            }],
        })
    }
}

/// A new key; `key` is shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiKey {
    pub id: String,
    pub name: String,
    pub key: String,
    pub key_prefix: String,
    pub kind: String,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub message: &'static str,
}

impl From<Issued> for CreatedApiKey {
    fn from(issued: Issued) -> Self {
        Self {
            id: issued.key.id,
            name: issued.key.name,
            key: issued.secret,
            key_prefix: issued.key.key_prefix,
            kind: issued.key.kind,
            expires_at: issued.key.expires_at,
            created_at: issued.key.created_at,
            message: "Store this key now: it cannot be shown again.",
        }
    }
}

/// A key as listings show it: never the key, only its prefix.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyOut {
    pub id: String,
    pub name: String,
    pub key_prefix: String,
    pub kind: String,
    pub user_id: Option<String>,
    pub agent_id: Option<String>,
    pub is_active: bool,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub created_at: i64,
    pub created_by: Option<String>,
}

impl From<ApiKey> for ApiKeyOut {
    fn from(k: ApiKey) -> Self {
        Self {
            id: k.id,
            name: k.name,
            key_prefix: k.key_prefix,
            kind: k.kind,
            user_id: k.user_id,
            agent_id: k.agent_id,
            is_active: k.is_active,
            expires_at: k.expires_at,
            last_used_at: k.last_used_at,
            created_at: k.created_at,
            created_by: k.created_by,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentKeyOut {
    pub id: String,
    pub agent_id: String,
    pub key_prefix: String,
    /// `false`: the agent already had this key; its plaintext is not shown again.
    pub created: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Revoked {
    pub id: String,
    pub status: &'static str,
}

fn listed(keys: Vec<ApiKey>) -> Json<Vec<ApiKeyOut>> {
    Json(keys.into_iter().map(ApiKeyOut::from).collect())
}

/// The caller's own keys (masked).
#[utoipa::path(get, path = "/v1/auth/api-keys", tag = "api-keys", security(("bearer" = [])),
    responses((status = 200, body = [ApiKeyOut])))]
async fn list_mine(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
) -> Result<Json<Vec<ApiKeyOut>>, ApiError> {
    Ok(listed(flow::list_mine(&app, &ctx).await?))
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
    responses((status = 200, body = [ApiKeyOut]), (status = 403, body = kit::error::ErrorBody)))]
async fn list_all(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
) -> Result<Json<Vec<ApiKeyOut>>, ApiError> {
    Ok(listed(flow::list_all(&app, &ctx).await?))
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
    let status = if secret.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(AgentKeyOut {
            id: key.id,
            agent_id: req.agent_id,
            key_prefix: key.key_prefix,
            created: secret.is_some(),
            key: secret,
        }),
    ))
}
