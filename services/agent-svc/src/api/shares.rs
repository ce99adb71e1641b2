//! Request and response types of `/v1/admin/shared-providers` (contract §1.9 admin rows, §10).

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::validate::{MAX_SHORT, err, finish};
use crate::store::{self, shares::ShareRow};

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

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Revoked {
    pub id: String,
    pub status: &'static str,
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
