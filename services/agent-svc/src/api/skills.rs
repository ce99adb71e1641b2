//! Request and response types of the routes in `routes::skills`.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::skill_doc::{self, check_tags};
use crate::domain::validate::{self, MAX_DOCUMENT, MAX_NAME, MAX_TEXT, finish};
use crate::store::skills::Skill;

/// A skill as the reference returned it (`id`, `description`, `tags`, …) plus `slug`, `name` and
/// `is_global`. Paths accept the id or the slug.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SkillResponse {
    /// The skill's slug: the contract's id, which the dashboard titles skills with and puts in
    /// grant and revoke URLs. Every path takes it (or `skill_id`).
    pub id: String,
    /// The internal id (`skl_…`), kept across reseeds of the library.
    pub skill_id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub content: String,
    pub enabled: bool,
    /// `global` (any agent it is granted to) or `agent` (owned by `owner_agent_id`).
    pub scope: String,
    pub owner_agent_id: Option<String>,
    pub has_files: bool,
    /// True for the platform's skills: read-only for tenants.
    pub is_global: bool,
    pub created_by: String,
    /// `pending` (written by a member: no agent loads it until an administrator approves it),
    /// `approved` or `rejected`.
    pub approval_status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<Skill> for SkillResponse {
    fn from(s: Skill) -> Self {
        Self {
            id: s.slug.clone(),
            skill_id: s.id,
            slug: s.slug,
            name: s.name,
            description: s.description,
            tags: s.tags.0,
            content: s.content,
            enabled: s.enabled,
            scope: s.scope,
            owner_agent_id: s.owner_agent_id,
            has_files: s.has_files,
            is_global: s.is_global,
            created_by: s.created_by,
            approval_status: s.approval_status,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSkillRequest {
    pub name: String,
    /// Lower-case letters, digits and hyphens; made from `name` when absent. Unique among the
    /// tenant's skills and the global ones (409 `skill_exists`).
    pub slug: Option<String>,
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub content: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// `global` (default) or `agent`; `agent` needs `owner_agent_id`.
    pub scope: Option<String>,
    /// The agent that owns the skill; it is granted the skill at once.
    pub owner_agent_id: Option<String>,
    /// Companion files exist only for global skills; accepted as `false` for compatibility.
    #[serde(default)]
    pub has_files: bool,
}

impl CreateSkillRequest {
    pub fn slug(&self) -> Option<String> {
        match &self.slug {
            Some(slug) => Some(slug.clone()),
            None => skill_doc::slug_for(&self.name),
        }
    }
}

impl Validate for CreateSkillRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        validate::name("name", &self.name, MAX_NAME, &mut errors);
        match self.slug() {
            Some(slug) if RESERVED_SLUGS.contains(&slug.as_str()) => {
                errors.push(validate::err("slug", format!("`{slug}` is reserved")));
            }
            Some(slug) => validate::slug("slug", &slug, &mut errors),
            None => errors.push(validate::err(
                "name",
                "must contain a letter or digit (or give a `slug`)",
            )),
        }
        check_description(&self.description, &mut errors);
        check_content(Some(&self.content), &mut errors);
        check_tags("tags", &self.tags, &mut errors);
        match (self.scope.as_deref(), &self.owner_agent_id) {
            (None | Some("global"), None) | (None | Some("agent"), Some(_)) => {}
            (Some("agent"), None) => {
                errors.push(validate::err(
                    "owner_agent_id",
                    "required for scope `agent`",
                ));
            }
            (Some("global"), Some(_)) => errors.push(validate::err(
                "owner_agent_id",
                "must be absent for scope `global`",
            )),
            (Some(_), _) => errors.push(validate::err("scope", "must be `global` or `agent`")),
        }
        if self.has_files {
            errors.push(validate::err(
                "has_files",
                "companion files are available only for global skills",
            ));
        }
        finish(errors)
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSkillRequest {
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
    pub content: Option<String>,
    pub enabled: Option<bool>,
}

impl Validate for UpdateSkillRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(d) = &self.description {
            check_description(d, &mut errors);
        }
        check_content(self.content.as_deref(), &mut errors);
        if let Some(tags) = &self.tags {
            check_tags("tags", tags, &mut errors);
        }
        finish(errors)
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EnabledQuery {
    pub enabled: bool,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParseSkillRequest {
    /// A whole SKILL.md document.
    pub raw: Option<String>,
    /// Not supported here (agent-svc does not fetch from the network); answers 422.
    pub url: Option<String>,
}

impl Validate for ParseSkillRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        match (&self.raw, &self.url) {
            (None, Some(_)) => errors.push(validate::err(
                "url",
                "fetching a URL is not supported; send the document as `raw`",
            )),
            (None, None) => errors.push(validate::err("raw", "required")),
            (Some(raw), _) => {
                validate::text("raw", Some(raw), MAX_DOCUMENT + 16 * 1024, &mut errors)
            }
        }
        finish(errors)
    }
}

/// What a SKILL.md would become: `valid: false` with `error` when it cannot be used as it is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ParseSkillResponse {
    pub content: String,
    /// The slug the skill would get.
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub enabled: bool,
    /// The tenant or the global library already has a skill with this slug.
    pub name_conflict: bool,
    pub valid: bool,
    pub error: Option<String>,
}

/// Single-segment paths under /v1/skills/ that are (or were, in the reference) endpoints: a skill
/// with such a slug could not be addressed by it.
pub const RESERVED_SLUGS: [&str; 4] = ["parse", "extract", "github-import", "generate"];

pub fn yes() -> bool {
    true
}

/// Shown in agents' prompts, so required; it may run over several lines.
pub fn check_description(description: &str, errors: &mut Vec<FieldError>) {
    if description.trim().is_empty() {
        errors.push(validate::err("description", "must not be empty"));
    }
    validate::text("description", Some(description), MAX_TEXT, errors);
}

pub fn check_content(content: Option<&str>, errors: &mut Vec<FieldError>) {
    if content.is_some_and(|c| c.trim().is_empty()) {
        errors.push(validate::err("content", "must not be empty"));
    }
    validate::text("content", content, MAX_DOCUMENT, errors);
}
