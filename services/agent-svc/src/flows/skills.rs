//! `/v1/skills/`: the skill library — the tenant's own skills plus the global ones from the
//! repository's skills/ folder (spec §2.7; contract §1.3, §10). Any credential of the tenant
//! reads; users write, and only the tenant's own skills (global ones answer 403).
//! The use cases behind `routes::skills`.

use kit::{ApiError, Platform, TenantContext};

use crate::api::skills::{
    CreateSkillRequest, ParseSkillRequest, ParseSkillResponse, SkillResponse, UpdateSkillRequest,
};
use crate::domain::skill_doc;
use crate::store::{self, skill_grants, skills::NewSkill, skills::SkillPatch};

/// The tenant's skills and the global library, by slug.
pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
) -> Result<Vec<SkillResponse>, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let skills = store::skills::list(&mut tx).await?;
    tx.commit().await?;
    Ok(skills.into_iter().map(Into::into).collect())
}

/// Creates a tenant skill; an agent-scoped one is granted to its owner in the same transaction.
/// An administrator's skill is approved at once; a member's waits for an administrator.
pub async fn create(
    platform: &Platform,
    ctx: &TenantContext,
    admin: bool,
    body: CreateSkillRequest,
) -> Result<SkillResponse, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
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
        approval_status: if admin { "approved" } else { "pending" },
    };
    let now = store::now_ms();
    let skill = store::skills::insert(&mut tx, &new, now).await?;
    if let Some(owner) = &skill.owner_agent_id {
        skill_grants::grant(&mut tx, owner, &skill.id, ctx.subject(), now).await?;
    }
    tx.commit().await?;
    Ok(skill.into())
}

/// One skill by id (`skl_…`) or slug.
pub async fn get_one(
    platform: &Platform,
    ctx: &TenantContext,
    skill_id: &str,
) -> Result<SkillResponse, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let skill = store::skills::require(&mut tx, skill_id).await?;
    tx.commit().await?;
    Ok(skill.into())
}

/// Deletes one of the tenant's skills and every grant of it.
pub async fn delete(
    platform: &Platform,
    ctx: &TenantContext,
    skill_id: &str,
) -> Result<serde_json::Value, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let skill = store::skills::require_own(&mut tx, skill_id).await?;
    store::skills::delete(&mut tx, &skill.id).await?;
    tx.commit().await?;
    Ok(serde_json::json!({ "deleted": skill.id }))
}

/// Checks a SKILL.md document (frontmatter `name`, `description`, `tags`, `enabled` + body).
pub async fn parse(
    platform: &Platform,
    ctx: &TenantContext,
    body: ParseSkillRequest,
) -> Result<ParseSkillResponse, ApiError> {
    let raw = body.raw.unwrap_or_default();
    let (doc, error) = match skill_doc::parse(&raw) {
        Ok(doc) => (Some(doc), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let doc = doc.unwrap_or_default();
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let name_conflict =
        !doc.slug.is_empty() && store::skills::slug_taken(&mut tx, &doc.slug).await?;
    tx.commit().await?;
    Ok(ParseSkillResponse {
        valid: error.is_none(),
        error,
        content: doc.content,
        name: doc.slug,
        description: doc.description,
        tags: doc.tags,
        enabled: doc.enabled,
        name_conflict,
    })
}

/// Changes the given fields of one of the tenant's skills; 403 `global_read_only` for a global one.
/// What agents would read changes (description, tags, content): from a member, the skill goes
/// back to `pending`, so an approved skill cannot be rewritten past the administrators.
pub async fn update(
    platform: &Platform,
    ctx: &TenantContext,
    admin: bool,
    skill_id: &str,
    body: UpdateSkillRequest,
) -> Result<SkillResponse, ApiError> {
    let rewrites = body.description.is_some() || body.tags.is_some() || body.content.is_some();
    let patch = SkillPatch {
        back_to_approval: rewrites && !admin,
        description: body.description.map(|d| d.trim().to_owned()),
        tags: body
            .tags
            .map(|t| t.iter().map(|x| x.trim().to_owned()).collect()),
        content: body.content,
        enabled: body.enabled,
    };
    apply(platform, ctx, skill_id, &patch).await
}

/// Switches one of the tenant's skills on or off for every agent.
pub async fn set_enabled(
    platform: &Platform,
    ctx: &TenantContext,
    skill_id: &str,
    enabled: bool,
) -> Result<SkillResponse, ApiError> {
    let patch = SkillPatch {
        enabled: Some(enabled),
        ..SkillPatch::default()
    };
    apply(platform, ctx, skill_id, &patch).await
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
