//! `/v1/agents/{agent_id}/inbox`: messages to an agent from users, services and other agents of
//! the tenant. Anyone of the tenant may write to an agent's inbox (agents message each other
//! with their own tokens); only the agent itself, users and services read and tidy it.
//! The use cases behind `routes::inbox`.

use axum::http::StatusCode;
use kit::{ApiError, TenantContext};

use crate::AppState;
use crate::api::inbox::{
    InboxCleared, InboxMarked, InboxPage, InboxQuery, MarkRead, MessageView, SendInboxMessage,
};
use crate::api::queue::{ConfirmClear, require_confirm};
use crate::domain::{inbox, validate};
use crate::flows::access::open_agent;
use crate::store::{self, inbox::NewMessage};

/// Newest first, filtered and paged.
pub async fn list(
    app: &AppState,
    ctx: &TenantContext,
    agent_id: &str,
    q: InboxQuery,
) -> Result<InboxPage, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, ctx, agent_id).await?;
    let (limit, offset) = (q.limit.unwrap_or(100), q.offset.unwrap_or(0));
    if !(1..=1000).contains(&limit) {
        return Err(validate::field_error("limit", "must be between 1 and 1000"));
    }
    if offset < 0 {
        return Err(validate::field_error("offset", "must not be negative"));
    }
    let (rows, total_count) =
        store::inbox::page(&mut tx, &agent_id, q.filter, limit, offset).await?;
    let unread_count = store::inbox::unread_count(&mut tx, &agent_id).await?;
    tx.commit().await?;
    let shown = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    Ok(InboxPage {
        messages: rows
            .into_iter()
            .map(|m| MessageView::new(&agent_id, m))
            .collect(),
        total_count,
        unread_count,
        has_more: offset.saturating_add(shown) < total_count,
    })
}

/// Sends a message to the agent: any credential of the tenant, agents only as themselves.
pub async fn send(
    app: &AppState,
    ctx: &TenantContext,
    agent_id: &str,
    body: SendInboxMessage,
) -> Result<MessageView, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    // Not `open_agent`: writing to another agent's inbox is allowed, reading it is not.
    let agent_id = store::agents::resolve(&mut tx, agent_id).await?;
    let from_agent = inbox::sender_agent(ctx, body.from_agent_id.as_deref())?;
    if let Some(sender) = &from_agent {
        store::agents::require(&mut tx, sender).await?;
    }
    let new = NewMessage {
        sender: body.from_.trim(),
        from_agent_id: from_agent.as_deref(),
        kind: body.kind.as_str(),
        priority: body.priority.as_str(),
        subject: body.subject.as_deref(),
        body: &body.body,
        run_context: body.run_context.as_deref(),
        step_context: body.step_context.as_deref(),
    };
    let message = store::inbox::insert(&mut tx, &agent_id, &new, store::now_ms()).await?;
    tx.commit().await?;
    Ok(MessageView::new(&agent_id, message))
}

/// Marks messages read; ids that are not the agent's unread messages are ignored.
pub async fn mark_read(
    app: &AppState,
    ctx: &TenantContext,
    agent_id: &str,
    body: MarkRead,
) -> Result<InboxMarked, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, ctx, agent_id).await?;
    let marked =
        store::inbox::mark_read(&mut tx, &agent_id, &body.message_ids, store::now_ms()).await?;
    let unread_count = store::inbox::unread_count(&mut tx, &agent_id).await?;
    tx.commit().await?;
    Ok(InboxMarked {
        marked,
        unread_count,
    })
}

/// Deletes every message; needs `confirm: true` (400 `confirm_required` otherwise).
pub async fn clear(
    app: &AppState,
    ctx: &TenantContext,
    agent_id: &str,
    body: ConfirmClear,
) -> Result<InboxCleared, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, ctx, agent_id).await?;
    require_confirm(body.confirm, "inbox")?;
    let deleted = store::inbox::clear(&mut tx, &agent_id).await?;
    tx.commit().await?;
    Ok(InboxCleared {
        cleared: true,
        deleted,
    })
}

pub async fn get_one(
    app: &AppState,
    ctx: &TenantContext,
    agent_id: &str,
    message_id: &str,
) -> Result<MessageView, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, ctx, agent_id).await?;
    let message = store::inbox::get(&mut tx, &agent_id, message_id).await?;
    tx.commit().await?;
    let message = message.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "message_not_found",
            "message not found",
        )
    })?;
    Ok(MessageView::new(&agent_id, message))
}
