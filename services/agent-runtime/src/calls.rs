//! The LLM call log: after every model turn the runtime sends a record of it to agent-svc
//! (`POST {AGENT_SVC_URL}/v1/internal/llm-calls`) with its agent token (`AGENT_API_TOKEN`, good
//! for this agent and run only).
//!
//! Off the hot path: a turn only queues its record (a bounded queue; a full one drops the record
//! with a warning), and one task sends them in order, each with bounded retries and backoff on
//! connection errors, 429 and 5xx. Nothing here can fail a step: a record that cannot be
//! delivered is logged and dropped. When the runtime stops, the task gets a few seconds to send
//! what is queued.
//!
//! The address comes from the engine, not from a tenant, and is the only one this client may
//! reach: its egress guard allows exactly that host and port (a loopback or cluster address
//! the guard refuses otherwise), without adding it to the LLM clients' `OUTBOUND_ALLOW`.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::config::RuntimeConfig;
use crate::llm::provider::Endpoint;
use crate::llm::{LlmError, Reply};

/// Records waiting to be sent, at most.
const QUEUE: usize = 256;
/// Tries per record.
const ATTEMPTS: u32 = 4;
/// The first backoff, doubled after each failed try.
const BACKOFF: Duration = Duration::from_millis(250);
/// One try, until the answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The key sources agent-svc takes; any other is left out of a record (it would be refused).
const KEY_SOURCES: &[&str] = &[
    "personal",
    "admin_shared",
    "instance",
    "executing_user",
    "system",
];

/// One call as agent-svc's `RecordLlmCall` takes it (snake_case, as the reference contract).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CallRecord {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    pub agent_id: String,
    pub request_id: String,
    pub provider: String,
    pub model: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_masked: Option<String>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
    pub total_tokens: u64,
    pub duration_ms: u64,
    pub tool_call_count: u32,
    pub has_thinking: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    pub context_used_tokens: u64,
    pub context_window_tokens: u64,
    pub context_percent: u8,
}

impl CallRecord {
    /// The record of one model turn of `request_id` against `ep` that took `elapsed`: the
    /// provider's usage when it answered, zero tokens and `stop_reason: error` when it did not.
    /// `None` when the runtime has no agent to record for.
    pub fn of_turn(
        cfg: &RuntimeConfig,
        ep: &Endpoint,
        request_id: &str,
        elapsed: Duration,
        outcome: Result<&Reply, &LlmError>,
    ) -> Option<Self> {
        let agent = cfg.agent.as_ref()?;
        let mut record = Self {
            run_id: Some(cfg.run.as_str().to_owned()),
            session_id: cfg.chat_session.clone(),
            agent_id: agent.as_str().to_owned(),
            request_id: request_id.to_owned(),
            provider: ep.provider.clone(),
            model: ep.model.clone(),
            key_source: cfg
                .key_sources
                .get(&ep.provider)
                .filter(|s| KEY_SOURCES.contains(&s.as_str()))
                .cloned(),
            key_masked: ep.api_key.as_ref().map(|k| mask(k.expose_secret())),
            duration_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            context_window_tokens: cfg.context_window,
            stop_reason: Some("error".to_owned()),
            ..Self::default()
        };
        if let Ok(reply) = outcome {
            let usage = &reply.usage;
            let prompt = usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens;
            record.input_tokens = usage.input_tokens;
            record.output_tokens = usage.output_tokens;
            record.cache_read_tokens = usage.cache_read_tokens;
            record.cache_write_tokens = usage.cache_write_tokens;
            record.total_tokens = prompt + usage.output_tokens;
            record.tool_call_count = u32::try_from(reply.tool_calls.len()).unwrap_or(u32::MAX);
            record.has_thinking = !reply.thinking.is_empty();
            record.stop_reason = reply.stop_reason.clone();
            record.context_used_tokens = prompt;
            record.context_percent = percent(prompt, cfg.context_window);
        }
        Some(record)
    }
}

/// A key as the call log may show it: its first and last four characters.
pub fn mask(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 12 {
        return "***".to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}...{tail}")
}

/// The share of the context window a prompt of `used` tokens takes, in whole percent (0–100).
pub fn percent(used: u64, window: u64) -> u8 {
    let share = used.saturating_mul(100) / window.max(1);
    u8::try_from(share.min(100)).unwrap_or(100)
}

/// Where the records go and with which token (`AGENT_SVC_URL`, `AGENT_API_TOKEN`).
#[derive(Debug, Clone)]
pub struct CallLogTarget {
    pub agent_svc_url: String,
    pub token: SecretString,
}

/// The queue's sending end; a disabled log (no target configured) takes records and drops them.
#[derive(Debug, Clone, Default)]
pub struct CallLog {
    tx: Option<mpsc::Sender<CallRecord>>,
}

/// What one try came to.
enum Sent {
    Done,
    /// Worth another try (the connection failed, 429, 5xx).
    Retry(String),
    /// Another try would be refused the same way (4xx).
    Refused(String),
}

impl CallLog {
    pub fn disabled() -> Self {
        Self { tx: None }
    }

