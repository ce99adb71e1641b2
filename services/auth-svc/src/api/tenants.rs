//! Request and response bodies of the `tenants` routes.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::Deserialize;

use crate::domain::validate::{self, MAX_NAME, finish};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateTenant {
    pub name: Option<String>,
    pub slug: Option<String>,
}

impl Validate for UpdateTenant {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(name) = &self.name {
            validate::name("name", name, MAX_NAME, &mut errors);
        }
        if let Some(slug) = &self.slug {
            validate::slug("slug", slug, &mut errors);
        }
        finish(errors)
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// `active` or `suspended`.
    pub status: String,
}

impl Validate for StatusChange {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        finish(match self.status.as_str() {
            "active" | "suspended" => Vec::new(),
            _ => vec![FieldError {
                path: "status".into(),
                message: "must be active or suspended".into(),
            }],
        })
    }
}

/// `DELETE /v1/tenants/me`: the owner confirms with its password (an owner without one, signed
/// in through OIDC, must have signed in within the last few minutes instead).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteTenant {
    pub password: Option<String>,
}

impl Validate for DeleteTenant {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        finish(match &self.password {
            Some(p) if p.len() > 1024 => vec![FieldError {
                path: "password".into(),
                message: "too long".into(),
            }],
            _ => Vec::new(),
        })
    }
}
