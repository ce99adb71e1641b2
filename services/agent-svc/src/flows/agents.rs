//! Agents as tenant rows: listing, creating and reading them, and deleting one: its rows go in one transaction that also queues `AGENT_DELETED` for the
//! other services (project-svc drops memberships and assignments, ...). Its sandbox files go
//! after the commit, so a rolled-back delete loses nothing.

use kit::page::Page;
use kit::paths::Area;
use kit::{ApiError, Platform, TenantContext};
use shared_schemas::events::Event;
use shared_schemas::events::platform::AgentDeleted;
use shared_schemas::ids::AgentId;

use crate::AppState;
use crate::api::agents::{AgentDetail, AgentSummary, CreateAgent};
use crate::flows::access::open_agent;
use crate::store;

/// The tenant's agents, oldest first.
/// A page of the tenant's agents and how many there are.
pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
    page: Page,
) -> Result<(Vec<AgentSummary>, i64), ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let (agents, total) = store::agents::page(&mut tx, page).await?;
    tx.commit().await?;
    Ok((agents.into_iter().map(AgentSummary::from).collect(), total))
}

/// 409 `slug_taken` when the tenant already has the slug.
pub async fn create(
    platform: &Platform,
    ctx: &TenantContext,
    body: CreateAgent,
) -> Result<AgentDetail, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let agent = store::agents::insert(&mut tx, &body.into_new(), store::now_ms()).await?;
    tx.commit().await?;
    Ok((&agent).into())
}

/// One agent (by id or slug) with whether it has a Slack bot connected.
pub async fn get(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<AgentDetail, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let agent = store::agents::get(&mut tx, &agent_id).await?;
    let slack = store::channels::slack_connected_agents(&mut tx).await?;
    tx.commit().await?;
    let mut detail = AgentDetail::from(&agent);
    detail.summary.slack_connected = slack.contains(&agent.id);
    Ok(detail)
}

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
