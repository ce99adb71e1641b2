//! Onboarding conversations answered by the leading agent's agent-svc chat (the stand-in here):
//! messages start a chat once and are sent to it, a handoff or an ended chat gets a new one,
//! answers come back as CHAT_MESSAGE_COMPLETED and are recorded once, stop, agent-svc down.

use std::time::Duration;

use kit::testing::{Method, TestApp};
use serde_json::{Value, json as j};
use shared_schemas::events::chat::{ChatMessageCompleted, ChatSessionType};
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::{AgentId, TenantId};
use tokio_util::sync::CancellationToken;

use crate::chat_stand_in::spawn_with_chat;
use crate::fake_agent_svc::spawn_asking;
use crate::helpers::{Tenant, assert_error, send, tenant};
use crate::onboarding::{LEAD, NEXT, led_template, path, start};

/// A session of `t` led by [`LEAD`].
pub async fn led_session(app: &TestApp, t: &Tenant) -> Value {
    led_template(app, t).await;
    start(app, t, Some(j!({"templateId": "sales"}))).await
}

pub async fn say(app: &TestApp, t: &Tenant, s: &Value, text: &str) -> (u16, Value) {
    let body = Some(j!({ "message": text }));
    send(app, "POST", &path(s, "/message"), &t.token, body).await
}

async fn messages(app: &TestApp, t: &Tenant, s: &Value) -> Vec<Value> {
    let got = app
        .client
        .setup(Method::GET, &path(s, ""), &t.token, None)
        .await;
    got["messages"].as_array().expect("messages").clone()
}

#[tokio::test]
async fn a_message_starts_the_agents_chat_once_and_is_sent_to_it() {
    let (app, chat) = spawn_with_chat().await;
    let a = tenant(&app, "Alpha").await;
    let s = led_session(&app, &a).await;
    app.client
        .setup(
            Method::PATCH,
            &path(&s, "/context"),
            &a.token,
            Some(j!({"goal": "bread"})),
        )
        .await;

    let (status, first) = say(&app, &a, &s, "We bake bread").await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["status"], "queued");
    assert_eq!(first["agentReply"], "pending");
    assert!(first["assistantMessageId"].is_string(), "{first}");
    let chat_id = first["chatSessionId"].as_str().expect("chat").to_owned();
    let (_, second) = say(&app, &a, &s, "And cakes").await;
    assert_eq!(second["chatSessionId"], chat_id.as_str());
    assert_ne!(second["assistantMessageId"], first["assistantMessageId"]);

    let starts = chat.calls_of("start");
    assert_eq!(starts.len(), 1, "one chat for the agent: {starts:?}");
    let started = &starts[0];
    assert_eq!(
        (started.tenant.as_str(), started.agent.as_str()),
        (a.id.as_str(), LEAD)
    );
    assert_eq!(started.body["sessionType"], "onboarding");
    assert_eq!(started.body["userId"], a.user.as_str());
    assert_eq!(started.body["model"], "anthropic/claude-sonnet-4");
    let supplement = started.body["systemPromptSupplement"]
        .as_str()
        .expect("supplement");
    let sid = s["id"].as_str().expect("id");
    assert!(
        supplement.contains(sid) && supplement.contains("\"goal\":\"bread\""),
        "{supplement}"
    );
    assert!(supplement.contains(&format!("/v1/onboarding/sessions/{sid}/handoff")));
    let sent = chat.calls_of("message");
    let texts: Vec<_> = sent.iter().map(|c| c.body["message"].clone()).collect();
    assert_eq!(texts, vec![j!("We bake bread"), j!("And cakes")]);
    assert!(
        sent.iter()
            .all(|c| c.chat.as_deref() == Some(chat_id.as_str()))
    );
    assert!(
        chat.calls().iter().all(|c| c.idempotency_key.is_some()),
        "retry-safe POSTs"
    );
    let got = app
        .client
        .setup(Method::GET, &path(&s, ""), &a.token, None)
        .await;
    assert_eq!(got["chat_session_id"], chat_id.as_str());
    assert_eq!(got["messages"].as_array().expect("m").len(), 2);

    // After a handoff the next agent gets a chat of its own on the next message.
    let (status, res) = send(
        &app,
        "POST",
        &path(&s, "/handoff"),
        &a.token,
        Some(j!({"next_agent_id": NEXT})),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert!(res["newChatSessionId"].is_null());
    let (_, third) = say(&app, &a, &s, "Over to you").await;
    let next_chat = third["chatSessionId"].as_str().expect("chat").to_owned();
    assert_ne!(next_chat, chat_id);
    let starts = chat.calls_of("start");
    assert_eq!(starts.len(), 2);
    assert_eq!(starts[1].agent, NEXT);
    assert_eq!(chat.calls_of("message").last().expect("sent").agent, NEXT);

    // A chat agent-svc ended (idle) is replaced, and the message still reaches the agent.
    chat.end(&next_chat);
    let (status, fourth) = say(&app, &a, &s, "Still there?").await;
    assert_eq!(status, 201, "{fourth}");
    assert_ne!(fourth["chatSessionId"], next_chat.as_str());
    assert_eq!(chat.calls_of("start").len(), 3);
}

