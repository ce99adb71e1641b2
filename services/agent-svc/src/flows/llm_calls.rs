//! The LLM call log: runtimes append (`POST /v1/internal/llm-calls`), users list
//! (`/v1/llm-calls`, `/v1/admin/llm-calls`) and see their own usage (`/v1/usage/me`)
//! (contract §1.3 llm_calls and user_usage rows).
//! The use cases behind `routes::llm_calls`.

use kit::{ApiError, Platform, TenantContext, TokenKind};
use shared_schemas::events::Event;
use shared_schemas::ids::RunId;

use crate::api::llm_calls::{
    AdminListQuery, ListQuery, LlmCallListResponse, Recorded, UsageQuery, UserUsageResponse,
};
use crate::api::support::present;
use crate::domain::llm_calls::{CallFilter, RecordLlmCall};
use crate::flows::access::open_agent;
use crate::store;

/// Records one call of an agent of the caller's tenant: the engine (service credential) for any
/// of its agents, an agent credential only for itself (and, when the token is a run's, only for
/// that run); users 403, unknown agents 404. `LLM_CALL_RECORDED` leaves through the outbox with
/// the row, for the tenant's live call log.
pub async fn record(
    platform: &Platform,
    ctx: &TenantContext,
    mut body: RecordLlmCall,
) -> Result<Recorded, ApiError> {
    if ctx.kind() == TokenKind::User {
        return Err(ApiError::forbidden(
            "calls are recorded by runtimes and services",
        ));
    }
    if let Some(run) = &ctx.claims.run_id
        && ctx.kind() == TokenKind::Agent
        && body.run_id.as_ref() != Some(run)
    {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "run_scope",
            "this credential records calls of its own run only",
        ));
    }
    let (mut tx, agent_id) = open_agent(platform, ctx, &body.agent_id).await?;
    body.agent_id = agent_id;
    let now = store::now_ms();
    let id = store::llm_calls::insert(&mut tx, &body, now).await?;
    let event = Event::LlmCallRecorded(Box::new(body.recorded_event(&id, now)));
    match body.run_id.as_deref().and_then(|r| RunId::parse(r).ok()) {
        Some(run) => kit::outbox::append_for_run(&mut tx, &run, event).await?,
        None => kit::outbox::append(&mut tx, event).await?,
    };
    tx.commit().await?;
    Ok(Recorded { id, ok: true })
}

/// The tenant's calls, newest first, filtered by session, run or agent. An agent credential
/// sees only its own agent's calls.
pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
    q: ListQuery,
) -> Result<LlmCallListResponse, ApiError> {
    let agent_id = present(&q.agent_id).or_else(|| ctx.agent_id().map(str::to_owned));
    if let Some(agent) = &agent_id {
        ctx.require_access_to_agent(agent)?;
    } else if ctx.kind() == TokenKind::Agent {
        return Err(ApiError::forbidden(
            "agent credentials list only their own agent",
        ));
    }
    let filter = CallFilter {
        session_id: present(&q.session_id),
        run_id: present(&q.run_id),
        agent_id,
        ..CallFilter::default()
    };
    page(platform, ctx, &filter, q.limit, q.offset).await
}

/// Every call of the tenant with more filters (tenant admins).
pub async fn admin_list(
    platform: &Platform,
    ctx: &TenantContext,
    q: AdminListQuery,
) -> Result<LlmCallListResponse, ApiError> {
    let filter = CallFilter {
        session_id: present(&q.session_id),
        run_id: present(&q.run_id),
        agent_id: present(&q.agent_id),
        user_id: present(&q.user_id),
        provider: present(&q.provider),
        key_source: present(&q.key_source),
    };
    page(platform, ctx, &filter, q.limit, q.offset).await
}

/// The caller's own usage: their chat sessions and runs, newest first, and totals.
pub async fn my_usage(
    platform: &Platform,
    ctx: &TenantContext,
    q: UsageQuery,
) -> Result<UserUsageResponse, ApiError> {
    let (kind, status) = (present(&q.item_type), present(&q.status_filter));
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let (rows, total) = store::llm_calls::usage(
        &mut tx,
        ctx.subject(),
        kind.as_deref(),
        status.as_deref(),
        q.limit,
        q.offset,
    )
    .await?;
    let summary = store::llm_calls::usage_summary(&mut tx, ctx.subject()).await?;
    tx.commit().await?;
    let has_more = q
        .offset
        .saturating_add(i64::try_from(rows.len()).unwrap_or(0))
        < total;
    Ok(UserUsageResponse {
        items: rows.into_iter().map(Into::into).collect(),
        total,
        has_more,
        summary,
    })
}

async fn page(
    platform: &Platform,
    ctx: &TenantContext,
    filter: &CallFilter,
    limit: i64,
    offset: i64,
) -> Result<LlmCallListResponse, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let (calls, summary) = store::llm_calls::list(&mut tx, filter, limit, offset).await?;
    tx.commit().await?;
    Ok(LlmCallListResponse {
        has_more: offset.saturating_add(i64::try_from(calls.len()).unwrap_or(0))
            < summary.total_calls,
        total: summary.total_calls,
        calls,
        summary,
    })
}
