//! agent-runtime: runs inside the process, container or Pod engine-svc starts for one run.
//!
//! It speaks the runtime protocol of CONTRACTS.md §5.2 over Redis pub/sub, on the tenant-scoped
//! channels of spec §3.5 (`…:t:{tenant}:run:{run}:commands` / `…:status`): subscribe to the
//! command channel first, then publish `ready` (messages sent before a subscription are lost);
//! on `shutdown` publish `exiting` and stop. The agent loop that answers `agentStep` and the
//! other commands arrives with the engine; until then they are answered with an `error` status
//! naming the command, so an engine never waits on silence.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use bus::Keys;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use shared_schemas::ids::{RunId, TenantId};

/// What the engine hands a runtime through its environment.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    pub tenant: TenantId,
    pub run: RunId,
    pub redis_url: String,
    pub keys: Keys,
}

impl RuntimeConfig {
    /// Reads `TENANT_ID`, `RUN_ID`, `REDIS_URL` and optional `REDIS_PREFIX`.
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).with_context(|| format!("{name} is required"));
        Ok(Self {
            tenant: TenantId::parse(var("TENANT_ID")?).context("TENANT_ID")?,
            run: RunId::parse(var("RUN_ID")?).context("RUN_ID")?,
            redis_url: var("REDIS_URL")?,
            keys: Keys::new(
                std::env::var("REDIS_PREFIX").unwrap_or_else(|_| bus::keys::DEFAULT_PREFIX.into()),
            ),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Command {
    #[serde(rename = "type")]
    kind: String,
    request_id: Option<String>,
}

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
    send(json!({ "type": "ready", "runId": run_id, "timestamp": now_ms() })).await?;
    tracing::info!(run = run_id, "runtime ready");

    let mut messages = pubsub.on_message();
    while let Some(msg) = messages.next().await {
        let payload: String = msg.get_payload().unwrap_or_default();
        let command = match serde_json::from_str::<Command>(&payload) {
            Ok(command) => command,
            Err(err) => {
                send(json!({ "type": "error", "runId": run_id, "message": format!("malformed command: {err}"),
                             "code": "malformed_command", "timestamp": now_ms() }))
                .await?;
                continue;
            }
        };
        if command.kind == "shutdown" {
            send(json!({ "type": "exiting", "runId": run_id, "code": 0, "timestamp": now_ms() }))
                .await?;
            return Ok(0);
        }
        send(json!({ "type": "error", "runId": run_id, "requestId": command.request_id,
                     "message": format!("command `{}` is not supported by this runtime", command.kind),
                     "code": "unsupported_command", "timestamp": now_ms() }))
        .await?;
    }
    anyhow::bail!("redis subscription closed before shutdown")
}
