//! Pipelines (ARCHITECTURE §6): the tenant's own, written from YAML, and the global ones
//! shipped in `pipelines/`, read-only. A tenant's pipeline with a global's id shadows it for
//! that tenant; deleting it brings the global back. Any credential of the tenant reads; users
//! and services write, agents do not.
//!
//! Every write commits a `pipeline_invalidate` notice through the outbox and then retires the
//! cached copies (`pipeline_cache`), so every replica runs the new version.

use axum::http::StatusCode;
use kit::db::TenantTx;
use kit::error::OrNotFound;
use kit::{ApiError, Platform, TenantContext, TokenKind};
use shared_schemas::pipeline::PipelineConfig;

use crate::api::pipelines::{
    PipelineResponse, PipelineWriteError, PipelineWritten, RawPipeline, ValidationResponse,
    file_name,
};
use crate::domain::pipeline_check;
use crate::store::pipelines::{self as store, PipelineContent, PipelineRow};

pub use crate::flows::pipeline_cache::load;
use crate::flows::pipeline_cache::{changed, notice};

/// Pipelines a tenant may have of its own; the list answer stays bounded.
pub const MAX_OWN_PIPELINES: i64 = 500;

/// The tenant's pipelines and the global ones it does not shadow, by id.
pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
) -> Result<Vec<PipelineResponse>, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let rows = store::list(&mut tx).await?;
    tx.commit().await?;
    Ok(rows.into_iter().map(response).collect())
}

/// The pipeline the tenant runs under `id`.
pub async fn get(
    platform: &Platform,
    ctx: &TenantContext,
    id: &str,
) -> Result<PipelineResponse, ApiError> {
    Ok(response(effective(platform, ctx, id).await?))
}

pub async fn raw(
    platform: &Platform,
    ctx: &TenantContext,
    id: &str,
) -> Result<RawPipeline, ApiError> {
    Ok(effective(platform, ctx, id).await?.into())
}

/// A pipeline of the tenant's own. Its id may be a global's: the tenant's copy shadows it.
pub async fn create(
    platform: &Platform,
    ctx: &TenantContext,
    yaml: &str,
) -> Result<PipelineResponse, PipelineWriteError> {
    require_writer(ctx)?;
    let config = pipeline_check::parse_written(yaml, None).map_err(PipelineWriteError::Invalid)?;
    let hash = pipeline_check::content_hash(yaml);
    let content = content_of(&config, yaml, &hash);
    let mut tx = platform.db.begin_tenant(ctx).await?;
    ensure_room(&mut tx).await?;
    let now = platform.clock.now_ms();
    let row = store::insert(&mut tx, &content, ctx.subject(), now)
        .await?
        .ok_or_else(|| {
            ApiError::conflict(
                "pipeline_exists",
                format!(
                    "you already have a pipeline `{}`: PUT changes it",
                    content.id
                ),
            )
        })?;
    announce(platform, &mut tx, &row.id).await?;
    tx.commit().await?;
    changed(platform, Some(&ctx.tenant_id), &row.id).await;
    Ok(PipelineResponse::new(row, Some(config)))
}

/// Replaces the YAML of the tenant's pipeline `id`. For a global's id that the tenant has no
/// copy of, this creates the tenant's copy (status `created`), which shadows the global one.
pub async fn put(
    platform: &Platform,
    ctx: &TenantContext,
    id: &str,
    yaml: &str,
) -> Result<PipelineWritten, PipelineWriteError> {
    require_writer(ctx)?;
    // Parsed before the transaction, so no row stays locked while a large document is read;
    // the id is compared after the lookup, so an id the tenant cannot see is 404 whatever the
    // body says.
    let config = pipeline_check::parse_written(yaml, None).map_err(PipelineWriteError::Invalid)?;
    let hash = pipeline_check::content_hash(yaml);
    let content = content_of(&config, yaml, &hash);
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let own = store::own_for_update(&mut tx, id).await?;
    if own.is_none() && !store::global_exists(&mut tx, id).await? {
        return Err(ApiError::not_found("pipeline not found").into());
    }
    pipeline_check::same_id(yaml, &config, id).map_err(PipelineWriteError::Invalid)?;
    let now = platform.clock.now_ms();
    let (status, row) = match own {
        Some(_) => ("updated", store::update(&mut tx, &content, now).await?),
        None => {
            ensure_room(&mut tx).await?;
            let row = store::insert(&mut tx, &content, ctx.subject(), now).await?;
            ("created", row)
        }
    };
    // The update of a locked row returns it; the insert returns nothing only when a concurrent
    // PUT made the tenant's copy first.
    let row = row.ok_or_else(|| {
        ApiError::conflict(
            "pipeline_changed",
            "the pipeline changed meanwhile; try again",
        )
    })?;
    announce(platform, &mut tx, id).await?;
    tx.commit().await?;
    changed(platform, Some(&ctx.tenant_id), id).await;
    Ok(PipelineWritten {
        status: status.to_owned(),
        pipeline_id: row.id.clone(),
        file: file_name(&row.id),
        pipeline: PipelineResponse::new(row, Some(config)),
    })
}

