//! The chat harness: real Postgres and Redis (a fresh key prefix), the fake LLM, the agent-svc
//! stand-in, and one or more engines (runtimes with the real agent-runtime binary, the chat
//! consumer and the take-over pass) sharing them, as replicas do.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use engine_svc::config::EngineConfig;
use engine_svc::flows::chat::Chat;
use engine_svc::runtimes::service::RuntimesParts;
use engine_svc::runtimes::{Runtimes, RuntimesConfig};
use engine_svc::{AppState, SERVICE, workers};
use kit::testing::{TestApp, TestTenant};
use llm_fake::LlmFake;
use serde_json::{Value, json};
use shared_schemas::events::chat::{
    ChatMessageSent, ChatModelChanged, ChatSessionCommand, ChatStartRequested,
};
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::{AgentId, TenantId};
use tokio_util::sync::CancellationToken;

use crate::chat_agent_svc::ChatAgentSvc;

pub const WAIT: Duration = Duration::from_secs(40);

pub struct Harness {
    pub app: TestApp,
    pub state: AppState,
    pub fake: LlmFake,
    pub svc: ChatAgentSvc,
    pub data: PathBuf,
    pub engines: Vec<Engine>,
}

/// One engine replica: its runtimes, chat consumer and take-over pass.
pub struct Engine {
    pub chat: Chat,
    pub stop: CancellationToken,
}

