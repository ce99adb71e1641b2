//! Shared set-up: a relay on a real socket with real Redis, agent-svc's agent lookup, tokens,
//! publishing like the producers do, and a small SSE client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use kit::testing::TestApp;
use kit::{Claims, TokenKind};
use serde_json::{Value, json};
use shared_schemas::ids::{RunId, TenantId};
use sse_relay::config::RelayConfig;
use sse_relay::{AppState, SERVICE};
use tokio_util::sync::CancellationToken;

/// Agents known to the agent-svc stand-in: `(tenant, id or slug)` → `agt_` id; and their chat
/// sessions: `(tenant, session)` → `agt_` id.
#[derive(Clone, Default)]
pub struct Agents(
    Arc<Mutex<HashMap<(String, String), String>>>,
    Arc<Mutex<HashMap<(String, String), String>>>,
);

impl Agents {
    pub fn add(&self, tenant: &TenantId, id: &str, slug: &str) {
        let mut map = self.0.lock().expect("agents");
        map.insert((tenant.to_string(), id.to_owned()), id.to_owned());
        map.insert((tenant.to_string(), slug.to_owned()), id.to_owned());
    }

    /// `session` is a chat of the agent `id`.
    pub fn chat(&self, tenant: &TenantId, id: &str, session: &str) {
        let mut map = self.1.lock().expect("chats");
        map.insert((tenant.to_string(), session.to_owned()), id.to_owned());
    }
}

/// agent-svc's `GET /v1/agents/{a}/chat/{s}/status`: 404 unless `s` is a chat of `a` in the
/// caller's tenant.
async fn chat_status(
    State((agents, keys)): State<(Agents, Arc<kit::auth::JwtKeys>)>,
    headers: HeaderMap,
    Path((agent, session)): Path<(String, String)>,
) -> Result<Json<Value>, StatusCode> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(StatusCode::UNAUTHORIZED)?;
    let claims = keys.verify(token).map_err(|_| StatusCode::UNAUTHORIZED)?;
    let tenant = claims.tenant_id.to_string();
    let owner = agents
        .1
        .lock()
        .expect("chats")
        .get(&(tenant.clone(), session))
        .cloned();
    let asked = agents
        .0
        .lock()
        .expect("agents")
        .get(&(tenant, agent))
        .cloned();
    match (owner, asked) {
        (Some(owner), Some(asked)) if owner == asked => Ok(Json(json!({"status": "running"}))),
        _ => Err(StatusCode::NOT_FOUND),
    }
}

/// agent-svc's `GET /v1/agents/{id}` as the relay uses it: the caller's tenant from its token,
/// 404 for an agent of another tenant. (agent-svc itself is exercised in tests/e2e/tests/sse.rs.)
async fn agent(
    State((agents, keys)): State<(Agents, Arc<kit::auth::JwtKeys>)>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, StatusCode> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(StatusCode::UNAUTHORIZED)?;
    let claims = keys.verify(token).map_err(|_| StatusCode::UNAUTHORIZED)?;
    let map = agents.0.lock().expect("agents");
    let found = map.get(&(claims.tenant_id.to_string(), id)).cloned();
    found
        .map(|id| Json(json!({ "id": id })))
        .ok_or(StatusCode::NOT_FOUND)
}

pub struct Relay {
    pub app: TestApp,
    /// A connection outside the relay's Redis user, for what producers write.
    pub producer: redis::aio::ConnectionManager,
    pub state: AppState,
    pub agents: Agents,
    pub streams: CancellationToken,
}

pub async fn relay() -> Relay {
    relay_with(|_| {}).await
}

