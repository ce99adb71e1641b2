//! STAND-IN for agent-svc's chat API, while agent-svc's chat routes are built in parallel (issue
//! 15). The lead replaces it with the real agent-svc binary at merge. It serves, per tenant (read
//! from the service token), what the engine's chat driver calls:
//! `GET /v1/chat/sessions/{s}`, `PATCH /v1/internal/chat/sessions/{s}/container`,
//! `PATCH /v1/internal/chat/messages/{m}/complete`, `GET /v1/internal/chat/sessions?status=`,
//! plus the agent detail, settings and provider keys the engine already reads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde_json::{Value, json};
use shared_schemas::ids::TenantId;

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: String,
    pub role: String,
    pub content: String,
    pub completed: bool,
    pub aborted: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Session {
    pub agent: String,
    pub status: String,
    pub messages: Vec<Message>,
    /// Every status the engine reported, in order.
    pub statuses: Vec<(String, Option<String>)>,
}

#[derive(Clone, Default)]
pub struct ChatAgentSvc {
    sessions: Arc<Mutex<HashMap<(String, String), Session>>>,
    /// Every completion the engine sent: (tenant, message id, body).
    pub completions: Arc<Mutex<Vec<(String, String, Value)>>>,
    pub settings: Arc<Mutex<Value>>,
    /// `keys/all`'s answer (the fake LLM's provider).
    pub keys: Arc<Mutex<Value>>,
    /// The secrets granted to every agent (`secrets/agents/{a}/env`).
    pub secrets: Arc<Mutex<Value>>,
}

impl ChatAgentSvc {
    pub fn create(&self, tenant: &TenantId, session: &str, agent: &str) {
        self.sessions.lock().expect("lock").insert(
            (tenant.as_str().to_owned(), session.to_owned()),
            Session {
                agent: agent.to_owned(),
                status: "starting".into(),
                ..Session::default()
            },
        );
    }

    /// Stores a user message and its empty assistant message, as `chat/{s}/message` does.
    pub fn add_message(
        &self,
        tenant: &TenantId,
        session: &str,
        user: &str,
        assistant: &str,
        text: &str,
    ) {
        let mut sessions = self.sessions.lock().expect("lock");
        let s = sessions
            .get_mut(&(tenant.as_str().to_owned(), session.to_owned()))
            .expect("session exists");
        for (id, role, content, completed) in [
            (user, "user", text, true),
            (assistant, "assistant", "", false),
        ] {
            s.messages.push(Message {
                id: id.into(),
                role: role.into(),
                content: content.into(),
                completed,
                aborted: false,
            });
        }
    }

    pub fn session(&self, tenant: &TenantId, session: &str) -> Option<Session> {
        self.sessions
            .lock()
            .expect("lock")
            .get(&(tenant.as_str().to_owned(), session.to_owned()))
            .cloned()
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/v1/chat/sessions/{s}", get(detail))
            .route("/v1/internal/chat/sessions/{s}/container", patch(container))
            .route("/v1/internal/chat/messages/{m}/complete", patch(complete))
            .route("/v1/internal/chat/sessions", get(list))
            .route("/v1/agents/{a}", get(agent))
            .route("/v1/settings/", get(settings))
            .route(
                "/internal/agent/tenants/{t}/settings/providers/keys/all",
                get(keys),
            )
            .route(
                "/internal/agent/tenants/{t}/secrets/agents/{a}/env",
                get(secrets),
            )
            .with_state(self.clone())
    }
}

/// The tenant a bearer token speaks for (the stand-in trusts the engine's signature).
fn tenant_of(headers: &HeaderMap) -> String {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let payload = token.split('.').nth(1).unwrap_or_default();
    let claims: Value =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
    claims["tenant_id"].as_str().unwrap_or_default().to_owned()
}

async fn detail(
    State(f): State<ChatAgentSvc>,
    headers: HeaderMap,
    Path(s): Path<String>,
) -> Result<Json<Value>, StatusCode> {
    let sessions = f.sessions.lock().expect("lock");
    let session = sessions
        .get(&(tenant_of(&headers), s.clone()))
        .ok_or(StatusCode::NOT_FOUND)?;
    let messages: Vec<Value> = session
        .messages
        .iter()
        .map(|m| {
            json!({"id": m.id, "role": m.role, "content": m.content, "created_at": 1,
                   "completed_at": if m.completed { json!(2) } else { Value::Null }})
        })
        .collect();
    Ok(Json(
        json!({"id": s, "agent_id": session.agent, "status": session.status, "messages": messages}),
    ))
}

async fn container(
    State(f): State<ChatAgentSvc>,
    headers: HeaderMap,
    Path(s): Path<String>,
    Json(body): Json<Value>,
) -> StatusCode {
    let mut sessions = f.sessions.lock().expect("lock");
    let Some(session) = sessions.get_mut(&(tenant_of(&headers), s)) else {
        return StatusCode::NOT_FOUND;
    };
    let status = body["status"].as_str().unwrap_or_default().to_owned();
    session.status.clone_from(&status);
    session
        .statuses
        .push((status, body["error"].as_str().map(str::to_owned)));
    StatusCode::OK
}

async fn complete(
    State(f): State<ChatAgentSvc>,
    headers: HeaderMap,
    Path(m): Path<String>,
    Json(body): Json<Value>,
) -> StatusCode {
    let tenant = tenant_of(&headers);
    let mut sessions = f.sessions.lock().expect("lock");
    let found = sessions
        .iter_mut()
        .filter(|((t, _), _)| *t == tenant)
        .flat_map(|(_, s)| s.messages.iter_mut())
        .find(|msg| msg.id == m && msg.role == "assistant");
    let Some(message) = found else {
        return StatusCode::NOT_FOUND;
    };
    message.content = body["content"].as_str().unwrap_or_default().to_owned();
    message.completed = true;
    message.aborted = body["aborted"].as_bool().unwrap_or(false);
    f.completions.lock().expect("lock").push((tenant, m, body));
    StatusCode::OK
}

async fn list(
    State(f): State<ChatAgentSvc>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    let tenant = tenant_of(&headers);
    let sessions = f.sessions.lock().expect("lock");
    let items: Vec<Value> = sessions
        .iter()
        .filter(|((t, _), s)| *t == tenant && q.get("status").is_none_or(|st| *st == s.status))
        .map(|((_, id), s)| json!({"id": id, "agent_id": s.agent, "status": s.status}))
        .collect();
    Json(Value::from(items))
}

async fn agent(Path(a): Path<String>) -> Json<Value> {
    Json(json!({"id": a, "files": {"IDENTITY.md": "Ada, a careful engineer"}, "config": {}}))
}

async fn settings(State(f): State<ChatAgentSvc>) -> Json<Value> {
    Json(f.settings.lock().expect("lock").clone())
}

async fn keys(State(f): State<ChatAgentSvc>) -> Json<Value> {
    Json(f.keys.lock().expect("lock").clone())
}

async fn secrets(State(f): State<ChatAgentSvc>) -> Json<Value> {
    let env = f.secrets.lock().expect("lock").clone();
    Json(json!({"env": if env.is_null() { json!({}) } else { env }}))
}
