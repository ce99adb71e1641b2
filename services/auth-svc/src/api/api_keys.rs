//! Request and response bodies of the `api_keys` routes.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use shared_schemas::ids::AgentId;

use crate::domain::api_keys::MAX_EXPIRES_DAYS;
use crate::domain::validate::{self, MAX_NAME, finish};
use crate::store::api_keys::ApiKey;

/// A key as created: the row, and the plaintext shown this once.
pub struct Issued {
    pub key: ApiKey,
    pub secret: String,
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

impl AgentKeyOut {
    /// `secret` is the plaintext of a key minted now; none when the agent's live key was kept.
    pub fn new(key: ApiKey, agent_id: String, secret: Option<String>) -> Self {
        Self {
            id: key.id,
            agent_id,
            key_prefix: key.key_prefix,
            created: secret.is_some(),
            key: secret,
        }
    }
}
