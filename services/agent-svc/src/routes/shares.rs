//! `/v1/admin/shared-providers`: a tenant admin shares one of the tenant's provider keys with
//! one user of the tenant or with all of them, with expiry, model and daily limits (contract
//! §1.9 admin rows, §10; spec §2.8). Sharing never crosses tenants: the share row carries the
//! caller's tenant and the admin id comes from the token.

use std::collections::BTreeMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::domain::key_resolution::utc_day_start;
use crate::domain::validate::{MAX_SHORT, err, finish};
use crate::routes::support::require_admin;
use crate::store::{self, shares::ShareRow};

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(usage))
        .routes(routes!(update, revoke))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SharedProviderResponse {
    pub id: String,
    pub admin_user_id: String,
    pub provider_id: String,
    pub target_user_id: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub allowed_models: Option<Vec<String>>,
    pub daily_limit: Option<i32>,
    pub daily_cost_limit_usd: Option<f64>,
}

impl From<&ShareRow> for SharedProviderResponse {
    fn from(r: &ShareRow) -> Self {
        Self {
            id: r.id.clone(),
            admin_user_id: r.admin_user_id.clone(),
            provider_id: r.provider_id.clone(),
            target_user_id: r.target_user_id.clone(),
            created_at: r.created_at,
            expires_at: r.expires_at,
            allowed_models: r.models(),
            daily_limit: r.daily_limit,
            daily_cost_limit_usd: r.daily_cost_limit_usd,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShareProvider {
    pub provider_id: String,
    /// A user of the tenant; absent or null shares with every user.
    pub target_user_id: Option<String>,
    pub expires_at: Option<i64>,
    pub allowed_models: Option<Vec<String>>,
    pub daily_limit: Option<i32>,
    pub daily_cost_limit_usd: Option<f64>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateShare {
    pub expires_at: Option<i64>,
    pub allowed_models: Option<Vec<String>>,
    pub daily_limit: Option<i32>,
    pub daily_cost_limit_usd: Option<f64>,
    #[serde(default)]
    pub clear_expires_at: bool,
    #[serde(default)]
    pub clear_allowed_models: bool,
    #[serde(default)]
    pub clear_daily_limit: bool,
    #[serde(default)]
    pub clear_daily_cost_limit_usd: bool,
}

fn check_limits(
    expires_at: Option<i64>,
    models: Option<&Vec<String>>,
    daily_limit: Option<i32>,
    cost: Option<f64>,
    e: &mut Vec<FieldError>,
) {
    if expires_at.is_some_and(|at| at <= store::now_ms()) {
        e.push(err("expiresAt", "must be in the future (epoch ms)"));
    }
    if let Some(models) = models {
        if models.len() > 100 {
            e.push(err("allowedModels", "at most 100 models"));
        }
        for (i, m) in models.iter().enumerate() {
            if m.is_empty()
                || m.len() > MAX_SHORT
                || m.chars().any(|c| c.is_control() || c.is_whitespace())
            {
                e.push(err(&format!("allowedModels[{i}]"), "must be a model id"));
            }
        }
    }
    if daily_limit.is_some_and(|l| l < 0) {
        e.push(err("dailyLimit", "must not be negative"));
    }
    if cost.is_some_and(|c| !c.is_finite() || c < 0.0) {
        e.push(err("dailyCostLimitUsd", "must not be negative"));
    }
}

impl Validate for ShareProvider {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if self.provider_id.is_empty() || self.provider_id.len() > 64 {
            e.push(err("providerId", "must be a provider id"));
        }
        if let Some(target) = &self.target_user_id
            && shared_schemas::ids::UserId::parse(target.as_str()).is_err()
        {
            e.push(err("targetUserId", "must be a user id (usr_…)"));
        }
        check_limits(
            self.expires_at,
            self.allowed_models.as_ref(),
            self.daily_limit,
            self.daily_cost_limit_usd,
            &mut e,
        );
        finish(e)
    }
}

impl Validate for UpdateShare {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        for (set, clear, path) in [
            (
                self.expires_at.is_some(),
                self.clear_expires_at,
                "expiresAt",
            ),
            (
                self.allowed_models.is_some(),
                self.clear_allowed_models,
                "allowedModels",
            ),
            (
                self.daily_limit.is_some(),
                self.clear_daily_limit,
                "dailyLimit",
            ),
            (
                self.daily_cost_limit_usd.is_some(),
                self.clear_daily_cost_limit_usd,
                "dailyCostLimitUsd",
            ),
        ] {
            if set && clear {
                e.push(err(path, "set it or clear it, not both"));
            }
        }
        check_limits(
            self.expires_at,
            self.allowed_models.as_ref(),
            self.daily_limit,
            self.daily_cost_limit_usd,
            &mut e,
        );
        finish(e)
    }
}

impl UpdateShare {
    fn apply(&self, row: &mut ShareRow) {
        fn pick<T: Clone>(current: &mut Option<T>, new: &Option<T>, clear: bool) {
            if clear {
                *current = None;
            } else if new.is_some() {
                current.clone_from(new);
            }
        }
        pick(&mut row.expires_at, &self.expires_at, self.clear_expires_at);
        pick(
            &mut row.daily_limit,
            &self.daily_limit,
            self.clear_daily_limit,
        );
        pick(
            &mut row.daily_cost_limit_usd,
            &self.daily_cost_limit_usd,
            self.clear_daily_cost_limit_usd,
        );
        let models = self
            .allowed_models
            .as_ref()
            .and_then(|m| serde_json::to_string(m).ok());
        pick(&mut row.allowed_models, &models, self.clear_allowed_models);
    }
}

#[utoipa::path(get, path = "/v1/admin/shared-providers", tag = "admin",
    responses((status = 200, body = [SharedProviderResponse]), (status = 403)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
) -> Result<Json<Vec<SharedProviderResponse>>, ApiError> {
    require_admin(&ctx)?;
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let rows = store::shares::list(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(rows.iter().map(Into::into).collect()))
}

/// Shares a configured provider of the tenant; 404 when the tenant has no key for it, 409 when
/// it is already shared with that target.
#[utoipa::path(post, path = "/v1/admin/shared-providers", tag = "admin", request_body = ShareProvider,
    responses((status = 201, body = SharedProviderResponse), (status = 403), (status = 404),
    (status = 409), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    ctx: TenantContext,
    ValidJson(body): ValidJson<ShareProvider>,
) -> Result<(StatusCode, Json<SharedProviderResponse>), ApiError> {
    require_admin(&ctx)?;
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let provider = store::providers::tenant_for_update(&mut tx, &body.provider_id).await?;
    if provider.is_none_or(|p| p.api_key_enc.is_none()) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "provider_not_configured",
            format!("the tenant has no key for `{}`", body.provider_id),
        ));
    }
    let row = ShareRow {
        id: format!("shr_{}", shared_schemas::ids::random_body()),
        admin_user_id: ctx.subject().to_owned(),
        provider_id: body.provider_id,
        target_user_id: body.target_user_id,
        created_at: store::now_ms(),
        expires_at: body.expires_at,
        allowed_models: body
            .allowed_models
            .and_then(|m| serde_json::to_string(&m).ok()),
        daily_limit: body.daily_limit,
        daily_cost_limit_usd: body.daily_cost_limit_usd,
    };
    let row = store::shares::insert(&mut tx, &row).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json((&row).into())))
}

