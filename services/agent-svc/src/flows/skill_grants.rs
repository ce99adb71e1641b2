//! `/v1/skills/agents/{agent_id}/…`: which skills an agent may load, its prompt manifest, and the
//! gated content endpoint behind the runtime's `load_skill` tool. Any credential of the tenant
//! reads (an agent only its own routes); users, or the agent itself, grant and revoke.
//! The use cases behind `routes::skill_grants`.

use std::sync::Arc;

use axum::http::StatusCode;
use kit::{ApiError, Platform, TenantContext, TokenKind};

use crate::api::skill_grants::{
    FileQuery, ManifestEntry, ManifestResponse, SkillContent, SkillFiles, SkillGrantResponse,
};
use crate::config::AgentConfig;
use crate::domain::skill_doc;
use crate::flows::access::open_agent;
use crate::store::skill_grants;
use crate::store::skill_library;
use crate::store::skills::{self, Skill};

/// The skills granted to the agent (enabled or not).
pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
) -> Result<Vec<SkillGrantResponse>, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_id).await?;
    let granted = skill_grants::list(&mut tx, &agent_id, false).await?;
    tx.commit().await?;
    Ok(granted.into_iter().map(Into::into).collect())
}

/// The compact list of what the agent can load now (granted and enabled), for its prompt.
/// A tenant skill shadows a global one with the same slug.
pub async fn manifest(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
) -> Result<ManifestResponse, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_id).await?;
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
            id: g.skill.slug.clone(),
            skill_id: g.skill.id,
            slug: g.skill.slug,
            description: g.skill.description,
            tags: g.skill.tags.0,
        })
        .collect();
    Ok(ManifestResponse {
        skills,
        manifest_text,
    })
}

/// Grants the agent a skill (the tenant's or a global one). Idempotent; the caller is recorded
/// as `granted_by` (a `granted_by` in the body, which the reference took, is ignored).
pub async fn grant(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
    skill_id: &str,
) -> Result<SkillGrantResponse, ApiError> {
    require_writer(ctx)?;
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_id).await?;
    let skill = skills::require(&mut tx, skill_id).await?;
    let now = crate::store::now_ms();
    let (by, at) = skill_grants::grant(&mut tx, &agent_id, &skill.id, ctx.subject(), now).await?;
    tx.commit().await?;
    Ok(SkillGrantResponse::new(skill, by, at))
}

/// Revokes the agent's grant (idempotent: revoking twice answers the same).
pub async fn revoke(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
    skill_id: &str,
) -> Result<serde_json::Value, ApiError> {
    require_writer(ctx)?;
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_id).await?;
    let skill = skills::require(&mut tx, skill_id).await?;
    skill_grants::revoke(&mut tx, &agent_id, &skill.id).await?;
    tx.commit().await?;
    Ok(serde_json::json!({ "revoked": skill.id, "agent_id": agent_id }))
}

/// What `load_skill` returns: the skill's text, or one of its companion files with `?file=`.
pub async fn content(
    platform: &Platform,
    config: &Arc<AgentConfig>,
    ctx: &TenantContext,
    agent_id: &str,
    skill_id: &str,
    q: FileQuery,
) -> Result<SkillContent, ApiError> {
    let skill = loadable(platform, ctx, agent_id, skill_id).await?;
    let Some(file) = q.file.filter(|f| !f.is_empty()) else {
        return Ok(SkillContent {
            id: skill.slug.clone(),
            skill_id: skill.id,
            slug: skill.slug,
            description: skill.description,
            content: skill.content,
            file: None,
            tags: Some(skill.tags.0),
            has_files: Some(skill.has_files),
        });
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
    Ok(SkillContent {
        id: skill.slug.clone(),
        skill_id: skill.id,
        slug: skill.slug,
        description: skill.description,
        content: text,
        file: Some(file),
        tags: None,
        has_files: None,
    })
}

/// The companion files `?file=` can load (relative paths; empty for tenant skills).
pub async fn files(
    platform: &Platform,
    config: &Arc<AgentConfig>,
    ctx: &TenantContext,
    agent_id: &str,
    skill_id: &str,
) -> Result<SkillFiles, ApiError> {
    let skill = loadable(platform, ctx, agent_id, skill_id).await?;
    let files = if skill.is_global && skill.has_files {
        let folder = config.skills_dir.join(&skill.slug);
        tokio::task::spawn_blocking(move || skill_library::companion_files(&folder))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?
    } else {
        Vec::new()
    };
    Ok(SkillFiles {
        id: skill.slug.clone(),
        skill_id: skill.id,
        slug: skill.slug,
        files,
    })
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
    if skill.approval_status != "approved" {
        return Err(ApiError::conflict(
            "skill_not_approved",
            format!(
                "skill `{}` is {} (an administrator approves it first)",
                skill.slug, skill.approval_status
            ),
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
