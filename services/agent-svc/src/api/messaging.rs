//! Request and response types of `/v1/agents/{agent_id}/messaging-permissions`.

use std::collections::BTreeSet;

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::validate::{MAX_SHORT, err, finish, name, text};
use crate::store::messaging::Permission;

const MAX_BULK: usize = 1000;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PermissionView {
    pub id: i64,
    pub agent_id: String,
    pub channel: String,
    pub target: String,
    pub label: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl PermissionView {
    pub fn new(agent_id: &str, p: Permission) -> Self {
        Self {
            id: p.id,
            agent_id: agent_id.to_owned(),
            channel: p.channel,
            target: p.target,
            label: p.label,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PermissionList {
    pub permissions: Vec<PermissionView>,
    pub total: usize,
}

impl PermissionList {
    pub fn new(agent_id: &str, rows: Vec<Permission>) -> Self {
        let permissions: Vec<_> = rows
            .into_iter()
            .map(|p| PermissionView::new(agent_id, p))
            .collect();
        Self {
            total: permissions.len(),
            permissions,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PermissionRemoved {
    pub status: &'static str,
    pub id: i64,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this channel (telegram, whatsapp, signal).
    pub channel: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePermission {
    pub channel: String,
    pub target: String,
    pub label: Option<String>,
}

impl CreatePermission {
    fn check(&self, at: &str, errors: &mut Vec<FieldError>) {
        name(&format!("{at}target"), &self.target, MAX_SHORT, errors);
        text(
            &format!("{at}label"),
            self.label.as_deref(),
            MAX_SHORT,
            errors,
        );
    }
}

impl Validate for CreatePermission {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        self.check("", &mut errors);
        finish(errors)
    }
}

/// Replaces all of one channel's permissions; an empty list removes them all.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkSetPermissions {
    pub channel: String,
    pub permissions: Vec<CreatePermission>,
}

impl Validate for BulkSetPermissions {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.permissions.len() > MAX_BULK {
            errors.push(err("permissions", format!("at most {MAX_BULK} entries")));
        }
        let mut seen = BTreeSet::new();
        for (i, p) in self.permissions.iter().enumerate() {
            p.check(&format!("permissions[{i}]."), &mut errors);
            if !seen.insert(p.target.trim()) {
                errors.push(err(&format!("permissions[{i}].target"), "is listed twice"));
            }
        }
        finish(errors)
    }
}
