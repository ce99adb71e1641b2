//! Deleting an agent: its rows go in one transaction that also queues `AGENT_DELETED` for the
//! other services (project-svc drops memberships and assignments, ...). Its sandbox files go
//! after the commit, so a rolled-back delete loses nothing.

use kit::paths::Area;
use kit::{ApiError, TenantContext};
use shared_schemas::events::Event;
use shared_schemas::events::platform::AgentDeleted;
use shared_schemas::ids::AgentId;

use crate::AppState;
use crate::store;

/// Deletes the agent `agent_ref` (id or slug) names and everything agent-svc keeps of it.
pub async fn delete(app: &AppState, ctx: &TenantContext, agent_ref: &str) -> Result<(), ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let agent_id = store::agents::resolve(&mut tx, agent_ref).await?;
    let id = AgentId::parse(agent_id.as_str()).map_err(|_| store::agents::not_found())?;
    store::agents::delete(&mut tx, &agent_id).await?;
    kit::outbox::append(&mut tx, Event::AgentDeleted(AgentDeleted { agent_id: id })).await?;
    tx.commit().await?;
    let sandbox = app
        .paths
        .base(ctx.tenant_id.as_str(), Area::Sandboxes, &agent_id)?;
    tokio::task::spawn_blocking(move || match std::fs::remove_dir_all(&sandbox) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            tracing::warn!(error = %e, path = %sandbox.display(), "sandbox of a deleted agent not removed");
        }
        _ => {}
    })
    .await
    .map_err(ApiError::internal)
}
