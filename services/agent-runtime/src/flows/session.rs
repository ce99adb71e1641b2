//! One session with the engine: subscribe to the command channel first, then report `ready` on
//! the runtime stream (commands sent before a subscription are lost), answer each command on the
//! stream, and stop on `shutdown`.

use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use shared_schemas::runtime::{
    RUNTIME_STREAM_FIELD, RUNTIME_STREAM_MAXLEN, RuntimeCommand, RuntimeError, RuntimeMessage,
};

use crate::config::RuntimeConfig;
use crate::domain::protocol;

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
    let stream = cfg.keys.run_runtime(&cfg.tenant, &cfg.run);
    pubsub.subscribe(&commands).await?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let run_id = &cfg.run;
    let mut send = async |message: RuntimeMessage| -> anyhow::Result<()> {
        redis::cmd("XADD")
            .arg(&stream)
            .arg("MAXLEN")
            .arg("~")
            .arg(RUNTIME_STREAM_MAXLEN)
            .arg("*")
            .arg(RUNTIME_STREAM_FIELD)
            .arg(serde_json::to_string(&message)?)
            .query_async::<String>(&mut conn)
            .await?;
        Ok(())
    };
    send(protocol::ready(run_id, now_ms())).await?;
    tracing::info!(run = run_id.as_str(), "runtime ready");

    let mut messages = pubsub.on_message();
    while let Some(msg) = messages.next().await {
        let payload: String = msg.get_payload().unwrap_or_default();
        match protocol::decode(&payload, run_id, now_ms()) {
            Err(reply) => send(RuntimeMessage::Error(reply)).await?,
            Ok(RuntimeCommand::Shutdown(_)) => {
                send(protocol::exiting(run_id, 0, now_ms())).await?;
                return Ok(0);
            }
            Ok(other) => {
                send(RuntimeMessage::Error(RuntimeError {
                    run_id: run_id.clone(),
                    message: "this runtime does not run requests yet".into(),
                    code: Some("unsupported_command".into()),
                    request_id: other.request_id().map(str::to_owned),
                    timestamp: now_ms(),
                }))
                .await?
            }
        }
    }
    anyhow::bail!("redis subscription closed before shutdown")
}