fn reply(tenant: &TenantId, chat: &str, agent: &str, content: &str) -> EventEnvelope {
    let event = ChatMessageCompleted {
        session_id: chat.to_owned(),
        agent_id: AgentId::parse(agent).expect("agent"),
        message_id: format!("msg_{}", shared_schemas::ids::random_body()),
        session_type: ChatSessionType::Onboarding,
        content: content.to_owned(),
        aborted: false,
    };
    EventEnvelope::new(tenant.clone(), None, Event::ChatMessageCompleted(event))
}

#[tokio::test]
async fn the_agents_answer_is_recorded_once() {
    let (app, _chat) = spawn_with_chat().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let s = led_session(&app, &a).await;
    let (_, sent) = say(&app, &a, &s, "Hello").await;
    let chat_id = sent["chatSessionId"].as_str().expect("chat").to_owned();

    let stop = CancellationToken::new();
    tokio::spawn(project_svc::workers::onboarding_replies::run(
        app.platform.clone(),
        stop.clone(),
    ));
    let publisher = app.platform.publisher();
    let answer = reply(&a.id, &chat_id, LEAD, "Tell me about your bakery.");
    // Delivered twice; another tenant naming the same chat id; then a marker answer.
    publisher.publish_event(&answer).await.expect("publish");
    publisher.publish_event(&answer).await.expect("redeliver");
    let foreign = reply(&b.id, &chat_id, LEAD, "from another tenant");
    publisher.publish_event(&foreign).await.expect("publish");
    let marker = reply(&a.id, &chat_id, LEAD, "marker");
    publisher.publish_event(&marker).await.expect("publish");

    let mut seen = Vec::new();
    for _ in 0..100 {
        seen = messages(&app, &a, &s).await;
        if seen.iter().any(|m| m["content"] == "marker") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.cancel();
    let contents: Vec<_> = seen
        .iter()
        .map(|m| (m["role"].clone(), m["content"].clone()))
        .collect();
    assert_eq!(
        contents,
        vec![
            (j!("user"), j!("Hello")),
            (j!("assistant"), j!("Tell me about your bakery.")),
            (j!("assistant"), j!("marker")),
        ]
    );
    assert_eq!(seen[1]["agent_id"], LEAD);
}

#[tokio::test]
async fn stop_reaches_the_agents_chat() {
    let (app, chat) = spawn_with_chat().await;
    let a = tenant(&app, "Alpha").await;
    let s = led_session(&app, &a).await;
    let (status, res) = send(&app, "POST", &path(&s, "/stop"), &a.token, None).await;
    assert_error(status, &res, 400, "no_active_chat");
    let (_, sent) = say(&app, &a, &s, "Hello").await;
    let (status, res) = send(&app, "POST", &path(&s, "/stop"), &a.token, None).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(
        res,
        j!({"sessionId": s["id"], "chatSessionId": sent["chatSessionId"], "status": "stopping"})
    );
    let stops = chat.calls_of("stop");
    assert_eq!(stops.len(), 1);
    assert_eq!(
        stops[0].chat.as_ref(),
        sent["chatSessionId"].as_str().map(str::to_owned).as_ref()
    );
    assert_eq!(stops[0].agent, LEAD);
}

#[tokio::test]
async fn agent_svc_down_answers_503_and_keeps_the_message() {
    // A port nobody listens on.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let app = spawn_asking(&url).await;
    let a = tenant(&app, "Alpha").await;
    let s = led_session(&app, &a).await;
    let (status, res) = say(&app, &a, &s, "Anyone?").await;
    assert_error(status, &res, 503, "agent_unavailable");
    let kept = messages(&app, &a, &s).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["content"], "Anyone?");
}

#[tokio::test]
async fn a_full_chat_queue_is_409_and_keeps_the_message() {
    let (app, chat) = spawn_with_chat().await;
    let a = tenant(&app, "Alpha").await;
    let s = led_session(&app, &a).await;
    for i in 0..5 {
        let (status, res) = say(&app, &a, &s, &format!("m{i}")).await;
        assert_eq!(status, 201, "{res}");
    }
    let (status, res) = say(&app, &a, &s, "one too many").await;
    assert_error(status, &res, 409, "chat_queue_full");
    assert_eq!(messages(&app, &a, &s).await.len(), 6, "the message is kept");
    assert_eq!(
        chat.calls_of("start").len(),
        1,
        "a full queue is no reason for a new chat"
    );
}
