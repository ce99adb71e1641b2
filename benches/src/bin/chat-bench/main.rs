//! Chat runtimes: time from `CHAT_START_REQUESTED` (with the first message right behind it) to
//! the first `output` frame on the session's stream, p50/p99 over `BENCH_CHAT_SESSIONS` (100)
//! sessions one after the other; then `BENCH_CHAT_HOLD` (100) sessions held open at once by
//! one engine, each answering, with the `VmRSS` of every session runtime and of this process
//! (the engine). engine-svc's chat consumer and drivers run in-process against the real
//! agent-runtime binary (`DJB_BIN_DIR`), the fake LLM, Postgres and Redis of `make test`, and
//! the agent-svc stand-in of engine-svc's chat tests (the lead rewires this to agent-svc's
//! `chat/start` once it exists). Not part of `make test`; see benches/README.md.

#[path = "../../../../services/engine-svc/tests/chat/chat_agent_svc.rs"]
#[allow(dead_code)]
mod chat_agent_svc;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_agent_svc::ChatAgentSvc;
use engine_svc::config::EngineConfig;
use engine_svc::flows::chat::Chat;
use engine_svc::runtimes::service::RuntimesParts;
use engine_svc::runtimes::{Runtimes, RuntimesConfig};
use engine_svc::{AppState, SERVICE, workers};
use kit::testing::TestApp;
use llm_fake::{LlmFake, Reply};
use serde_json::json;
use shared_schemas::events::chat::{ChatMessageSent, ChatSessionCommand, ChatStartRequested};
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::{AgentId, TenantId};
use tokio_util::sync::CancellationToken;

