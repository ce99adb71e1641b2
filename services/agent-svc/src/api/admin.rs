//! Request and response types of the `/v1/admin` routes agent-svc serves (`routes::admin`):
//! skill approvals and secrets granted to users.

use serde::Serialize;

use crate::store::skills::Skill;

/// Something waiting for an administrator's decision (contract `PendingApprovalItem`). Only
/// skills today; MCP servers join when mcp-svc serves them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PendingApprovalItem {
    /// The skill's slug (what `PATCH /v1/admin/skills/{skill_id}/approve` takes).
    pub id: String,
    /// `skill`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    pub description: String,
    pub submitted_by_user_id: Option<String>,
    pub created_at: i64,
}

impl From<Skill> for PendingApprovalItem {
    fn from(s: Skill) -> Self {
        Self {
            id: s.slug,
            kind: "skill",
            name: s.name,
            description: s.description,
            submitted_by_user_id: Some(s.created_by),
            created_at: s.created_at,
        }
    }
}

/// `{"status": "approved" | "rejected", "id": <slug>}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Decision {
    pub status: &'static str,
    pub id: String,
}

/// `{"status": "granted", "secretId", "userId"}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserGrant {
    pub status: &'static str,
    pub secret_id: String,
    pub user_id: String,
}
