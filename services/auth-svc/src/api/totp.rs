//! Bodies of the TOTP endpoints (reference names: TOTPSetupResponse, TOTPConfirmRequest,
//! TOTPDisableRequest, TOTPVerifyRequest, RecoveryCodeRequest).

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::{PASSWORD_LIMITS, TokenResponse};
use crate::domain::totp::{is_code_shaped, normalize_recovery_code};
use crate::domain::validate::finish;

/// Longer than any token we mint; anything bigger is not one of ours.
const MAX_PENDING_TOKEN: usize = 4096;

fn err(path: &str, message: &str) -> FieldError {
    FieldError {
        path: path.to_owned(),
        message: message.to_owned(),
    }
}

fn check_code(path: &str, code: &str, errors: &mut Vec<FieldError>) {
    if !is_code_shaped(code) {
        errors.push(err(path, "must be 6 digits"));
    }
}

fn check_pending(token: &str, errors: &mut Vec<FieldError>) {
    if token.is_empty() || token.len() > MAX_PENDING_TOKEN {
        errors.push(err("pendingToken", "must be 1-4096 characters"));
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TotpSetupResponse {
    /// Base32; shown once for manual entry.
    pub secret: String,
    /// `otpauth://totp/...` for a QR code.
    pub provisioning_uri: String,
}

/// A current code from the authenticator app (confirm, regenerate recovery codes).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TotpCodeRequest {
    pub code: String,
}

impl Validate for TotpCodeRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_code("code", &self.code, &mut errors);
        finish(errors)
    }
}

/// Either the current password or a current code; the password is used when both are given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TotpDisableRequest {
    pub password: Option<String>,
    pub totp_code: Option<String>,
}

impl Validate for TotpDisableRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        match (&self.password, &self.totp_code) {
            (None, None) => errors.push(err("body", "password or totpCode is required")),
            (Some(p), _) if p.is_empty() || p.len() > 4 * PASSWORD_LIMITS.1 => {
                errors.push(err("password", "must not be empty or huge"));
            }
            (None, Some(code)) => check_code("totpCode", code, &mut errors),
            _ => {}
        }
        finish(errors)
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TotpLoginRequest {
    pub pending_token: String,
    pub code: String,
}

impl Validate for TotpLoginRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_pending(&self.pending_token, &mut errors);
        check_code("code", &self.code, &mut errors);
        finish(errors)
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecoveryLoginRequest {
    pub pending_token: String,
    /// `XXXX-XXXX`; case and the dash are optional.
    pub code: String,
}

impl Validate for RecoveryLoginRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_pending(&self.pending_token, &mut errors);
        if self.code.len() > 32 || normalize_recovery_code(&self.code).is_none() {
            errors.push(err("code", "must be a recovery code like ABCD-1234"));
        }
        finish(errors)
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TotpEnabledResponse {
    pub status: &'static str,
    /// Shown once; each works for one login.
    pub recovery_codes: Vec<String>,
    pub message: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodesResponse {
    pub message: &'static str,
    pub recovery_codes: Vec<String>,
}

/// Tokens plus how many unused recovery codes the user has left.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryLoginResponse {
    #[serde(flatten)]
    pub tokens: TokenResponse,
    pub remaining_recovery_codes: i64,
}
