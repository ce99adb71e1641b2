//! The harness of the runtime tests: a runtime (the `run` function or the real binary) on real
//! Redis under a unique key prefix, a temp workspace, and a reader of its stream.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use agent_runtime::{RuntimeConfig, run};
use bus::Keys;
use serde_json::Value;
use shared_schemas::ids::{RunId, TenantId};
use shared_schemas::runtime::{RuntimeMessage, StepEnd};
use tokio::task::JoinHandle;

/// The `OUTBOUND_ALLOW` entry that lets the runtime reach `fake` (on loopback, which the egress
/// guard refuses otherwise): its port only.
pub fn allow_fake(fake: &llm_fake::LlmFake) -> (&'static str, String) {
    (
        "OUTBOUND_ALLOW",
        format!("127.0.0.1:{}", fake.addr().port()),
    )
}

/// The variables that point the runtime at `fake`: `custom-fake/{model}` on its OpenAI side,
/// `anthropic/{model}` on its Anthropic side (the fake, like the real APIs, wants a key), and
/// the allow-list entry for its port.
pub fn fake_env(fake: &llm_fake::LlmFake) -> Vec<(&'static str, String)> {
    vec![
        allow_fake(fake),
        ("CUSTOM_FAKE_BASE_URL", fake.openai_base_url()),
        ("CUSTOM_FAKE_API_KEY", "sk-fake-key".to_owned()),
        ("ANTHROPIC_BASE_URL", fake.base_url()),
        ("ANTHROPIC_API_KEY", "sk-ant-fake".to_owned()),
    ]
}

