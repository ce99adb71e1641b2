//! Request and response types of `/v1/agents/{id}/config` and `/v1/agents/{id}/files/{filename}`.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::agent_config::AgentRuntimeConfig;
use crate::domain::validate::{MAX_DOCUMENT, err, finish};

/// A partial config: the keys given replace the stored ones. Unknown keys are refused.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct ConfigPatch(pub AgentRuntimeConfig);

impl Validate for ConfigPatch {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        self.0.validate_keys(&mut errors);
        finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConfigUpdated {
    pub status: &'static str,
    pub config: AgentRuntimeConfig,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileUpdate {
    pub content: String,
}

impl Validate for FileUpdate {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        if self.content.len() > MAX_DOCUMENT {
            return Err(vec![err(
                "content",
                format!("must be at most {MAX_DOCUMENT} bytes"),
            )]);
        }
        Ok(())
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FileUpdated {
    pub status: &'static str,
    pub filename: String,
    pub size: usize,
}