/// Deletes the tenant's pipeline `id`; a global one is 403 `global_read_only`. Returns whether
/// a global pipeline with that id is what the tenant runs from now on.
pub async fn delete(platform: &Platform, ctx: &TenantContext, id: &str) -> Result<bool, ApiError> {
    require_writer(ctx)?;
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let deleted = store::delete(&mut tx, id).await?;
    let global = store::global_exists(&mut tx, id).await?;
    if !deleted {
        return Err(if global {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "global_read_only",
                "global pipelines are read-only; a PUT makes your own copy",
            )
        } else {
            ApiError::not_found("pipeline not found")
        });
    }
    announce(platform, &mut tx, id).await?;
    tx.commit().await?;
    changed(platform, Some(&ctx.tenant_id), id).await;
    Ok(global)
}

/// Validates `draft` (a YAML not stored yet) or, without one, the pipeline the tenant runs
/// under `id`. Problems that make it invalid are errors; the rest are warnings.
pub async fn validate(
    platform: &Platform,
    ctx: &TenantContext,
    id: &str,
    draft: Option<String>,
) -> Result<ValidationResponse, ApiError> {
    let yaml = match draft {
        Some(yaml) => yaml,
        None => effective(platform, ctx, id).await?.yaml_content,
    };
    let (errors, warnings) = match pipeline_check::parse_written(&yaml, Some(id)) {
        Ok(config) => (Vec::new(), pipeline_check::pinned_warnings(&yaml, &config)),
        Err(errors) => (errors, Vec::new()),
    };
    Ok(ValidationResponse {
        valid: errors.is_empty(),
        errors,
        warnings,
        pipeline_id: id.to_owned(),
    })
}

async fn effective(
    platform: &Platform,
    ctx: &TenantContext,
    id: &str,
) -> Result<PipelineRow, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let row = store::effective(&mut tx, id).await?;
    tx.commit().await?;
    row.or_not_found("pipeline not found")
}

fn response(row: PipelineRow) -> PipelineResponse {
    let config = match shared_schemas::pipeline::parse_pipeline(&row.yaml_content) {
        Ok(config) => Some(config),
        Err(errors) => {
            tracing::warn!(pipeline = %row.id, problems = errors.len(), "a stored pipeline no longer parses");
            None
        }
    };
    PipelineResponse::new(row, config)
}

/// Agents run pipelines; changing them is for the tenant's people and services.
fn require_writer(ctx: &TenantContext) -> Result<(), ApiError> {
    match ctx.kind() {
        TokenKind::User | TokenKind::Service => Ok(()),
        TokenKind::Agent => Err(ApiError::forbidden(
            "agents may read pipelines but not change them",
        )),
    }
}

async fn ensure_room(tx: &mut TenantTx) -> Result<(), ApiError> {
    if store::count_own(tx).await? >= MAX_OWN_PIPELINES {
        return Err(ApiError::conflict(
            "pipeline_limit",
            format!("a tenant has at most {MAX_OWN_PIPELINES} pipelines of its own"),
        ));
    }
    Ok(())
}

/// The `pipeline_invalidate` notice, sent by the outbox relay once the change is committed.
async fn announce(platform: &Platform, tx: &mut TenantTx, id: &str) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    let channel = platform.keys.pipeline_invalidate();
    kit::outbox::append_notice(tx, &tenant, &channel, &notice(Some(&tenant), id)).await?;
    Ok(())
}

fn content_of<'a>(config: &'a PipelineConfig, yaml: &'a str, hash: &'a str) -> PipelineContent<'a> {
    PipelineContent {
        id: config.id.as_str(),
        name: &config.name,
        description: config.description.as_deref().unwrap_or_default(),
        version: &config.version,
        yaml_content: yaml,
        content_hash: hash,
    }
}
