//! project-svc's side of `CHAT_MESSAGE_COMPLETED`: a consumer group on the global stream
//! (`cg:project-onboarding`) hands each onboarding answer to
//! [`flows::onboarding_replies`](crate::flows::onboarding_replies).

use bus::{StreamEntry, Worker};
use kit::{ApiError, Platform};
use shared_schemas::events::chat::ChatSessionType;
use shared_schemas::events::{Decoded, Event, decode};
use tokio_util::sync::CancellationToken;

use crate::flows::onboarding_replies;

/// Runs the recorder until `shutdown`.
pub async fn run(platform: Platform, shutdown: CancellationToken) -> anyhow::Result<()> {
    let client = platform.redis_client()?;
    let keys = platform.keys.clone();
    Worker::new(
        client,
        &keys,
        keys.global_events(),
        keys.project_onboarding_group(),
    )
    .consumer_for_service("project-svc")
    .run(|entry| handle(platform.clone(), entry), shutdown)
    .await?;
    Ok(())
}

/// Handles one stream entry; anything but an onboarding chat's answer is acknowledged untouched.
pub async fn handle(platform: Platform, entry: StreamEntry) -> Result<(), ApiError> {
    let Some(Ok(Decoded::Known(envelope))) = entry.data().map(decode) else {
        return Ok(());
    };
    if let Event::ChatMessageCompleted(reply) = &envelope.event
        && reply.session_type == ChatSessionType::Onboarding
    {
        onboarding_replies::reply_completed(&platform, &envelope, reply).await?;
    }
    Ok(())
}
