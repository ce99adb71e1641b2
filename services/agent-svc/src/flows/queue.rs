//! `/v1/agents/{agent_id}/queue`: work waiting for an agent. engine-svc enqueues with a service
//! token and takes items off with `DELETE .../queue/{item_id}` when it starts them; users (and
//! the agent) read the queue and cancel items.
//! The use cases behind `routes::queue`.

use kit::{ApiError, TenantContext};

use crate::AppState;
use crate::api::queue::{
    ConfirmClear, QueueCancel, QueueCancelResponse, QueueClearResponse, QueueItem, QueueResponse,
    require_confirm,
};
use crate::flows::access::open_agent;
use crate::store;

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