impl Drop for Harness {
    fn drop(&mut self) {
        for e in &self.engines {
            e.stop.cancel();
        }
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

fn runtime_bin() -> PathBuf {
    let dir = std::env::var("DJB_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            std::env::var("CARGO_TARGET_DIR")
                .map(|d| PathBuf::from(d).join("debug"))
                .unwrap_or_else(|_| {
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/debug")
                })
        });
    let bin = dir.join("agent-runtime");
    assert!(
        bin.is_file(),
        "{} missing: cargo build -p agent-runtime",
        bin.display()
    );
    bin
}

/// A harness whose tenants' settings are `settings` (chat timeouts), with one engine.
pub async fn harness(settings: Value) -> Harness {
    let mut h = bare_harness(settings).await;
    h.add_engine().await;
    h
}

/// A harness with no engine yet.
pub async fn bare_harness(settings: Value) -> Harness {
    let fake = LlmFake::start().await;
    let svc = ChatAgentSvc::default();
    *svc.settings.lock().expect("lock") = settings;
    *svc.keys.lock().expect("lock") = json!({
        "keys": {"custom-fake": "sk-fake"},
        "extra": {"CUSTOM_FAKE_BASE_URL": fake.openai_base_url()},
        "key_sources": {"custom-fake": {"source": "instance", "masked_key": "sk-…e"}},
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let router = svc.router();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let config = Arc::new(EngineConfig {
        agent_svc_url: url,
        ..EngineConfig::default()
    });
    let for_app = config.clone();
    let app = TestApp::spawn(SERVICE, move |platform| {
        engine_svc::router(AppState::new(platform, for_app))
    })
    .await;
    let state = AppState::new(app.platform.clone(), config);
    let data = std::env::temp_dir().join(format!("djb-chat-{}", uuid::Uuid::new_v4().simple()));
    Harness {
        app,
        state,
        fake,
        svc,
        data,
        engines: Vec::new(),
    }
}

impl Harness {
    /// Starts one more engine replica; returns its index.
    pub async fn add_engine(&mut self) -> usize {
        let (chat, stop) = self.engine_parts();
        spawn_engine(&chat, &stop);
        self.engines.push(Engine { chat, stop });
        self.engines.len() - 1
    }

    /// Starts an engine replica on a Tokio runtime of its own: dropping that runtime
    /// (`shutdown_background`) kills the replica as `kill -9` would, with no clean-up of any
    /// kind (no lease released, no state written; its runtimes die with their handles).
    pub fn add_killable_engine(&mut self) -> (usize, tokio::runtime::Runtime) {
        let own = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let (chat, stop) = self.engine_parts();
        {
            let _inside = own.enter();
            spawn_engine(&chat, &stop);
        }
        self.engines.push(Engine { chat, stop });
        (self.engines.len() - 1, own)
    }

    fn engine_parts(&self) -> (Chat, CancellationToken) {
        let platform = &self.app.platform;
        let config = RuntimesConfig {
            data_path: self.data.join("data"),
            agent_runtime_bin: Some(runtime_bin()),
            runtime_stop_grace_secs: 2,
            runtime_ready_timeout_secs: 20,
            runtime_ack_timeout_secs: 2,
            outbound_allow: format!("127.0.0.1:{}", self.fake.addr().port()),
            instance_ttl_secs: 3,
            instance_heartbeat_secs: 1,
            ..RuntimesConfig::default()
        };
        let rt = Runtimes::new(RuntimesParts {
            config,
            instance: format!("engine-{}", uuid::Uuid::new_v4().simple()),
            redis: platform.redis.clone(),
            redis_url: kit::testing::redis_url(),
            client: redis::Client::open(kit::testing::redis_url()).expect("client"),
            keys: platform.keys.clone(),
            db: platform.db.clone(),
        });
        let stop = CancellationToken::new();
        let mut chat = Chat::new(self.state.clone(), rt, stop.clone());
        chat.lease_ttl = Duration::from_secs(3);
        (chat, stop)
    }

    pub async fn publish(&self, tenant: &TenantId, event: Event) {
        let envelope = EventEnvelope::new(tenant.clone(), None, event);
        self.app
            .platform
            .publisher()
            .publish_event(&envelope)
            .await
            .expect("publish");
    }

    /// Creates a session in the stand-in and asks the engine to start it.
    pub async fn start(&self, t: &TestTenant, session: &str, model: &str) -> AgentId {
        let agent = AgentId::generate();
        self.svc.create(&t.id, session, agent.as_str());
        self.publish(
            &t.id,
            Event::ChatStartRequested(ChatStartRequested {
                session_id: session.into(),
                agent_id: agent.clone(),
                model: format!("custom-fake/{model}"),
                session_type: Default::default(),
                user_id: None,
                system_prompt_supplement: Some("Answer briefly.".into()),
                thinking_level: None,
                restart: false,
            }),
        )
        .await;
        agent
    }

    /// Stores a user message (and its empty answer) and sends it; returns the answer's id.
    pub async fn say(&self, t: &TestTenant, session: &str, agent: &AgentId, text: &str) -> String {
        let n = uuid::Uuid::new_v4().simple().to_string();
        let (user, assistant) = (format!("msg_u{n}"), format!("msg_a{n}"));
        self.svc
            .add_message(&t.id, session, &user, &assistant, text);
        self.publish(
            &t.id,
            Event::ChatMessageSent(ChatMessageSent {
                session_id: session.into(),
                agent_id: agent.clone(),
                message_id: user,
                assistant_message_id: assistant.clone(),
                content: text.into(),
                model: None,
                attachments: Vec::new(),
            }),
        )
        .await;
        assistant
    }

    pub async fn command(&self, t: &TestTenant, session: &str, agent: &AgentId, kind: &str) {
        let cmd = ChatSessionCommand {
            session_id: session.into(),
            agent_id: agent.clone(),
        };
        let event = match kind {
            "stop" => Event::ChatStopRequested(cmd),
            "end" => Event::ChatEndRequested(cmd),
            other => panic!("no command {other}"),
        };
        self.publish(&t.id, event).await;
    }

    pub async fn change_model(&self, t: &TestTenant, session: &str, agent: &AgentId, model: &str) {
        self.publish(
            &t.id,
            Event::ChatModelChanged(ChatModelChanged {
                session_id: session.into(),
                agent_id: agent.clone(),
                model: format!("custom-fake/{model}"),
            }),
        )
        .await;
    }

    /// The frames on the session's stream, oldest first.
    pub async fn frames(&self, tenant: &TenantId, session: &str) -> Vec<Value> {
        let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
            .arg(self.app.platform.keys.session_stream(tenant, session))
            .arg("-")
            .arg("+")
            .query_async(&mut self.app.platform.redis.clone())
            .await
            .expect("xrange");
        entries
            .into_iter()
            .filter_map(|(_, fields)| {
                let (_, data) = fields.into_iter().find(|(k, _)| k == "data")?;
                serde_json::from_str(&data).ok()
            })
            .collect()
    }

    /// The frame types in order.
    pub async fn kinds(&self, tenant: &TenantId, session: &str) -> Vec<String> {
        self.frames(tenant, session)
            .await
            .iter()
            .map(|f| f["type"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// The completed content of an assistant message, once completed.
    pub fn answer(&self, tenant: &TenantId, session: &str, id: &str) -> Option<(String, bool)> {
        let s = self.svc.session(tenant, session)?;
        s.messages
            .iter()
            .find(|m| m.id == id && m.completed)
            .map(|m| (m.content.clone(), m.aborted))
    }

    /// Runtimes the engines run now.
    pub fn runtimes_running(&self) -> usize {
        self.engines
            .iter()
            .map(|e| e.chat.runtimes.active_count())
            .sum()
    }
}

/// The heartbeat, chat consumer and take-over pass of an engine, on the current runtime.
fn spawn_engine(chat: &Chat, stop: &CancellationToken) {
    tokio::spawn(workers::heartbeat::run(chat.runtimes.clone(), stop.clone()));
    let (c, s) = (chat.clone(), stop.clone());
    tokio::spawn(async move {
        let _ = workers::chat::run(c, s).await;
    });
    tokio::spawn(workers::chat::take_over(
        chat.clone(),
        Duration::from_millis(500),
        stop.clone(),
    ));
}

/// Polls `check` until it is true or [`WAIT`] passes.
pub async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
