//! `/v1/skills/agents/{agent_id}/…`: which skills an agent may load, its prompt manifest, and the
//! gated content endpoint behind the runtime's `load_skill` tool. Any credential of the tenant
//! reads (an agent only its own routes); users, or the agent itself, grant and revoke.

use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kit::{ApiError, Platform, TenantContext, TokenKind};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::config::AgentConfig;
use crate::domain::{skill_doc, skill_library};
use crate::flows::access::open_agent;
use crate::store::skill_grants::{self, GrantedSkill};
use crate::store::skills::{self, Skill};

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(manifest))
        .routes(routes!(revoke))
        .routes(routes!(grant))
        .routes(routes!(content))
        .routes(routes!(files))
}

/// A skill granted to an agent (contract `SkillGrantResponse`, plus `slug` and `name`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SkillGrantResponse {
    pub id: String,
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
    fn new(s: Skill, granted_by: String, granted_at: i64) -> Self {
        Self {
            id: s.id,
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
    pub id: String,
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

/// Changing grants is for users, or for the agent itself on its own routes.
fn require_writer(ctx: &TenantContext) -> Result<(), ApiError> {
    match ctx.kind() {
        TokenKind::User | TokenKind::Agent => Ok(()),
        TokenKind::Service => Err(ApiError::forbidden(
            "granting skills is for users and agents",
        )),
    }
}

/// The skills granted to the agent (enabled or not).
#[utoipa::path(get, path = "/v1/skills/agents/{agent_id}", tag = "skills",
    responses((status = 200, body = [SkillGrantResponse]), (status = 404)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<Vec<SkillGrantResponse>>, ApiError> {
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let granted = skill_grants::list(&mut tx, &agent_id, false).await?;
    tx.commit().await?;
    Ok(Json(granted.into_iter().map(Into::into).collect()))
}

/// The compact list of what the agent can load now (granted and enabled), for its prompt.
/// A tenant skill shadows a global one with the same slug.
#[utoipa::path(get, path = "/v1/skills/agents/{agent_id}/manifest", tag = "skills",
    responses((status = 200, body = ManifestResponse), (status = 404)))]
async fn manifest(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<ManifestResponse>, ApiError> {
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let mut granted = skill_grants::list(&mut tx, &agent_id, true).await?;
    tx.commit().await?;
    // Sorted by slug with the tenant's row first, so dropping repeats keeps the tenant's.
    granted.dedup_by(|later, first| later.skill.slug == first.skill.slug);
    let lines: Vec<_> = granted
        .iter()
        .map(|g| {
            let s = &g.skill;
            (s.slug.as_str(), s.description.as_str(), s.has_files)
        })
        .collect();
    let manifest_text = skill_doc::manifest_text(&lines);
    let skills = granted
        .into_iter()
        .map(|g| ManifestEntry {
            id: g.skill.id,
            slug: g.skill.slug,
            description: g.skill.description,
            tags: g.skill.tags.0,
        })
        .collect();
    Ok(Json(ManifestResponse {
        skills,
        manifest_text,
    }))
}

/// Grants the agent a skill (the tenant's or a global one). Idempotent; the caller is recorded
/// as `granted_by` (a `granted_by` in the body, which the reference took, is ignored).
#[utoipa::path(post, path = "/v1/skills/agents/{agent_id}/{skill_id}/grant", tag = "skills",
    responses((status = 200, body = SkillGrantResponse), (status = 403), (status = 404)))]
async fn grant(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((agent_id, skill_id)): Path<(String, String)>,
) -> Result<Json<SkillGrantResponse>, ApiError> {
    require_writer(&ctx)?;
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let skill = skills::require(&mut tx, &skill_id).await?;
    let now = crate::store::now_ms();
    let (by, at) = skill_grants::grant(&mut tx, &agent_id, &skill.id, ctx.subject(), now).await?;
    tx.commit().await?;
    Ok(Json(SkillGrantResponse::new(skill, by, at)))
}

/// Revokes the agent's grant (idempotent: revoking twice answers the same).
#[utoipa::path(delete, path = "/v1/skills/agents/{agent_id}/{skill_id}", tag = "skills",
    responses((status = 200, description = "`{\"revoked\": id, \"agent_id\": id}`"),
        (status = 403), (status = 404)))]
