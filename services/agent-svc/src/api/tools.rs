//! Request and response types of `/v1/agents/{agent_id}/tools`.

use std::collections::BTreeSet;

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::validate::{err, finish};
use crate::store::tools::Override;

/// More than any agent has tools; bounds the work of one request.
const MAX_OVERRIDES: usize = 500;

/// The reference's `ToolOverrideResponse` (snake_case, as it was).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ToolOverride {
    pub agent_id: String,
    pub tool_name: String,
    pub enabled: bool,
    pub updated_at: i64,
    pub updated_by: String,
}

impl ToolOverride {
    pub fn new(agent_id: &str, o: Override) -> Self {
        Self {
            agent_id: agent_id.to_owned(),
            tool_name: o.tool_name,
            enabled: o.enabled,
            updated_at: o.updated_at,
            updated_by: o.updated_by,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolOverrideItem {
    pub tool_name: String,
    pub enabled: bool,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkToolOverrides {
    pub overrides: Vec<ToolOverrideItem>,
    /// Who made the change, for the record; the caller's subject when absent.
    pub updated_by: Option<String>,
}

/// Tool names as LLM tool schemas allow them, plus `.` and `:` for namespaced MCP tools.
fn is_tool_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 256
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
}

impl Validate for BulkToolOverrides {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors: Vec<FieldError> = Vec::new();
        if self.overrides.len() > MAX_OVERRIDES {
            errors.push(err(
                "overrides",
                format!("at most {MAX_OVERRIDES} per request"),
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, item) in self.overrides.iter().enumerate() {
            let path = format!("overrides[{i}].tool_name");
            if !is_tool_name(&item.tool_name) {
                errors.push(err(
                    &path,
                    "must be 1 to 256 letters, digits, `_`, `-`, `.` or `:`",
                ));
            } else if !seen.insert(item.tool_name.as_str()) {
                errors.push(err(&path, "is listed twice"));
            }
        }
        if let Some(by) = &self.updated_by
            && (by.trim().is_empty() || by.len() > 128)
        {
            errors.push(err("updated_by", "must be 1 to 128 bytes"));
        }
        finish(errors)
    }
}
