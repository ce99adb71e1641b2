//! Change notifications on pub/sub, sent after the change committed.

use kit::Platform;
use serde::Serialize;

/// Publishes `message` on `channel`. A failure is logged, not returned: the change is already
/// committed and answering 500 would invite a retry of something that worked. Pub/sub keeps
/// nothing for absent subscribers anyway, so every subscriber re-reads the state when it starts.
pub async fn publish(platform: &Platform, channel: &str, message: &impl Serialize) {
    if let Err(err) = platform.publisher().publish_channel(channel, message).await {
        tracing::warn!(error = %err, channel, "change notification not published");
    }
}