pub fn redis_url() -> String {
    std::env::var("DJB_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:56379/15".to_owned())
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rt-{tag}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Reads the runtime stream after the last id seen.
pub struct Reader {
    pub conn: redis::aio::MultiplexedConnection,
    pub key: String,
    last: String,
}

impl Reader {
    pub async fn next(&mut self) -> RuntimeMessage {
        self.try_next(Duration::from_secs(15))
            .await
            .expect("a runtime message within 15 s")
    }

    pub async fn try_next(&mut self, wait: Duration) -> Option<RuntimeMessage> {
        let reply: redis::streams::StreamReadReply = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(1)
            .arg("BLOCK")
            .arg(wait.as_millis() as u64)
            .arg("STREAMS")
            .arg(&self.key)
            .arg(&self.last)
            .query_async(&mut self.conn)
            .await
            .expect("xread");
        let entry = reply.keys.into_iter().next()?.ids.into_iter().next()?;
        self.last = entry.id.clone();
        let data: String = entry.get("data").expect("data field");
        Some(serde_json::from_str(&data).expect("a runtime message"))
    }
}

pub struct Harness {
    pub run: RunId,
    pub workspace: PathBuf,
    pub reader: Reader,
    pub commands: String,
    conn: redis::aio::MultiplexedConnection,
    pub task: Option<JoinHandle<anyhow::Result<i32>>>,
}

/// The environment the engine would give the runtime.
pub fn vars(
    tenant: &TenantId,
    run: &RunId,
    keys_prefix: &str,
    workspace: &std::path::Path,
    model: &str,
    extra: &[(&str, String)],
) -> BTreeMap<String, String> {
    let mut vars: BTreeMap<String, String> = [
        ("TENANT_ID", tenant.to_string()),
        ("RUN_ID", run.to_string()),
        ("AGENT_ID", "agt_0a1b2c3d4e5f6g7h".to_owned()),
        ("REDIS_URL", redis_url()),
        ("REDIS_PREFIX", keys_prefix.to_owned()),
        ("WORKSPACE_PATH", workspace.display().to_string()),
        ("AGENT_MODEL", model.to_owned()),
        ("PATH", std::env::var("PATH").unwrap_or_default()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (k, v) in extra {
        vars.insert((*k).to_owned(), v.clone());
    }
    vars
}

impl Harness {
    /// A runtime on `model` with `extra` variables, started in-process, past its `ready`.
    pub async fn start(model: &str, extra: &[(&str, String)]) -> Self {
        Self::start_as(TenantId::generate(), RunId::generate(), model, extra).await
    }

    /// [`Harness::start`] for `tenant` and `run` (a run of a tenant the services know).
    pub async fn start_as(
        tenant: TenantId,
        run_id: RunId,
        model: &str,
        extra: &[(&str, String)],
    ) -> Self {
        let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
        let keys = Keys::new(prefix.clone());
        let workspace = temp_dir("ws");
        let cfg =
            RuntimeConfig::from_vars(vars(&tenant, &run_id, &prefix, &workspace, model, extra))
                .expect("config");
        let mut harness = Self::attach(tenant, run_id, keys, workspace).await;
        harness.task = Some(tokio::spawn(run(cfg)));
        let RuntimeMessage::Ready(ready) = harness.reader.next().await else {
            panic!("ready comes first");
        };
        assert_eq!(ready.run_id, harness.run);
        harness
    }

    /// The reader and publisher for a runtime of `tenant`/`run` (started by the caller).
    pub async fn attach(tenant: TenantId, run: RunId, keys: Keys, workspace: PathBuf) -> Self {
        let client = redis::Client::open(redis_url()).expect("client");
        Self::attach_with(client, tenant, run, keys, workspace).await
    }

    /// Like [`Harness::attach`], on the Redis `client` reaches.
    pub async fn attach_with(
        client: redis::Client,
        tenant: TenantId,
        run: RunId,
        keys: Keys,
        workspace: PathBuf,
    ) -> Self {
        let conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("redis reachable (DJB_TEST_REDIS_URL)");
        // XREAD BLOCK outlasts the default response timeout: the reader has none.
        let config = redis::AsyncConnectionConfig::new().set_response_timeout(None);
        let reader_conn = client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .expect("reader connection");
        Self {
            reader: Reader {
                conn: reader_conn,
                key: keys.run_runtime(&tenant, &run),
                last: "0".into(),
            },
            commands: keys.run_commands(&tenant, &run),
            run,
            workspace,
            conn,
            task: None,
        }
    }

    pub async fn send(&mut self, command: Value) {
        redis::cmd("PUBLISH")
            .arg(&self.commands)
            .arg(command.to_string())
            .query_async::<i64>(&mut self.conn)
            .await
            .expect("publish");
    }

    pub async fn next(&mut self) -> RuntimeMessage {
        self.reader.next().await
    }

    /// Every message up to and including the `idle` of `request_id`.
    pub async fn until_idle(&mut self, request_id: &str) -> Vec<RuntimeMessage> {
        let mut seen = Vec::new();
        loop {
            let message = self.next().await;
            let done = matches!(&message, RuntimeMessage::Idle(i) if i.request_id.as_deref() == Some(request_id));
            seen.push(message);
            if done {
                return seen;
            }
        }
    }

    /// Shuts the runtime down, checks `exiting` and exit code 0, and removes its keys and files.
    pub async fn shutdown(mut self) {
        self.send(serde_json::json!({"type": "shutdown"})).await;
        self.wait_exit().await;
    }

    /// Waits for `exiting` and exit code 0, then removes the runtime's keys and files.
    pub async fn wait_exit(mut self) {
        loop {
            if let RuntimeMessage::Exiting(e) = self.next().await {
                assert_eq!(e.code, Some(0));
                break;
            }
        }
        if let Some(task) = self.task.take() {
            let code = tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("exits")
                .expect("join")
                .expect("ok");
            assert_eq!(code, 0);
        }
        self.cleanup().await;
    }

    pub async fn cleanup(mut self) {
        let _ = redis::cmd("DEL")
            .arg(&self.reader.key)
            .query_async::<i64>(&mut self.conn)
            .await;
        let _ = std::fs::remove_dir_all(&self.workspace);
    }
}

/// The one `stepEnd` among `messages`, checking the request's order: `busy`, `stepStart`, …,
/// `stepEnd`, `idle`, with exactly one of each.
pub fn check_order(messages: &[RuntimeMessage], request_id: &str) -> StepEnd {
    let tag = |m: &RuntimeMessage| {
        serde_json::to_value(m).expect("json")["type"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let tags: Vec<String> = messages.iter().map(tag).collect();
    assert_eq!(tags.first().map(String::as_str), Some("busy"), "{tags:?}");
    assert_eq!(
        tags.get(1).map(String::as_str),
        Some("stepStart"),
        "{tags:?}"
    );
    assert_eq!(
        tags.iter().filter(|t| *t == "stepEnd").count(),
        1,
        "{tags:?}"
    );
    assert_eq!(tags.iter().filter(|t| *t == "idle").count(), 1, "{tags:?}");
    assert_eq!(tags[tags.len() - 2], "stepEnd", "{tags:?}");
    for m in messages {
        if let Some(id) = m.request_id() {
            assert_eq!(id, request_id, "{m:?}");
        }
    }
    match &messages[messages.len() - 2] {
        RuntimeMessage::StepEnd(end) => end.clone(),
        other => panic!("stepEnd expected, got {other:?}"),
    }
}

/// `(tool, result, success)` of every `toolEnd` among `messages`, in order.
pub fn tool_ends(messages: &[RuntimeMessage]) -> Vec<(String, String, bool)> {
    messages
        .iter()
        .filter_map(|m| match m {
            RuntimeMessage::ToolEnd(t) => Some((t.tool_name.clone(), t.result.clone(), t.success)),
            _ => None,
        })
        .collect()
}

/// The tool names the model was offered in its `i`-th request of `model`.
pub fn offered(fake: &llm_fake::LlmFake, model: &str, i: usize) -> Vec<String> {
    fake.requests(model)[i].body["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["function"]["name"].as_str().map(str::to_owned))
        .collect()
}