    /// Starts the sending task for `target`; the task ends once every `CallLog` clone is dropped
    /// and the queue is sent.
    pub fn start(target: CallLogTarget) -> anyhow::Result<(Self, JoinHandle<()>)> {
        crate::tls::install_provider();
        let url = reqwest::Url::parse(&format!(
            "{}/v1/internal/llm-calls",
            target.agent_svc_url.trim_end_matches('/')
        ))?;
        let host = url
            .host_str()
            .ok_or_else(|| anyhow::anyhow!("AGENT_SVC_URL has no host"))?;
        let port = url
            .port_or_known_default()
            .ok_or_else(|| anyhow::anyhow!("AGENT_SVC_URL has no port"))?;
        let allow = egress::AllowList::parse(&format!("{host}:{port}"))?;
        let http = egress::Guarded::new(allow, || {
            Ok::<_, reqwest::Error>(
                reqwest::Client::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .timeout(REQUEST_TIMEOUT),
            )
        })?;
        let client = http
            .client_for(&url)
            .map_err(|e| anyhow::anyhow!("AGENT_SVC_URL: {e}"))?
            .clone();
        let (tx, mut rx) = mpsc::channel::<CallRecord>(QUEUE);
        let task = tokio::spawn(async move {
            while let Some(record) = rx.recv().await {
                deliver(&client, &url, &target.token, &record).await;
            }
        });
        Ok((Self { tx: Some(tx) }, task))
    }

    /// Queues `record`; never waits.
    pub fn record(&self, record: CallRecord) {
        let Some(tx) = &self.tx else { return };
        if let Err(err) = tx.try_send(record) {
            tracing::warn!(error = %err, "the LLM call log queue is full; a call record is dropped");
        }
    }
}

async fn deliver(
    client: &reqwest::Client,
    url: &reqwest::Url,
    token: &SecretString,
    record: &CallRecord,
) {
    let mut wait = BACKOFF;
    for attempt in 1..=ATTEMPTS {
        let why = match send_once(client, url, token, record).await {
            Sent::Done => return,
            Sent::Refused(why) => {
                tracing::warn!(
                    request_id = record.request_id,
                    why,
                    "agent-svc refused an LLM call record"
                );
                return;
            }
            Sent::Retry(why) => why,
        };
        if attempt == ATTEMPTS {
            tracing::warn!(
                request_id = record.request_id,
                attempts = ATTEMPTS,
                why,
                "an LLM call record could not be delivered and is dropped"
            );
            return;
        }
        tracing::debug!(attempt, why, "LLM call record retried");
        tokio::time::sleep(wait).await;
        wait = wait.saturating_mul(2);
    }
}

async fn send_once(
    client: &reqwest::Client,
    url: &reqwest::Url,
    token: &SecretString,
    record: &CallRecord,
) -> Sent {
    let sent = client
        .post(url.clone())
        .bearer_auth(token.expose_secret())
        .json(record)
        .send()
        .await;
    match sent {
        Ok(res) if res.status().is_success() => Sent::Done,
        Ok(res) => {
            let status = res.status();
            let body: String = res
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect();
            let why = format!("HTTP {}: {body}", status.as_u16());
            if status.as_u16() == 429 || status.is_server_error() {
                Sent::Retry(why)
            } else {
                Sent::Refused(why)
            }
        }
        Err(err) => Sent::Retry(err.without_url().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_masked_and_percent_is_bounded() {
        assert_eq!(mask("sk-fake-key"), "***");
        assert_eq!(mask("sk-ant-api03-abcdefgh-wxyz"), "sk-a...wxyz");
        assert_eq!(percent(64_000, 128_000), 50);
        assert_eq!(percent(900_000, 128_000), 100);
        assert_eq!(percent(5, 0), 100);
    }

    #[test]
    fn the_record_is_the_shape_agent_svc_takes() {
        let record = CallRecord {
            run_id: Some("run_1".into()),
            agent_id: "agt_1".into(),
            request_id: "req_1".into(),
            provider: "anthropic".into(),
            model: "claude".into(),
            input_tokens: 3,
            ..CallRecord::default()
        };
        let wire = serde_json::to_value(&record).expect("json");
        assert_eq!(wire["run_id"], "run_1");
        assert_eq!(wire["input_tokens"], 3);
        assert!(wire.get("session_id").is_none() && wire.get("stop_reason").is_none());
    }

    #[tokio::test]
    async fn only_the_configured_address_is_reachable_and_nothing_blocks_a_turn() {
        let (log, task) = CallLog::start(CallLogTarget {
            // Nothing listens on port 9 of loopback: every try fails at connect.
            agent_svc_url: "http://127.0.0.1:9".into(),
            token: SecretString::from("t"),
        })
        .expect("started");
        for _ in 0..(QUEUE * 2) {
            log.record(CallRecord::default());
        }
        drop(log);
        task.abort();
        let bad = CallLog::start(CallLogTarget {
            agent_svc_url: "ftp://127.0.0.1:9".into(),
            token: SecretString::from("t"),
        });
        assert!(bad.is_err(), "only http and https");
        CallLog::disabled().record(CallRecord::default());
    }
}
