//! Pub/sub change notices: runtimes and bridges re-read what changed when one arrives. They go
//! into the outbox in the transaction of the change, so a notice leaves with the commit or not
//! at all (pub/sub keeps nothing for absent subscribers, so every subscriber also re-reads the
//! state when it starts).

use kit::ApiError;
use kit::db::TenantTx;
use serde_json::Value;

/// Queues `message` for `channel` (a name from `bus::Keys`) in the change's transaction.
pub async fn append(tx: &mut TenantTx, channel: &str, message: &Value) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    kit::outbox::append_notice(tx, &tenant, channel, message).await?;
    Ok(())
}
