//! Project templates: the built-in catalog (read by all) and the tenant's own (written by it).

use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext, TokenKind};

use crate::api::page::Page;
use crate::api::templates::{CreateTemplateRequest, UpdateTemplateRequest};
use crate::config::ProjectConfig;
use crate::domain::{templates, validate};
use crate::store::now_ms;
use crate::store::templates::{self as store, SeedReport, Template};

/// A page of the built-in and tenant templates, by `sort_order`, and how many there are.
pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
    page: Page,
) -> Result<(Vec<Template>, i64), ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let rows = store::list(&mut tx, page.limit, page.offset).await?;
    tx.commit().await?;
    Ok(rows)
}

/// One template by id or slug.
pub async fn get(
    platform: &Platform,
    ctx: &TenantContext,
    template_id: &str,
) -> Result<Template, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let template = store::require(&mut tx, template_id).await?;
    tx.commit().await?;
    Ok(template)
}

pub async fn create(
    platform: &Platform,
    ctx: &TenantContext,
    req: CreateTemplateRequest,
) -> Result<Template, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let template = store::insert(&mut tx, &req.slug, &req.content(), now_ms()).await?;
    tx.commit().await?;
    Ok(template)
}

/// Changes one of the tenant's own templates (403 `builtin_read_only` for a built-in).
pub async fn update(
    platform: &Platform,
    ctx: &TenantContext,
    template_id: &str,
    req: UpdateTemplateRequest,
) -> Result<Template, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let current = store::require_own(&mut tx, template_id).await?;
    let content = req.apply(current.content())?;
    let template = store::update(&mut tx, &current.id, &content, now_ms()).await?;
    tx.commit().await?;
    Ok(template)
}

/// Deletes one of the tenant's own templates; returns its id.
pub async fn delete(
    platform: &Platform,
    ctx: &TenantContext,
    template_id: &str,
) -> Result<String, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let template = store::require_own(&mut tx, template_id).await?;
    store::delete(&mut tx, &template.id).await?;
    tx.commit().await?;
    Ok(template.id)
}

/// A tenant copy of any visible template: slug `<slug>-copy` (then `-copy-2`, …), name
/// `<name> (copy)`.
pub async fn clone(
    platform: &Platform,
    ctx: &TenantContext,
    template_id: &str,
) -> Result<Template, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let source = store::require(&mut tx, template_id).await?;
    let slug = free_copy_slug(&mut tx, &source.slug).await?;
    let mut content = source.content();
    content.name = copy_name(&content.name);
    let template = store::insert(&mut tx, &slug, &content, now_ms()).await?;
    tx.commit().await?;
    Ok(template)
}

async fn free_copy_slug(tx: &mut TenantTx, base: &str) -> Result<String, ApiError> {
    for attempt in 1..=100 {
        let slug = templates::copy_slug(base, attempt);
        if !store::slug_taken(tx, &slug).await? {
            return Ok(slug);
        }
    }
    Err(store::template_exists(&format!("{base}-copy-…")))
}

fn copy_name(name: &str) -> String {
    let keep = validate::MAX_NAME - " (copy)".len();
    format!(
        "{} (copy)",
        name.chars().take(keep).collect::<String>().trim_end()
    )
}

/// Re-reads the built-in catalog from the repository's files; platform administrators only.
pub async fn seed(
    platform: &Platform,
    config: &ProjectConfig,
    ctx: &TenantContext,
) -> Result<SeedReport, ApiError> {
    if ctx.kind() != TokenKind::User || !ctx.claims.platform_admin {
        return Err(ApiError::forbidden(
            "seeding the built-in templates is for platform administrators",
        ));
    }
    store::seed(platform, config)
        .await
        .map_err(ApiError::internal)
}
