//! Request and response types of the routes in `routes::secrets`.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::secrets::{self as rules, check_env_key, check_type};
use crate::domain::validate::{self, MAX_NAME, MAX_TEXT, finish};
use crate::store::secrets::Secret;

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

impl std::fmt::Debug for SecretCreate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretCreate")
            .field("name", &self.name)
            .field("secret_type", &self.secret_type)
            .field("env_key", &self.env_key)
            .finish_non_exhaustive()
    }
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

/// Largest secret value (an SSH key or a certificate chain fits easily).
pub const MAX_VALUE: usize = 64 * 1024;

pub fn env_var() -> String {
    "env_var".to_owned()
}

pub fn check_value(value: &str, errors: &mut Vec<FieldError>) {
    if value.is_empty() {
        errors.push(validate::err("value", "must not be empty"));
    }
    validate::text("value", Some(value), MAX_VALUE, errors);
}
