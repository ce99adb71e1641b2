//! Memory scores: batches from runtimes (each retrieval counted, each valuation counted), the
//! scores read back with usefulness and the adaptive score computed now, gaps, and the tenant's
//! settings (users read them; tenant administrators change them).

use kit::auth::TokenKind;
use kit::error::FieldError;
use kit::{ApiError, TenantContext};

use crate::AppState;
use crate::api::scores::{
    ConfigPatch, Gaps, MemoryScore, MemoryScores, RecordRetrievals, RecordValuations,
    RetrievalsRecorded, ValuationsRecorded,
};
use crate::domain::scores::{ScoringConfig, score};
use crate::flows::now_ms;
use crate::store::scores::{self, Origin};

/// The agent an internal call is about: runtimes report for their own agent, our services for
/// any agent of the tenant; users are not callers of `/v1/internal`.
async fn agent_for_internal(
    app: &AppState,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<String, ApiError> {
    if ctx.kind() == TokenKind::User {
        return Err(ApiError::forbidden(
            "internal endpoints are for services and agents",
        ));
    }
    let id = app.agents.resolve(&ctx.tenant_id, agent_ref).await?;
    ctx.require_access_to_agent(&id)?;
    Ok(id)
}

pub async fn record_retrievals(
    app: &AppState,
    ctx: &TenantContext,
    req: RecordRetrievals,
) -> Result<RetrievalsRecorded, ApiError> {
    let agent = agent_for_internal(app, ctx, &req.agent_id).await?;
    let origin = Origin {
        agent_id: &agent,
        session_id: req.session_id.as_deref(),
        run_id: req.run_id.as_deref(),
        request_id: req.request_id.as_deref(),
        now: now_ms(),
    };
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let updated = if req.retrievals.is_empty() {
        0
    } else {
        scores::record_retrievals(&mut tx, &origin, &req.retrievals).await?
    };
    tx.commit().await?;
    Ok(RetrievalsRecorded {
        ok: true,
        logged: req.retrievals.len(),
        scores_updated: updated,
    })
}

pub async fn record_valuations(
    app: &AppState,
    ctx: &TenantContext,
    req: RecordValuations,
) -> Result<ValuationsRecorded, ApiError> {
    let agent = agent_for_internal(app, ctx, &req.agent_id).await?;
    let origin = Origin {
        agent_id: &agent,
        session_id: req.session_id.as_deref(),
        run_id: req.run_id.as_deref(),
        request_id: None,
        now: now_ms(),
    };
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let updated = if req.valuations.is_empty() {
        0
    } else {
        scores::record_valuations(&mut tx, &origin, &req.valuations).await?
    };
    let gap = req.gap.as_deref().map(str::trim).filter(|g| !g.is_empty());
    let gap_id = match gap {
        Some(description) => {
            let id = format!("gap_{}", shared_schemas::ids::random_body());
            scores::insert_gap(&mut tx, &origin, &id, description, req.gap_query.as_deref())
                .await?;
            Some(id)
        }
        None => None,
    };
    tx.commit().await?;
    Ok(ValuationsRecorded {
        ok: true,
        valuations_logged: req.valuations.len(),
        scores_updated: updated,
        gap_id,
    })
}

fn limit_error(name: &str, max: i64) -> ApiError {
    ApiError::validation(vec![FieldError {
        path: name.to_owned(),
        message: format!("must be between 1 and {max}"),
    }])
}

pub async fn scores(
    app: &AppState,
    ctx: &TenantContext,
    agent_ref: &str,
    memory_ids: Option<&str>,
    limit: Option<i64>,
) -> Result<MemoryScores, ApiError> {
    let limit = limit.unwrap_or(200);
    if !(1..=1_000).contains(&limit) {
        return Err(limit_error("limit", 1_000));
    }
    let agent = agent_for_internal(app, ctx, agent_ref).await?;
    let ids: Option<Vec<String>> = memory_ids.map(|csv| {
        csv.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .take(1_000)
            .map(str::to_owned)
            .collect()
    });
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let config = scores::config(&mut tx).await?;
    let (rows, total) = scores::list(&mut tx, &agent, ids.as_deref(), limit).await?;
    tx.commit().await?;
    let now = now_ms();
    Ok(MemoryScores {
        scores: rows
            .into_iter()
            .map(|r| {
                let s = score(&r.counters(), &config, now);
                MemoryScore {
                    usefulness_rate: s.usefulness,
                    adaptive_score: s.adaptive,
                    memory_id: r.memory_id,
                    memory_title: r.memory_title,
                    access_count: r.access_count,
                    valuation_count: r.valuation_count,
                    useful_count: r.useful_count,
                    not_useful_count: r.not_useful_count,
                    last_accessed: r.last_accessed,
                }
            })
            .collect(),
        total,
        blend_base_factor: config.blend_base_factor,
        blend_boost_factor: config.blend_boost_factor,
    })
}

pub async fn gaps(
    app: &AppState,
    ctx: &TenantContext,
    agent_ref: &str,
    limit: Option<i64>,
) -> Result<Gaps, ApiError> {
    let limit = limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(limit_error("limit", 500));
    }
    let agent = agent_for_internal(app, ctx, agent_ref).await?;
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let (gaps, total) = scores::gaps(&mut tx, &agent, limit).await?;
    tx.commit().await?;
    Ok(Gaps { gaps, total })
}

pub async fn config(app: &AppState, ctx: &TenantContext) -> Result<ScoringConfig, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let config = scores::config(&mut tx).await?;
    tx.commit().await?;
    Ok(config)
}

/// Tenant administrators only: 403 `admin_required`.
fn require_admin(ctx: &TenantContext) -> Result<(), ApiError> {
    if ctx.kind() == TokenKind::User && ctx.claims.is_admin {
        return Ok(());
    }
    Err(ApiError::new(
        axum::http::StatusCode::FORBIDDEN,
        "admin_required",
        "only a tenant administrator changes the scoring settings",
    ))
}

pub async fn update_config(
    app: &AppState,
    ctx: &TenantContext,
    patch: ConfigPatch,
) -> Result<ScoringConfig, ApiError> {
    require_admin(ctx)?;
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let mut config = scores::lock_config(&mut tx).await?;
    patch.apply(&mut config);
    let problems = config.problems();
    if !problems.is_empty() {
        return Err(ApiError::validation(
            problems
                .into_iter()
                .map(|(path, message)| FieldError {
                    path: path.to_owned(),
                    message: message.to_owned(),
                })
                .collect(),
        ));
    }
    scores::save_config(&mut tx, &config, now_ms()).await?;
    tx.commit().await?;
    Ok(config)
}

pub async fn reset_config(app: &AppState, ctx: &TenantContext) -> Result<ScoringConfig, ApiError> {
    require_admin(ctx)?;
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    scores::reset_config(&mut tx).await?;
    tx.commit().await?;
    Ok(ScoringConfig::default())
}
