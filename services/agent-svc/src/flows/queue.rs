//! `/v1/agents/{agent_id}/queue`: work waiting for an agent. engine-svc enqueues with a service
//! token and takes items off with `DELETE .../queue/{item_id}` when it starts them; users (and
//! the agent) read the queue and cancel items.
//! The use cases behind `routes::queue`.

use axum::http::StatusCode;
use kit::{ApiError, TenantContext};

use crate::AppState;
use crate::api::queue::{
    ConfirmClear, EnqueueItem, QueueCancel, QueueCancelResponse, QueueClearResponse, QueueItem,
    QueueResponse, require_confirm,
};
use crate::flows::access::open_agent;
use crate::store::{self, queue::NewItem};

/// The queued items, oldest first.
pub async fn list(
    app: &AppState,
    ctx: &TenantContext,
    agent_id: &str,
) -> Result<QueueResponse, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, ctx, agent_id).await?;
    let rows = store::queue::queued(&mut tx, &agent_id).await?;
    tx.commit().await?;
    let items: Vec<QueueItem> = rows.into_iter().map(QueueItem::from).collect();
    Ok(QueueResponse {
        length: items.len(),
        items,
    })
}

/// Adds work for the agent (services of the tenant, e.g. engine-svc).
pub async fn enqueue(
    app: &AppState,
    ctx: &TenantContext,
    agent_id: &str,
    body: EnqueueItem,
) -> Result<QueueItem, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, ctx, agent_id).await?;
    let new = NewItem {
        priority: body.priority.as_str(),
        kind: body.kind,
        title: body.title,
        run_id: body.run_id,
        step: body.step,
        payload: body.payload,
        estimated_duration: body.estimated_duration,
    };
    let item = store::queue::insert(&mut tx, &agent_id, &new, store::now_ms()).await?;
    tx.commit().await?;
    Ok(item.into())
}

/// Cancels one queued item; `cancelled: false` when it was not queued.
pub async fn cancel(
    app: &AppState,
    ctx: &TenantContext,
    agent_id: &str,
    body: QueueCancel,
) -> Result<QueueCancelResponse, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, ctx, agent_id).await?;
    let n = store::queue::cancel(&mut tx, &agent_id, Some(&body.item_id)).await?;
    tx.commit().await?;
    Ok(QueueCancelResponse { cancelled: n > 0 })
}

/// Cancels everything queued; needs `confirm: true` (400 `confirm_required` otherwise).
pub async fn clear(
    app: &AppState,
    ctx: &TenantContext,
    agent_id: &str,
    body: ConfirmClear,
) -> Result<QueueClearResponse, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, ctx, agent_id).await?;
    require_confirm(body.confirm, "queue")?;
    let cleared = store::queue::cancel(&mut tx, &agent_id, None).await?;
    tx.commit().await?;
    Ok(QueueClearResponse { cleared })
}

/// Takes an item off the queue (the consumer started it); 404 when it is not queued.
pub async fn take(
    app: &AppState,
    ctx: &TenantContext,
    agent_id: &str,
    item_id: &str,
) -> Result<(), ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, ctx, agent_id).await?;
    if !store::queue::delete(&mut tx, &agent_id, item_id).await? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "queue_item_not_found",
            "no such queued item",
        ));
    }
    tx.commit().await?;
    Ok(())
}
