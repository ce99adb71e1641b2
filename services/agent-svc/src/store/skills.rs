//! SQL of `agent.skills`: the tenant's own skills plus the global library (tenant_id null), which
//! tenants read but never write (RLS, migration 0011). Writes here touch the tenant's own rows
//! only; the catalog seeder is the one writer of global rows. The table-agnostic part (lookups
//! that let a tenant's row shadow a global one, seeding) is `kit::db::catalog`.

use axum::http::StatusCode;
use kit::ApiError;
use kit::db::TenantTx;
use kit::db::catalog::{Catalog, SeedReport};
use kit::error::OnConstraint;
use serde_json::json;
use sqlx::types::Json;
use sqlx::{FromRow, PgPool};

use crate::store::skill_library::LibrarySkill;

#[derive(Debug, Clone, FromRow)]
pub struct Skill {
    pub id: String,
    pub is_global: bool,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub tags: Json<Vec<String>>,
    pub content: String,
    pub enabled: bool,
    pub scope: String,
    pub owner_agent_id: Option<String>,
    pub has_files: bool,
    pub created_by: String,
    /// `pending` (written by a member, not loadable yet), `approved` or `rejected`.
    pub approval_status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub const COLUMNS: &str = "id, is_global, slug, name, description, tags, content, enabled, \
    scope, owner_agent_id, has_files, created_by, approval_status, created_at, updated_at";

/// `agent.skills` as a global catalog: named by slug, ids `skl_…`.
pub const SKILLS: Catalog = Catalog {
    table: "agent.skills",
    key: "slug",
    id_prefix: "skl_",
    columns: COLUMNS,
};

pub fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "skill_not_found", "skill not found")
}

fn global_read_only() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "global_read_only",
        "global skills are read-only; create a skill of your own instead",
    )
}

fn skill_exists(slug: &str) -> ApiError {
    ApiError::conflict(
        "skill_exists",
        format!("a skill with slug `{slug}` already exists"),
    )
}

/// The tenant's skills and the global ones, by slug (the tenant's first when both have one).
pub async fn list(tx: &mut TenantTx) -> Result<Vec<Skill>, ApiError> {
    let all = SKILLS
        .list::<Skill>(tx, "slug, tenant_id is null, id", i64::MAX, 0)
        .await?;
    Ok(all.into_iter().map(|v| v.row).collect())
}

/// A skill the tenant can see, by id (`skl_…`) or by slug as the reference's clients send it.
/// Slugs never contain `_`, so the two cannot be confused; a tenant's skill shadows a global one
/// of the same slug (possible only when the global one was added later).
pub async fn find(tx: &mut TenantTx, key: &str) -> Result<Option<Skill>, ApiError> {
    Ok(SKILLS.find::<Skill>(tx, key).await?.map(|v| v.row))
}

pub async fn require(tx: &mut TenantTx, key: &str) -> Result<Skill, ApiError> {
    find(tx, key).await?.ok_or_else(not_found)
}

/// A skill the tenant may change: 404 when unknown, 403 `global_read_only` for a global one.
pub async fn require_own(tx: &mut TenantTx, key: &str) -> Result<Skill, ApiError> {
    SKILLS
        .find::<Skill>(tx, key)
        .await?
        .ok_or_else(not_found)?
        .writable(global_read_only)
}

/// Whether the slug is taken in the tenant's view (its own skills or the global library).
pub async fn slug_taken(tx: &mut TenantTx, slug: &str) -> Result<bool, ApiError> {
    Ok(SKILLS.key_taken(tx, slug).await?)
}

/// A new tenant skill; the row fills in id and times.
#[derive(Debug, Clone)]
pub struct NewSkill {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub content: String,
    pub enabled: bool,
    pub owner_agent_id: Option<String>,
    pub created_by: String,
    /// `approved` when an administrator writes it, `pending` otherwise.
    pub approval_status: &'static str,
}