pub async fn relay_with(adjust: impl FnOnce(&mut RelayConfig)) -> Relay {
    let agents = Agents::default();
    let mut config = RelayConfig {
        sse_heartbeat_secs: 1,
        sse_status_check_ms: 200,
        sse_read_block_ms: 100,
        ..RelayConfig::default()
    };
    adjust(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    config.agent_svc_url = format!("http://{}", listener.local_addr().expect("addr"));
    let config = Arc::new(config);
    let streams = CancellationToken::new();
    let (for_app, stop) = (config.clone(), streams.clone());
    let slot = Arc::new(OnceLock::new());
    let served = slot.clone();
    let app = TestApp::spawn(SERVICE, move |platform| {
        let redis = kit::tls::redis_client(&platform.config).expect("redis client");
        let state = AppState::new(platform, for_app, redis, stop);
        let _ = served.set(state.clone());
        sse_relay::router(state)
    })
    .await;
    let fake = axum::Router::new()
        .route("/v1/agents/{id}", get(agent))
        .route("/v1/agents/{a}/chat/{s}/status", get(chat_status))
        .with_state((agents.clone(), app.platform.jwt.clone()));
    tokio::spawn(async move {
        let _ = axum::serve(listener, fake).await;
    });
    let state = slot.get().cloned().expect("the relay's state");
    let producer = kit::platform::connect_redis(&kit::testing::redis_url())
        .await
        .expect("producer connection");
    Relay {
        app,
        producer,
        state,
        agents,
        streams,
    }
}

/// A second relay replica on the same Redis prefix and keys as `first`.
pub async fn replica(first: &Relay) -> Relay {
    let prefix = first.app.platform.config.redis_prefix.clone();
    let agents = first.agents.clone();
    let config = (*first.state.config).clone();
    let streams = CancellationToken::new();
    let stop = streams.clone();
    let slot = Arc::new(OnceLock::new());
    let served = slot.clone();
    let app = TestApp::spawn_with(
        SERVICE,
        |common| common.redis_prefix = prefix,
        move |platform| {
            let redis = kit::tls::redis_client(&platform.config).expect("redis client");
            let state = AppState::new(platform, Arc::new(config), redis, stop);
            let _ = served.set(state.clone());
            sse_relay::router(state)
        },
    )
    .await;
    let state = slot.get().cloned().expect("the relay's state");
    let producer = kit::platform::connect_redis(&kit::testing::redis_url())
        .await
        .expect("producer connection");
    Relay {
        app,
        producer,
        state,
        agents,
        streams,
    }
}

impl Relay {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.app.addr)
    }

    pub fn agent_token(&self, tenant: &TenantId, agent: &str, run: Option<&str>) -> String {
        let mut claims = Claims::access(
            "agt-runtime",
            tenant.clone(),
            TokenKind::Agent,
            Duration::from_secs(900),
        );
        claims.agent_id = Some(agent.to_owned());
        claims.run_id = run.map(str::to_owned);
        self.app.mint(&claims)
    }

    /// Publishes `event` like a producer's outbox relay (global + tenant [+ run] streams);
    /// returns the tenant stream entry id.
    pub async fn publish(&self, tenant: &TenantId, run: Option<&str>, event: Value) -> String {
        let run = run.map(|r| RunId::parse(r.to_owned()).expect("run id"));
        let mut event = event;
        event["tenantId"] = json!(tenant.as_str());
        self.publisher()
            .publish(tenant, run.as_ref(), &event)
            .await
            .expect("publish");
        self.last_id(&self.app.platform.keys.tenant_events(tenant))
            .await
    }

    /// A publisher writing as the producers do (not as the relay's Redis user).
    pub fn publisher(&self) -> bus::publish::Publisher {
        bus::publish::Publisher::new(
            self.producer.clone(),
            self.app.platform.keys.clone(),
            10_000,
        )
    }

    /// Appends `event` to `key` (`data` field), as the chat producer does; returns its id.
    pub async fn xadd(&self, key: &str, event: &Value) -> String {
        redis::cmd("XADD")
            .arg(key)
            .arg("*")
            .arg("data")
            .arg(event.to_string())
            .query_async(&mut self.producer.clone())
            .await
            .expect("xadd")
    }

    /// Appends a log line with flat fields.
    pub async fn xadd_fields(&self, key: &str, fields: &[(&str, &str)]) -> String {
        let mut cmd = redis::cmd("XADD");
        cmd.arg(key).arg("*");
        for (k, v) in fields {
            cmd.arg(*k).arg(*v);
        }
        cmd.query_async(&mut self.producer.clone())
            .await
            .expect("xadd")
    }

    pub async fn last_id(&self, key: &str) -> String {
        let reply: redis::streams::StreamRangeReply = redis::cmd("XREVRANGE")
            .arg(key)
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1)
            .query_async(&mut self.producer.clone())
            .await
            .expect("xrevrange");
        reply.ids.first().map(|e| e.id.clone()).unwrap_or_default()
    }
}

pub use crate::sse::{open, open_with};