/// Changes a share's restrictions; `clear*` flags remove one.
#[utoipa::path(patch, path = "/v1/admin/shared-providers/{grant_id}", tag = "admin",
    request_body = UpdateShare, responses((status = 200, body = SharedProviderResponse),
    (status = 403), (status = 404), (status = 422)))]
async fn update(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(grant_id): Path<String>,
    ValidJson(body): ValidJson<UpdateShare>,
) -> Result<Json<SharedProviderResponse>, ApiError> {
    require_admin(&ctx)?;
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let mut row = store::shares::get_for_update(&mut tx, &grant_id).await?;
    body.apply(&mut row);
    let row = store::shares::update(&mut tx, &row).await?;
    tx.commit().await?;
    Ok(Json((&row).into()))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Revoked {
    pub id: String,
    pub status: &'static str,
}

#[utoipa::path(delete, path = "/v1/admin/shared-providers/{grant_id}", tag = "admin",
    responses((status = 200, body = Revoked), (status = 403), (status = 404)))]
async fn revoke(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(grant_id): Path<String>,
) -> Result<Json<Revoked>, ApiError> {
    require_admin(&ctx)?;
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    store::shares::delete(&mut tx, &grant_id).await?;
    tx.commit().await?;
    Ok(Json(Revoked {
        id: grant_id,
        status: "revoked",
    }))
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserUse {
    pub user_id: Option<String>,
    pub calls: i64,
    pub cost: f64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShareUse {
    #[serde(flatten)]
    pub share: SharedProviderResponse,
    pub today_calls: i64,
    pub today_cost: f64,
    pub users: Vec<UserUse>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShareUsageResponse {
    pub shares: Vec<ShareUse>,
}

/// Today's (UTC) shared-key use per share and user. A user with a share of their own counts
/// toward it, not toward the all-users share of the same provider.
#[utoipa::path(get, path = "/v1/admin/shared-providers/usage", tag = "admin",
    responses((status = 200, body = ShareUsageResponse), (status = 403)))]
async fn usage(
    State(platform): State<Platform>,
    ctx: TenantContext,
) -> Result<Json<ShareUsageResponse>, ApiError> {
    require_admin(&ctx)?;
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let rows = store::shares::list(&mut tx).await?;
    let since = utc_day_start(store::now_ms());
    let uses = store::shares::shared_use_since(&mut tx, since, None).await?;
    tx.commit().await?;
    let mut own: BTreeMap<(&str, &str), ()> = BTreeMap::new();
    for r in &rows {
        if let Some(t) = &r.target_user_id {
            own.insert((r.provider_id.as_str(), t.as_str()), ());
        }
    }
    let shares = rows
        .iter()
        .map(|r| {
            let users: Vec<UserUse> = uses
                .iter()
                .filter(|u| u.provider == r.provider_id)
                .filter(|u| match (&r.target_user_id, &u.user_id) {
                    (Some(t), Some(uid)) => t == uid,
                    (Some(_), None) => false,
                    (None, Some(uid)) => !own.contains_key(&(r.provider_id.as_str(), uid.as_str())),
                    (None, None) => true,
                })
                .map(|u| UserUse {
                    user_id: u.user_id.clone(),
                    calls: u.calls,
                    cost: u.cost,
                })
                .collect();
            ShareUse {
                share: r.into(),
                today_calls: users.iter().map(|u| u.calls).sum(),
                today_cost: users.iter().map(|u| u.cost).sum(),
                users,
            }
        })
        .collect();
    Ok(Json(ShareUsageResponse { shares }))
}