/// 409 `skill_exists` when the tenant or the global library already has the slug.
pub async fn insert(tx: &mut TenantTx, new: &NewSkill, now: i64) -> Result<Skill, ApiError> {
    if slug_taken(tx, &new.slug).await? {
        return Err(skill_exists(&new.slug));
    }
    let tenant = tx.tenant().to_string();
    let scope = if new.owner_agent_id.is_some() {
        "agent"
    } else {
        "global"
    };
    sqlx::query_as(&format!(
        "insert into agent.skills (id, tenant_id, is_global, slug, name, description, tags,
             content, enabled, scope, owner_agent_id, has_files, created_by, approval_status,
             created_at, updated_at)
         values ($1, $2, false, $3, $4, $5, $6, $7, $8, $9, $10, false, $11, $13, $12, $12)
         returning {COLUMNS}"
    ))
    .bind(SKILLS.new_id())
    .bind(tenant)
    .bind(&new.slug)
    .bind(&new.name)
    .bind(&new.description)
    .bind(Json(&new.tags))
    .bind(&new.content)
    .bind(new.enabled)
    .bind(scope)
    .bind(&new.owner_agent_id)
    .bind(&new.created_by)
    .bind(now)
    .bind(new.approval_status)
    .fetch_one(&mut **tx)
    .await
    // Two concurrent creates of one slug: the second meets the unique constraint.
    .on_constraint("skills_tenant_slug_key", || skill_exists(&new.slug))
}

/// The tenant's skills waiting for approval, oldest first (at most `limit`).
pub async fn pending(tx: &mut TenantTx, limit: i64) -> Result<Vec<Skill>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from agent.skills
          where tenant_id = $1 and approval_status = 'pending'
          order by created_at, id limit $2"
    ))
    .bind(tenant)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?)
}

/// Decides a pending skill of the tenant (`approved` or `rejected`); None when it is not
/// pending (already decided), so two administrators deciding at once cannot both win.
pub async fn decide(
    tx: &mut TenantTx,
    id: &str,
    decision: &str,
    now: i64,
) -> Result<Option<Skill>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "update agent.skills set approval_status = $3, updated_at = $4
          where tenant_id = $1 and id = $2 and approval_status = 'pending'
          returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(decision)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Only the fields given change.
#[derive(Debug, Clone, Default)]
pub struct SkillPatch {
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
    pub content: Option<String>,
    pub enabled: Option<bool>,
    /// Sets `approval_status` back to `pending` (a member rewrote the skill).
    pub back_to_approval: bool,
}

pub async fn update(
    tx: &mut TenantTx,
    id: &str,
    patch: &SkillPatch,
    now: i64,
) -> Result<Skill, ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query_as(&format!(
        "update agent.skills
            set description = coalesce($3, description), tags = coalesce($4, tags),
                content = coalesce($5, content), enabled = coalesce($6, enabled), updated_at = $7,
                approval_status = case when $8 then 'pending' else approval_status end
          where tenant_id = $1 and id = $2
          returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(&patch.description)
    .bind(patch.tags.as_ref().map(Json))
    .bind(&patch.content)
    .bind(patch.enabled)
    .bind(now)
    .bind(patch.back_to_approval)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)
}

/// Deletes one of the tenant's skills; its grants go with it (foreign key cascade).
pub async fn delete(tx: &mut TenantTx, id: &str) -> Result<(), ApiError> {
    if !SKILLS.delete_own(tx, id).await? {
        return Err(not_found());
    }
    Ok(())
}

/// Writes the global library in one transaction with the `app.scope = catalog` capability
/// (the only way to write rows with tenant_id null): valid folders are upserted by slug (ids
/// stay stable, so tenants' grants survive), rows whose folder is gone are removed (their grants
/// cascade). A folder whose SKILL.md became invalid keeps its previous row.
pub async fn seed_global(
    pool: &PgPool,
    library: &[LibrarySkill],
    now: i64,
) -> Result<SeedReport, sqlx::Error> {
    let content = [
        "name",
        "description",
        "tags",
        "content",
        "enabled",
        "has_files",
    ];
    let fixed = [
        ("is_global", "true"),
        ("scope", "'global'"),
        ("created_by", "'catalog'"),
    ];
    let mut seed = SKILLS.begin_seed(pool, &content, &fixed, now).await?;
    for skill in library {
        match &skill.doc {
            Ok(doc) => {
                let row = json!({
                    "name": doc.name,
                    "description": doc.description,
                    "tags": doc.tags,
                    "content": doc.content,
                    "enabled": doc.enabled,
                    "has_files": skill.has_files,
                });
                seed.upsert(&skill.slug, &row).await?;
            }
            Err(reason) => seed.invalid(&skill.slug, reason),
        }
    }
    seed.finish().await
}
