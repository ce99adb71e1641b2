//! The engine workers' consumer group on the global stream (`cg:engine-workers`):
//! `RUN_REQUESTED` starts a run (once per run id); `AGENT_DELETED` and `PROJECT_DELETED` cancel
//! the runs that use them; `TENANT_DELETED` removes the tenant's Redis keys (its rows cascade);
//! `TENANT_STATUS_CHANGED` back to active admits the runs a suspension held `queued`. Anything
//! else is acknowledged untouched.

use bus::{StreamEntry, Worker};
use kit::ApiError;
use shared_schemas::events::platform::TenantStatus;
use shared_schemas::events::{Decoded, Event, decode};
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::flows::runs::{admission, events, start};

pub async fn run(app: AppState, shutdown: CancellationToken) -> anyhow::Result<()> {
    let client = app.platform.redis_client()?;
    let keys = app.platform.keys.clone();
    Worker::new(
        client,
        &keys,
        keys.global_events(),
        keys.engine_workers_group(),
    )
    .consumer_for_service("engine-svc")
    .run(|entry| handle(app.clone(), entry), shutdown)
    .await?;
    Ok(())
}

/// Handles one stream entry.
pub async fn handle(app: AppState, entry: StreamEntry) -> Result<(), ApiError> {
    let Some(Ok(Decoded::Known(envelope))) = entry.data().map(decode) else {
        return Ok(());
    };
    match &envelope.event {
        Event::RunRequested(req) => {
            start::start_requested(&app, &envelope, req).await?;
        }
        Event::AgentDeleted(deleted) => {
            let agent = deleted.agent_id.as_str();
            events::cancel_for(&app, &envelope, Some(agent), None, "the agent was deleted").await?;
        }
        Event::ProjectDeleted(deleted) => {
            let project = deleted.project_id.as_str();
            events::cancel_for(
                &app,
                &envelope,
                None,
                Some(project),
                "the project was deleted",
            )
            .await?;
        }
        Event::TenantDeleted(_) => {
            events::purge_tenant(&app, &envelope.tenant_id).await?;
        }
        Event::TenantStatusChanged(changed) if changed.status == TenantStatus::Active => {
            admission::admit(&app, &envelope.tenant_id).await?;
        }
        _ => {}
    }
    Ok(())
}
