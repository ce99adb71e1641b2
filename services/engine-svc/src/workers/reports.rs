//! Run ends reported to project-svc, from RUN_COMPLETE / RUN_FAILED in the consumer group
//! `cg:engine-reports`: an entry is acknowledged only once project-svc acknowledged the report.

use bus::{StreamEntry, Worker};
use kit::ApiError;
use shared_schemas::events::{Decoded, Event, decode};
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::flows::runs::reports;

pub async fn run(app: AppState, shutdown: CancellationToken) -> anyhow::Result<()> {
    let client = app.platform.redis_client()?;
    let keys = app.platform.keys.clone();
    Worker::new(
        client,
        &keys,
        keys.global_events(),
        keys.engine_reports_group(),
    )
    .consumer_for_service("engine-svc")
    .run(|entry| handle(app.clone(), entry), shutdown)
    .await?;
    Ok(())
}

pub async fn handle(app: AppState, entry: StreamEntry) -> Result<(), ApiError> {
    let Some(Ok(Decoded::Known(envelope))) = entry.data().map(decode) else {
        return Ok(());
    };
    match &envelope.event {
        Event::RunComplete(_) => {
            reports::report(&app, &envelope, true).await?;
        }
        Event::RunFailed(_) => {
            reports::report(&app, &envelope, false).await?;
        }
        _ => {}
    }
    Ok(())
}