async fn revoke(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((agent_id, skill_id)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    require_writer(&ctx)?;
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let skill = skills::require(&mut tx, &skill_id).await?;
    skill_grants::revoke(&mut tx, &agent_id, &skill.id).await?;
    tx.commit().await?;
    Ok(Json(
        serde_json::json!({ "revoked": skill.id, "agent_id": agent_id }),
    ))
}

/// A skill the agent may load now: 404 unknown, 409 `skill_disabled`, 403 `skill_not_granted`.
async fn loadable(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    skill_id: &str,
) -> Result<Skill, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let skill = skills::require(&mut tx, skill_id).await?;
    let granted = skill_grants::is_granted(&mut tx, &agent_id, &skill.id).await?;
    tx.commit().await?;
    if !skill.enabled {
        return Err(ApiError::conflict(
            "skill_disabled",
            format!("skill `{}` is disabled", skill.slug),
        ));
    }
    if !granted {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "skill_not_granted",
            format!("this agent has not been granted skill `{}`", skill.slug),
        ));
    }
    Ok(skill)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FileQuery {
    /// A companion file inside the skill's folder (`references/checklist.md`); omit for the
    /// skill's own text.
    pub file: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SkillContent {
    pub id: String,
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

/// What `load_skill` returns: the skill's text, or one of its companion files with `?file=`.
#[utoipa::path(get, path = "/v1/skills/agents/{agent_id}/{skill_id}/content", tag = "skills",
    params(FileQuery),
    responses((status = 200, body = SkillContent), (status = 400), (status = 403),
        (status = 404), (status = 409)))]
async fn content(
    State(platform): State<Platform>,
    State(config): State<Arc<AgentConfig>>,
    ctx: TenantContext,
    Path((agent_id, skill_id)): Path<(String, String)>,
    Query(q): Query<FileQuery>,
) -> Result<Json<SkillContent>, ApiError> {
    let skill = loadable(&platform, &ctx, &agent_id, &skill_id).await?;
    let Some(file) = q.file.filter(|f| !f.is_empty()) else {
        return Ok(Json(SkillContent {
            id: skill.id,
            slug: skill.slug,
            description: skill.description,
            content: skill.content,
            file: None,
            tags: Some(skill.tags.0),
            has_files: Some(skill.has_files),
        }));
    };
    if !skill.is_global || !skill.has_files {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "skill_file_not_found",
            format!("skill `{}` has no companion files", skill.slug),
        ));
    }
    let (dir, slug, name) = (config.skills_dir.clone(), skill.slug.clone(), file.clone());
    let text =
        tokio::task::spawn_blocking(move || skill_library::read_companion(&dir, &slug, &name))
            .await
            .map_err(ApiError::internal)??;
    Ok(Json(SkillContent {
        id: skill.id,
        slug: skill.slug,
        description: skill.description,
        content: text,
        file: Some(file),
        tags: None,
        has_files: None,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SkillFiles {
    pub id: String,
    pub slug: String,
    pub files: Vec<String>,
}

/// The companion files `?file=` can load (relative paths; empty for tenant skills).
#[utoipa::path(get, path = "/v1/skills/agents/{agent_id}/{skill_id}/files", tag = "skills",
    responses((status = 200, body = SkillFiles), (status = 403), (status = 404), (status = 409)))]
async fn files(
    State(platform): State<Platform>,
    State(config): State<Arc<AgentConfig>>,
    ctx: TenantContext,
    Path((agent_id, skill_id)): Path<(String, String)>,
) -> Result<Json<SkillFiles>, ApiError> {
    let skill = loadable(&platform, &ctx, &agent_id, &skill_id).await?;
    let files = if skill.is_global && skill.has_files {
        let folder = config.skills_dir.join(&skill.slug);
        tokio::task::spawn_blocking(move || skill_library::companion_files(&folder))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?
    } else {
        Vec::new()
    };
    Ok(Json(SkillFiles {
        id: skill.id,
        slug: skill.slug,
        files,
    }))
}
