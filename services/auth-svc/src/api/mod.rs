//! Request and response bodies of auth-svc. Field names follow the reference contract
//! (camelCase); multi-tenancy adds `tenantId` where a client needs it.

pub mod admin;
pub mod api_keys;
pub mod client;
pub mod internal;
pub mod oidc;
pub mod providers;
pub mod tenants;
pub mod totp;
pub mod users;
pub mod waitlist;

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::validate::{self, MAX_NAME, finish};
use crate::store::users::User;

/// Limits of request fields that the config does not set.
pub const PASSWORD_LIMITS: (usize, usize) = (8, 256);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetupRequest {
    pub email: String,
    pub password: String,
    pub display_name: Option<String>,
    pub tenant_name: Option<String>,
    /// The installation's `SETUP_TOKEN`; required outside dev mode.
    pub setup_token: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    pub display_name: Option<String>,
    /// Defaults to the display name or the email's local part.
    pub tenant_name: Option<String>,
    /// Defaults to one derived from the tenant name.
    pub tenant_slug: Option<String>,
    /// Token of a waitlist invitation (`?invite=` of its link); admits this email even while
    /// public registration is disabled.
    pub invite_token: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

fn check_account(
    email: &str,
    password: &str,
    display_name: Option<&String>,
    errors: &mut Vec<FieldError>,
) {
    validate::email("email", email, errors);
    validate::password(
        "password",
        password,
        PASSWORD_LIMITS.0,
        PASSWORD_LIMITS.1,
        errors,
    );
    if let Some(name) = display_name {
        validate::name("displayName", name, MAX_NAME, errors);
    }
}

impl Validate for SetupRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_account(
            &self.email,
            &self.password,
            self.display_name.as_ref(),
            &mut errors,
        );
        if let Some(name) = &self.tenant_name {
            validate::name("tenantName", name, MAX_NAME, &mut errors);
        }
        if self.setup_token.as_ref().is_some_and(|t| t.len() > 200) {
            errors.push(FieldError {
                path: "setupToken".into(),
                message: "must be at most 200 characters".into(),
            });
        }
        finish(errors)
    }
}

impl Validate for RegisterRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_account(
            &self.email,
            &self.password,
            self.display_name.as_ref(),
            &mut errors,
        );
        if let Some(name) = &self.tenant_name {
            validate::name("tenantName", name, MAX_NAME, &mut errors);
        }
        if let Some(slug) = &self.tenant_slug {
            validate::slug("tenantSlug", slug, &mut errors);
        }
        if let Some(token) = &self.invite_token
            && !(1..=200).contains(&token.len())
        {
            errors.push(FieldError {
                path: "inviteToken".into(),
                message: "must be 1-200 characters".into(),
            });
        }
        finish(errors)
    }
}

impl Validate for LoginRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        // Only shape checks: a wrong password must look exactly like an unknown email.
        let mut errors = Vec::new();
        if self.email.trim().is_empty() || self.email.len() > validate::MAX_EMAIL {
            errors.push(FieldError {
                path: "email".into(),
                message: "must be 1-320 characters".into(),
            });
        }
        if self.password.is_empty() || self.password.len() > 4 * PASSWORD_LIMITS.1 {
            errors.push(FieldError {
                path: "password".into(),
                message: "must not be empty or huge".into(),
            });
        }
        finish(errors)
    }
}

impl Validate for RefreshRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let ok = !self.refresh_token.is_empty() && self.refresh_token.len() <= 200;
        finish(if ok {
            Vec::new()
        } else {
            vec![FieldError {
                path: "refreshToken".into(),
                message: "must be 1-200 characters".into(),
            }]
        })
    }
}

/// The user as the dashboard and CLI see it in token responses and `/me`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserOut {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub is_admin: bool,
    pub platform_admin: bool,
    pub totp_enabled: bool,
    pub slack_id: Option<String>,
    pub tenant_id: String,
}

impl From<&User> for UserOut {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.clone(),
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            is_admin: u.is_admin,
            platform_admin: u.platform_admin,
            totp_enabled: u.totp_enabled,
            slack_id: u.slack_id.clone(),
            tenant_id: u.tenant_id.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub tenant_id: String,
    pub user: UserOut,
}

/// Login answer: tokens, or a challenge for the second factor.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LoginResponse {
    Tokens(TokenResponse),
    #[serde(rename_all = "camelCase")]
    TotpRequired {
        #[serde(rename = "requiresTOTP")]
        requires_totp: bool,
        pending_token: String,
    },
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusResponse {
    pub auth_enabled: bool,
    pub setup_complete: bool,
    pub registration_enabled: bool,
    /// Enabled platform providers (tenant providers are reached by their own sign-in link).
    pub oidc_providers: Vec<crate::store::oidc::ProviderButton>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Done {
    pub status: &'static str,
}

pub const OK: Done = Done { status: "ok" };
