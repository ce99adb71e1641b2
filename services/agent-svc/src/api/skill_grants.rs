//! Request and response types of the routes in `routes::skill_grants`.

use serde::{Deserialize, Serialize};

use crate::store::skill_grants::GrantedSkill;
use crate::store::skills::Skill;

/// A skill granted to an agent (contract `SkillGrantResponse`, plus `slug` and `name`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SkillGrantResponse {
    /// The skill's slug: the contract's id, which the dashboard titles skills with and puts in
    /// grant and revoke URLs. Every path takes it (or `skill_id`).
    pub id: String,
    /// The internal id (`skl_…`), kept across reseeds of the library.
    pub skill_id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub enabled: bool,
    pub scope: String,
    pub owner_agent_id: Option<String>,
    pub is_global: bool,
    pub granted_by: String,
    pub granted_at: i64,
}

impl SkillGrantResponse {
    pub fn new(s: Skill, granted_by: String, granted_at: i64) -> Self {
        Self {
            id: s.slug.clone(),
            skill_id: s.id,
            slug: s.slug,
            name: s.name,
            description: s.description,
            tags: s.tags.0,
            enabled: s.enabled,
            scope: s.scope,
            owner_agent_id: s.owner_agent_id,
            is_global: s.is_global,
            granted_by,
            granted_at,
        }
    }
}

impl From<GrantedSkill> for SkillGrantResponse {
    fn from(g: GrantedSkill) -> Self {
        Self::new(g.skill, g.granted_by, g.granted_at)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ManifestEntry {
    /// The skill's slug (the contract's id).
    pub id: String,
    /// The internal id (`skl_…`).
    pub skill_id: String,
    /// What the agent passes to `load_skill`.
    pub slug: String,
    pub description: String,
    pub tags: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ManifestResponse {
    pub skills: Vec<ManifestEntry>,
    /// The `# SKILLS` block for the system prompt; empty when the agent has no skills.
    pub manifest_text: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FileQuery {
    /// A companion file inside the skill's folder (`references/checklist.md`); omit for the
    /// skill's own text.
    pub file: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SkillContent {
    /// The skill's slug: the contract's id, which the dashboard titles skills with and puts in
    /// grant and revoke URLs. Every path takes it (or `skill_id`).
    pub id: String,
    /// The internal id (`skl_…`), kept across reseeds of the library.
    pub skill_id: String,
    pub slug: String,
    pub description: String,
    pub content: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_files: Option<bool>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SkillFiles {
    /// The skill's slug: the contract's id, which the dashboard titles skills with and puts in
    /// grant and revoke URLs. Every path takes it (or `skill_id`).
    pub id: String,
    /// The internal id (`skl_…`), kept across reseeds of the library.
    pub skill_id: String,
    pub slug: String,
    pub files: Vec<String>,
}
