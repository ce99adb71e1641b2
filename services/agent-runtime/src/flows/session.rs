//! One session with the engine: subscribe to the command channel first, then publish `ready`
//! (messages sent before a subscription are lost), answer each command on the status channel,
//! and stop on `shutdown`.

use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use serde_json::Value;

use crate::config::RuntimeConfig;
use crate::domain::protocol::{self, Next};

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// Runs the protocol until a `shutdown` command; returns the process exit code.
pub async fn run(cfg: RuntimeConfig) -> anyhow::Result<i32> {
    let client = redis::Client::open(cfg.redis_url.as_str())?;
    let mut pubsub = client.get_async_pubsub().await?;
    let commands = cfg.keys.run_commands(&cfg.tenant, &cfg.run);
    let status = cfg.keys.run_status(&cfg.tenant, &cfg.run);
    pubsub.subscribe(&commands).await?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let run_id = cfg.run.as_str();
    let mut send = async |message: Value| -> anyhow::Result<()> {
        redis::cmd("PUBLISH")
            .arg(&status)
            .arg(message.to_string())
            .query_async::<i64>(&mut conn)
            .await?;
        Ok(())
    };
    send(protocol::ready(run_id, now_ms())).await?;
    tracing::info!(run = run_id, "runtime ready");

    let mut messages = pubsub.on_message();
    while let Some(msg) = messages.next().await {
        let payload: String = msg.get_payload().unwrap_or_default();
        match protocol::answer(&payload, run_id, now_ms()) {
            Next::Continue(reply) => send(reply).await?,
            Next::Exit(reply, code) => {
                send(reply).await?;
                return Ok(code);
            }
        }
    }
    anyhow::bail!("redis subscription closed before shutdown")
}
