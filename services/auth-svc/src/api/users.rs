//! Request and response bodies of the `users` routes.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::api::PASSWORD_LIMITS;
use crate::domain::validate::{self, MAX_NAME, finish};
use crate::store::users::User;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub is_admin: bool,
    pub is_active: bool,
    pub slack_id: Option<String>,
    pub phone_number: Option<String>,
    pub totp_enabled: bool,
    pub tenant_id: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<User> for UserResponse {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            is_admin: u.is_admin,
            is_active: u.is_active,
            slack_id: u.slack_id,
            phone_number: u.phone_number,
            totp_enabled: u.totp_enabled,
            tenant_id: u.tenant_id,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateUser {
    pub email: String,
    pub password: String,
    pub display_name: Option<String>,
    #[serde(default)]
    pub is_admin: bool,
}

impl Validate for CreateUser {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        validate::email("email", &self.email, &mut errors);
        validate::password(
            "password",
            &self.password,
            PASSWORD_LIMITS.0,
            PASSWORD_LIMITS.1,
            &mut errors,
        );
        if let Some(name) = &self.display_name {
            validate::name("displayName", name, MAX_NAME, &mut errors);
        }
        finish(errors)
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateUser {
    pub display_name: Option<String>,
    pub is_admin: Option<bool>,
    pub is_active: Option<bool>,
    pub slack_id: Option<String>,
    pub phone_number: Option<String>,
}

impl Validate for UpdateUser {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(name) = &self.display_name {
            validate::name("displayName", name, MAX_NAME, &mut errors);
        }
        if let Some(id) = &self.slack_id {
            validate::name("slackId", id, 64, &mut errors);
        }
        if let Some(phone) = &self.phone_number {
            let ok = phone.len() <= 32
                && phone
                    .chars()
                    .all(|c| c.is_ascii_digit() || "+-() ".contains(c));
            if !ok {
                errors.push(FieldError {
                    path: "phoneNumber".into(),
                    message: "must be a phone number of at most 32 characters".into(),
                });
            }
        }
        finish(errors)
    }
}
