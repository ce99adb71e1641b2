//! The LLM call log: runtimes append (`POST /v1/internal/llm-calls`), users list
//! (`/v1/llm-calls`, `/v1/admin/llm-calls`) and see their own usage (`/v1/usage/me`)
//! (contract §1.3 llm_calls and user_usage rows).
//! The use cases behind `routes::llm_calls`.

use kit::{ApiError, Platform, TenantContext, TokenKind};

use crate::api::llm_calls::{
    AdminListQuery, ListQuery, LlmCallListResponse, UsageQuery, UserUsageResponse,
};
use crate::api::support::{present, require_admin};
use crate::domain::llm_calls::CallFilter;
use crate::store;

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
    require_admin(ctx)?;
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