fn var(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Bench {
    app: TestApp,
    fake: LlmFake,
    svc: ChatAgentSvc,
    tenant: TenantId,
}

impl Bench {
    async fn publish(&self, event: Event) -> anyhow::Result<()> {
        let envelope = EventEnvelope::new(self.tenant.clone(), None, event);
        self.app
            .platform
            .publisher()
            .publish_event(&envelope)
            .await?;
        Ok(())
    }

    /// Starts session `s` and sends it one message; returns when it was asked.
    async fn open(&self, s: &str, model: &str) -> anyhow::Result<AgentId> {
        let agent = AgentId::generate();
        self.svc.create(&self.tenant, s, agent.as_str());
        self.svc.add_message(
            &self.tenant,
            s,
            &format!("msg_u{s}"),
            &format!("msg_a{s}"),
            "hi",
        );
        self.publish(Event::ChatStartRequested(ChatStartRequested {
            session_id: s.into(),
            agent_id: agent.clone(),
            model: format!("custom-fake/{model}"),
            session_type: Default::default(),
            user_id: None,
            system_prompt_supplement: None,
            thinking_level: None,
            restart: false,
        }))
        .await?;
        self.publish(Event::ChatMessageSent(ChatMessageSent {
            session_id: s.into(),
            agent_id: agent.clone(),
            message_id: format!("msg_u{s}"),
            assistant_message_id: format!("msg_a{s}"),
            content: "hi".into(),
            model: None,
            attachments: Vec::new(),
        }))
        .await?;
        Ok(agent)
    }

    async fn end(&self, s: &str, agent: &AgentId) -> anyhow::Result<()> {
        self.publish(Event::ChatEndRequested(ChatSessionCommand {
            session_id: s.into(),
            agent_id: agent.clone(),
        }))
        .await
    }

    /// Whether the session's stream holds an `output` frame.
    async fn has_output(&self, s: &str) -> anyhow::Result<bool> {
        let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
            .arg(self.app.platform.keys.session_stream(&self.tenant, s))
            .arg("-")
            .arg("+")
            .query_async(&mut self.app.platform.redis.clone())
            .await?;
        Ok(entries
            .iter()
            .flat_map(|(_, f)| f)
            .any(|(_, v)| v.contains(r#""type":"output""#)))
    }
}

/// `VmRSS` in kB.
fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// The pids of this process's agent-runtime children.
fn runtimes() -> Vec<u32> {
    let me = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            let Some((head, rest)) = stat.rsplit_once(')') else {
                return false;
            };
            let ppid = rest
                .split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u32>().ok());
            head.ends_with("(agent-runtime") && ppid == Some(me)
        })
        .collect()
}

fn pct(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        v[((v.len() as f64 * q).ceil() as usize)
            .saturating_sub(1)
            .min(v.len() - 1)]
    };
    (at(0.5), at(0.99))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sessions = var("BENCH_CHAT_SESSIONS", 100);
    let hold = var("BENCH_CHAT_HOLD", 100);
    let fake = LlmFake::start().await;
    let svc = ChatAgentSvc::default();
    *svc.settings.lock().expect("lock") = json!({});
    *svc.keys.lock().expect("lock") = json!({
        "keys": {"custom-fake": "sk-fake"},
        "extra": {"CUSTOM_FAKE_BASE_URL": fake.openai_base_url()},
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let router = svc.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let config = Arc::new(EngineConfig {
        agent_svc_url: url,
        ..EngineConfig::default()
    });
    let for_app = config.clone();
    let app = TestApp::spawn(SERVICE, move |p| {
        engine_svc::router(AppState::new(p, for_app))
    })
    .await;
    let state = AppState::new(app.platform.clone(), config);
    let data =
        std::env::temp_dir().join(format!("djb-chat-bench-{}", uuid::Uuid::new_v4().simple()));
    let bin = PathBuf::from(std::env::var("DJB_BIN_DIR")?).join("agent-runtime");
    let rt = Runtimes::new(RuntimesParts {
        config: RuntimesConfig {
            data_path: data.join("data"),
            agent_runtime_bin: Some(bin),
            runtime_stop_grace_secs: 2,
            outbound_allow: format!("127.0.0.1:{}", fake.addr().port()),
            ..RuntimesConfig::default()
        },
        instance: format!("bench-{}", uuid::Uuid::new_v4().simple()),
        redis: app.platform.redis.clone(),
        redis_url: kit::testing::redis_url(),
        client: redis::Client::open(kit::testing::redis_url())?,
        keys: app.platform.keys.clone(),
        db: app.platform.db.clone(),
    });
    let stop = CancellationToken::new();
    tokio::spawn(workers::heartbeat::run(rt.clone(), stop.clone()));
    workers::chat::spawn(Chat::new(state, rt, stop.clone()), stop.clone());
    let tenant = app.tenant("bench").await.id;
    let b = Bench {
        app,
        fake,
        svc,
        tenant,
    };

    // Latency: one session at a time, from the start command to its first output frame.
    let mut latencies = Vec::new();
    for i in 0..sessions {
        let (s, model) = (format!("chat_lat{i}"), format!("lat-{i}"));
        b.fake
            .script(&model, vec![Reply::text("hello from the bench")]);
        let t0 = Instant::now();
        let agent = b.open(&s, &model).await?;
        while !b.has_output(&s).await? {
            anyhow::ensure!(t0.elapsed() < Duration::from_secs(60), "no output for {s}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        latencies.push(t0.elapsed().as_secs_f64() * 1000.0);
        b.end(&s, &agent).await?;
    }
    while !runtimes().is_empty() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let engine_before = rss_kb(std::process::id()).unwrap_or(0);

    // Held: `hold` sessions opened at once, all answered, runtimes kept alive.
    let t0 = Instant::now();
    let mut held = Vec::new();
    for i in 0..hold {
        let (s, model) = (format!("chat_hold{i}"), format!("hold-{i}"));
        b.fake.script(&model, vec![Reply::text("held")]);
        held.push((s.clone(), b.open(&s, &model).await?));
    }
    let mut answered = 0;
    for (s, _) in &held {
        while !b.has_output(s).await? {
            anyhow::ensure!(t0.elapsed() < Duration::from_secs(300), "no output for {s}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        answered += 1;
    }
    let all_answered = t0.elapsed();
    let pids = runtimes();
    let rss: Vec<f64> = pids
        .iter()
        .filter_map(|p| rss_kb(*p))
        .map(|k| k as f64 / 1024.0)
        .collect();
    let engine_after = rss_kb(std::process::id()).unwrap_or(0);
    for (s, agent) in &held {
        b.end(s, agent).await?;
    }

    let (p50, p99) = pct(latencies.clone());
    println!("| chat (one engine, fake LLM) | value |\n|---|---|");
    println!(
        "| start → first `output` frame, p50 / p99 (n={}) | {p50:.0} / {p99:.0} ms |",
        latencies.len()
    );
    println!(
        "| sessions held at once, all answered | {answered} of {hold} in {:.1} s |",
        all_answered.as_secs_f64()
    );
    println!("| session runtimes alive | {} |", pids.len());
    if !rss.is_empty() {
        let (r50, r99) = pct(rss.clone());
        let mean = rss.iter().sum::<f64>() / rss.len() as f64;
        println!(
            "| RSS per session runtime, mean / p50 / p99 | {mean:.1} / {r50:.1} / {r99:.1} MiB |"
        );
    }
    println!(
        "| engine (this process) RSS, before / with {} sessions | {:.0} / {:.0} MiB |",
        pids.len(),
        engine_before as f64 / 1024.0,
        engine_after as f64 / 1024.0
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !runtimes().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stop.cancel();
    let _ = std::fs::remove_dir_all(data);
    Ok(())
}
