//! The chat consumer (`keys.engine_chat_group` on the global stream): each `CHAT_*` command goes
//! into its session's inbox and the session gets a driver (`flows::chat`). Acknowledged once
//! in the inbox: the inbox, not the stream, is what a driver answers from. Beside it, the
//! take-over pass gives sessions whose replica died a driver here.

use std::time::Duration;

use bus::Worker;
use tokio_util::sync::CancellationToken;

use crate::flows::chat::Chat;

/// How often the take-over pass looks for sessions without a live driver.
pub const TAKE_OVER_EVERY: Duration = Duration::from_secs(2);

pub async fn run(chat: Chat, shutdown: CancellationToken) -> anyhow::Result<()> {
    let platform = &chat.app.platform;
    let keys = platform.keys.clone();
    let worker = Worker::new(
        platform.redis_client()?,
        &keys,
        keys.global_events(),
        keys.engine_chat_group(),
    )
    .consumer(chat.runtimes.instance_id().to_owned())
    // Appending is idempotent: the entries a dead replica read are taken over soon.
    .reclaim_idle(Duration::from_secs(10));
    let handler = chat.clone();
    worker
        .run(
            move |entry| {
                let chat = handler.clone();
                async move {
                    match entry.data() {
                        Some(data) => chat.accept(data).await,
                        None => Ok(()),
                    }
                }
            },
            shutdown,
        )
        .await?;
    Ok(())
}

/// The take-over pass, every `every` until `shutdown`.
pub async fn take_over(chat: Chat, every: Duration, shutdown: CancellationToken) {
    loop {
        match chat.take_over().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                sessions = n,
                "chat sessions without a live driver looked at"
            ),
            Err(err) => tracing::warn!(error = %err, "the chat take-over pass failed"),
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
    }
}

/// Starts the chat consumer and the take-over pass; both stop with `shutdown`.
pub fn spawn(chat: Chat, shutdown: CancellationToken) {
    let (c, s) = (chat.clone(), shutdown.clone());
    tokio::spawn(async move {
        if let Err(err) = run(c, s).await {
            tracing::error!(error = %err, "the chat consumer stopped");
        }
    });
    tokio::spawn(take_over(chat, TAKE_OVER_EVERY, shutdown));
}
