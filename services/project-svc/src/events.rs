//! Events of committed changes. Handlers collect what they changed and publish it only after
//! the transaction committed: a rolled-back change never announces itself, and a committed one
//! announces itself once.

use kit::Platform;
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::TenantId;

/// Publishes `events` in order. A bus failure after commit is logged, not returned: the change
/// happened, and answering 5xx would make clients retry a change that already took effect.
pub async fn publish(platform: &Platform, tenant: &TenantId, events: Vec<Event>) {
    let publisher = platform.publisher();
    for event in events {
        let envelope = EventEnvelope::new(tenant.clone(), None, event);
        if let Err(err) = publisher.publish_event(&envelope).await {
            tracing::error!(error = %err, event = envelope.id.as_str(), "event of a committed change not published");
        }
    }
}

/// [`publish`] for events about one run (a started task or planning run): the envelope carries
/// the run's id, so the run's own stream and its followers see them too.
pub async fn publish_for_run(
    platform: &Platform,
    tenant: &TenantId,
    run: &shared_schemas::ids::RunId,
    events: Vec<Event>,
) {
    let publisher = platform.publisher();
    for event in events {
        let envelope = EventEnvelope::new(tenant.clone(), Some(run.clone()), event);
        if let Err(err) = publisher.publish_event(&envelope).await {
            tracing::error!(error = %err, event = envelope.id.as_str(), "event of a committed change not published");
        }
    }
}
