//! `/v1/skills/`: the skill library — the tenant's own skills plus the global ones from the
//! repository's skills/ folder (spec §2.7; contract §1.3, §10). Any credential of the tenant
//! reads; users write, and only the tenant's own skills (global ones answer 403).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use kit::auth::scope::UserOnly;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::skill_doc::{self, check_tags};
use crate::domain::validate::{self, MAX_DOCUMENT, MAX_NAME, MAX_TEXT, finish};
use crate::store::{self, skill_grants, skills::NewSkill, skills::Skill, skills::SkillPatch};

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(parse))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(set_enabled))
}

/// Single-segment paths under /v1/skills/ that are (or were, in the reference) endpoints: a skill
/// with such a slug could not be addressed by it.
const RESERVED_SLUGS: [&str; 4] = ["parse", "extract", "github-import", "generate"];

/// A skill as the reference returned it (`id`, `description`, `tags`, …) plus `slug`, `name` and
/// `is_global`. Paths accept the id or the slug.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SkillResponse {
    pub id: String,
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
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<Skill> for SkillResponse {
    fn from(s: Skill) -> Self {
        Self {
            id: s.id,
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

fn yes() -> bool {
    true
}

impl CreateSkillRequest {
    fn slug(&self) -> Option<String> {
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

/// Shown in agents' prompts, so required; it may run over several lines.
fn check_description(description: &str, errors: &mut Vec<FieldError>) {
    if description.trim().is_empty() {
        errors.push(validate::err("description", "must not be empty"));
    }
    validate::text("description", Some(description), MAX_TEXT, errors);
}

fn check_content(content: Option<&str>, errors: &mut Vec<FieldError>) {
    if content.is_some_and(|c| c.trim().is_empty()) {
        errors.push(validate::err("content", "must not be empty"));
    }
    validate::text("content", content, MAX_DOCUMENT, errors);
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

/// The tenant's skills and the global library, by slug.
#[utoipa::path(get, path = "/v1/skills/", tag = "skills",
    responses((status = 200, body = [SkillResponse])))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
) -> Result<Json<Vec<SkillResponse>>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let skills = store::skills::list(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(skills.into_iter().map(Into::into).collect()))
}

/// Creates a tenant skill; an agent-scoped one is granted to its owner in the same transaction.
#[utoipa::path(post, path = "/v1/skills/", tag = "skills", request_body = CreateSkillRequest,
    responses((status = 200, body = SkillResponse), (status = 404), (status = 409), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    ValidJson(body): ValidJson<CreateSkillRequest>,
) -> Result<Json<SkillResponse>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    if let Some(owner) = &body.owner_agent_id {
        store::agents::require(&mut tx, owner).await?;
    }
    let new = NewSkill {
        slug: body.slug().unwrap_or_default(),
        name: body.name.trim().to_owned(),
        description: body.description.trim().to_owned(),
        tags: body.tags.iter().map(|t| t.trim().to_owned()).collect(),
        content: body.content,
        enabled: body.enabled,
        owner_agent_id: body.owner_agent_id,
        created_by: ctx.subject().to_owned(),
    };
    let now = store::now_ms();
    let skill = store::skills::insert(&mut tx, &new, now).await?;
    if let Some(owner) = &skill.owner_agent_id {
        skill_grants::grant(&mut tx, owner, &skill.id, ctx.subject(), now).await?;
    }
    tx.commit().await?;
    Ok(Json(skill.into()))
}

/// One skill by id (`skl_…`) or slug.
#[utoipa::path(get, path = "/v1/skills/{skill_id}", tag = "skills",
    responses((status = 200, body = SkillResponse), (status = 404)))]
async fn get_one(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(skill_id): Path<String>,
) -> Result<Json<SkillResponse>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let skill = store::skills::require(&mut tx, &skill_id).await?;
    tx.commit().await?;
    Ok(Json(skill.into()))
}

/// Changes the given fields of one of the tenant's skills; 403 `global_read_only` for a global one.
#[utoipa::path(put, path = "/v1/skills/{skill_id}", tag = "skills",
    request_body = UpdateSkillRequest,
    responses((status = 200, body = SkillResponse), (status = 403), (status = 404), (status = 422)))]
async fn update(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(skill_id): Path<String>,
    ValidJson(body): ValidJson<UpdateSkillRequest>,
) -> Result<Json<SkillResponse>, ApiError> {
    let patch = SkillPatch {
        description: body.description.map(|d| d.trim().to_owned()),
        tags: body
            .tags
            .map(|t| t.iter().map(|x| x.trim().to_owned()).collect()),
        content: body.content,
        enabled: body.enabled,
    };
    apply(&platform, &ctx, &skill_id, &patch).await.map(Json)
}

async fn apply(
    platform: &Platform,
    ctx: &TenantContext,
    skill_id: &str,
    patch: &SkillPatch,
) -> Result<SkillResponse, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let skill = store::skills::require_own(&mut tx, skill_id).await?;
    let skill = store::skills::update(&mut tx, &skill.id, patch, store::now_ms()).await?;
    tx.commit().await?;
    Ok(skill.into())
}

/// Deletes one of the tenant's skills and every grant of it.
#[utoipa::path(delete, path = "/v1/skills/{skill_id}", tag = "skills",
    responses((status = 200, description = "`{\"deleted\": id}`"), (status = 403), (status = 404)))]
async fn delete(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(skill_id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let skill = store::skills::require_own(&mut tx, &skill_id).await?;
    store::skills::delete(&mut tx, &skill.id).await?;
    tx.commit().await?;
    Ok(Json(serde_json::json!({ "deleted": skill.id })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EnabledQuery {
    pub enabled: bool,
}

/// Switches one of the tenant's skills on or off for every agent (`?enabled=true|false`).
#[utoipa::path(patch, path = "/v1/skills/{skill_id}/enabled", tag = "skills",
    params(EnabledQuery),
    responses((status = 200, body = SkillResponse), (status = 403), (status = 404), (status = 422)))]
async fn set_enabled(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(skill_id): Path<String>,
    query: Result<Query<EnabledQuery>, QueryRejection>,
) -> Result<Json<SkillResponse>, ApiError> {
    let Query(q) = query.map_err(|e| validate::field_error("enabled", e.body_text()))?;
    let patch = SkillPatch {
        enabled: Some(q.enabled),
        ..SkillPatch::default()
    };
    apply(&platform, &ctx, &skill_id, &patch).await.map(Json)
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

/// Checks a SKILL.md document (frontmatter `name`, `description`, `tags`, `enabled` + body).
#[utoipa::path(post, path = "/v1/skills/parse", tag = "skills", request_body = ParseSkillRequest,
    responses((status = 200, body = ParseSkillResponse), (status = 422)))]
async fn parse(
    State(platform): State<Platform>,
    ctx: TenantContext,
    ValidJson(body): ValidJson<ParseSkillRequest>,
) -> Result<Json<ParseSkillResponse>, ApiError> {
    let raw = body.raw.unwrap_or_default();
    let (doc, error) = match skill_doc::parse(&raw) {
        Ok(doc) => (Some(doc), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let doc = doc.unwrap_or_default();
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let name_conflict =
        !doc.slug.is_empty() && store::skills::slug_taken(&mut tx, &doc.slug).await?;
    tx.commit().await?;
    Ok(Json(ParseSkillResponse {
        valid: error.is_none(),
        error,
        content: doc.content,
        name: doc.slug,
        description: doc.description,
        tags: doc.tags,
        enabled: doc.enabled,
        name_conflict,
    }))
}
