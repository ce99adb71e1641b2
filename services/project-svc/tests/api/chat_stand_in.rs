//! A stand-in for agent-svc's chat routes (issue 15; the real ones are being built in agent-svc
//! and replace this at merge): `POST /v1/agents/{a}/chat/start`, `…/chat/{s}/message`,
//! `…/stop` and `…/end` on a real socket, answering as the chat API's contract says, for the
//! tenant of the service token it receives, and recording every call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use kit::auth::JwtKeys;
use kit::testing::TestApp;
use serde_json::{Value, json as j};
use tokio::net::TcpListener;

use crate::fake_agent_svc::spawn_asking;

/// One call as the stand-in received it.
#[derive(Debug, Clone)]
pub struct Call {
    pub tenant: String,
    pub agent: String,
    /// `start`, `message`, `stop` or `end`.
    pub what: String,
    pub chat: Option<String>,
    pub body: Value,
    pub idempotency_key: Option<String>,
}

struct ChatRow {
    tenant: String,
    agent: String,
    ended: bool,
    /// Messages taken; nothing answers here, so each stays pending.
    pending: u32,
}

/// agent-svc's limit of unanswered messages per chat.
const MAX_PENDING: u32 = 5;

#[derive(Clone, Default)]
pub struct ChatStandIn {
    chats: Arc<Mutex<HashMap<String, ChatRow>>>,
    calls: Arc<Mutex<Vec<Call>>>,
    next: Arc<Mutex<u32>>,
}

impl ChatStandIn {
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("calls").clone()
    }

    pub fn calls_of(&self, what: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.what == what)
            .collect()
    }

    /// Ends a chat as agent-svc's idle reaper would.
    pub fn end(&self, chat: &str) {
        if let Some(row) = self.chats.lock().expect("chats").get_mut(chat) {
            row.ended = true;
        }
    }
}

/// project-svc whose agent-svc is the stand-in.
pub async fn spawn_with_chat() -> (TestApp, ChatStandIn) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = spawn_asking(&format!("http://{addr}")).await;
    let stand_in = ChatStandIn::default();
    let router = Router::new()
        .route("/v1/agents/{agent}/chat/start", post(start))
        .route("/v1/agents/{agent}/chat/{chat}/{command}", post(command))
        .with_state((stand_in.clone(), app.platform.jwt.clone()));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (app, stand_in)
}

type St = State<(ChatStandIn, Arc<JwtKeys>)>;
type Answer = (StatusCode, Json<Value>);

fn error(status: StatusCode, code: &str) -> Answer {
    (status, Json(j!({"detail": code, "code": code})))
}

/// The tenant of a valid bearer token.
fn tenant_of(jwt: &JwtKeys, headers: &HeaderMap) -> Option<String> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))?;
    jwt.verify(token)
        .ok()
        .map(|c| c.tenant_id.as_str().to_owned())
}

fn record(
    s: &ChatStandIn,
    tenant: &str,
    agent: &str,
    what: &str,
    chat: Option<&str>,
    body: Value,
    headers: &HeaderMap,
) {
    s.calls.lock().expect("calls").push(Call {
        tenant: tenant.to_owned(),
        agent: agent.to_owned(),
        what: what.to_owned(),
        chat: chat.map(str::to_owned),
        body,
        idempotency_key: headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    });
}

async fn start(
    State((s, jwt)): St,
    headers: HeaderMap,
    Path(agent): Path<String>,
    Json(body): Json<Value>,
) -> Answer {
    let Some(tenant) = tenant_of(&jwt, &headers) else {
        return error(StatusCode::UNAUTHORIZED, "not_authenticated");
    };
    record(&s, &tenant, &agent, "start", None, body, &headers);
    let n = {
        let mut next = s.next.lock().expect("next");
        *next += 1;
        *next
    };
    let id = format!("chat_standin{n:04}");
    let row = ChatRow {
        tenant,
        agent,
        ended: false,
        pending: 0,
    };
    s.chats.lock().expect("chats").insert(id.clone(), row);
    let answer = j!({"sessionId": id, "status": "starting", "message": "starting"});
    (StatusCode::OK, Json(answer))
}

async fn command(
    State((s, jwt)): St,
    headers: HeaderMap,
    Path((agent, chat, what)): Path<(String, String, String)>,
    body: Option<Json<Value>>,
) -> Answer {
    let Some(tenant) = tenant_of(&jwt, &headers) else {
        return error(StatusCode::UNAUTHORIZED, "not_authenticated");
    };
    let body = body.map(|b| b.0).unwrap_or(Value::Null);
    record(&s, &tenant, &agent, &what, Some(&chat), body, &headers);
    let mut chats = s.chats.lock().expect("chats");
    let Some(row) = chats
        .get_mut(&chat)
        .filter(|r| r.tenant == tenant && r.agent == agent)
    else {
        return error(StatusCode::NOT_FOUND, "session_not_found");
    };
    match what.as_str() {
        "message" if row.ended => error(StatusCode::BAD_REQUEST, "session_not_active"),
        "message" if row.pending >= MAX_PENDING => error(StatusCode::CONFLICT, "chat_queue_full"),
        "message" => {
            row.pending += 1;
            let n = s.calls.lock().expect("calls").len();
            let answer = j!({"sessionId": chat, "status": "queued",
                "userMessageId": format!("msg_u{n}"), "assistantMessageId": format!("msg_a{n}")});
            (StatusCode::OK, Json(answer))
        }
        "stop" => (StatusCode::OK, Json(j!({"status": "stopping"}))),
        "end" => {
            row.ended = true;
            (StatusCode::OK, Json(j!({"status": "completed"})))
        }
        _ => error(StatusCode::NOT_FOUND, "not_found"),
    }
}
