//! `/v1/onboarding/sessions…`: sessions and what the API receives for them; no agent replies.

use std::time::Duration;

use kit::TokenKind;
use kit::auth::Claims;
use kit::testing::Method;
use kit::testing::TestApp;
use serde_json::{Value, json as j};

use crate::helpers::{Tenant, assert_error, send, spawn, tenant};

pub const LEAD: &str = "agt_leadagent0001";
pub const NEXT: &str = "agt_nextagent0002";

pub fn agent_token(app: &TestApp, t: &Tenant, agent_id: &str) -> String {
    let mut claims = Claims::access(
        agent_id,
        t.id.clone(),
        TokenKind::Agent,
        Duration::from_secs(900),
    );
    claims.agent_id = Some(agent_id.to_owned());
    app.mint(&claims)
}

/// The events on the tenant's stream, oldest first.
pub async fn events(app: &TestApp, t: &Tenant) -> Vec<Value> {
    crate::helpers::tenant_events(app, t).await
}

pub fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

pub async fn start(app: &TestApp, t: &Tenant, body: Option<Value>) -> Value {
    let (status, s) = send(app, "POST", "/v1/onboarding/sessions", &t.token, body).await;
    assert_eq!(status, 201, "{s}");
    s
}

pub fn path(session: &Value, tail: &str) -> String {
    format!(
        "/v1/onboarding/sessions/{}{tail}",
        session["id"].as_str().expect("id")
    )
}

async fn message_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from project.onboarding_messages")
        .fetch_one(&app.db.admin)
        .await
        .expect("count")
}

/// A tenant template whose onboarding is led by [`LEAD`].
pub async fn led_template(app: &TestApp, t: &Tenant) -> String {
    let mut body = crate::templates::board();
    body["onboardingAgentChain"] = j!([LEAD, NEXT]);
    crate::templates::create(app, t, body).await["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

#[tokio::test]
async fn a_session_starts_for_its_user_and_announces_only_a_known_agent() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let plain = start(&app, &a, None).await;
    assert_eq!(plain["status"], "active");
    assert_eq!(plain["phase"], "intake");
    assert_eq!(plain["user_id"], a.user.as_str());
    assert_eq!(plain["model"], "anthropic/claude-sonnet-4");
    assert_eq!(plain["context"], j!({}));
    assert_eq!(plain["messages"], j!([]));
    assert!(plain["current_agent_id"].is_null());
    assert!(of_type(&events(&app, &a).await, "ONBOARDING_STARTED").is_empty());

    let template = led_template(&app, &a).await;
    let led = start(
        &app,
        &a,
        Some(j!({"templateId": "sales", "model": "openrouter/some/model"})),
    )
    .await;
    assert_eq!(led["template_id"], template.as_str());
    assert_eq!(led["current_agent_id"], LEAD);
    assert_eq!(led["model"], "openrouter/some/model");
    let all = events(&app, &a).await;
    let started = of_type(&all, "ONBOARDING_STARTED");
    assert_eq!(started.len(), 1, "{all:?}");
    assert_eq!(started[0]["onboardingSessionId"], led["id"]);
    assert_eq!(started[0]["agentId"], LEAD);

    // A built-in template has no agents: the session starts without one.
    let built_in = start(&app, &a, Some(j!({"templateId": "research"}))).await;
    assert!(built_in["current_agent_id"].is_null());

    // Refused: unknown template, bad model, unknown field, an agent's credential.
    let before: i64 = sqlx::query_scalar("select count(*) from project.onboarding_sessions")
        .fetch_one(&app.db.admin)
        .await
        .expect("count");
    for (body, want, code) in [
        (j!({"templateId": "nope"}), 404, "template_not_found"),
        (j!({"model": "has space"}), 422, "validation_failed"),
        (j!({"model": ""}), 422, "validation_failed"),
        (j!({"surprise": true}), 422, "validation_failed"),
    ] {
        let (status, res) = send(
            &app,
            "POST",
            "/v1/onboarding/sessions",
            &a.token,
            Some(body),
        )
        .await;
        assert_error(status, &res, want, code);
    }
    let agent = agent_token(&app, &a, LEAD);
    let (status, _) = send(&app, "POST", "/v1/onboarding/sessions", &agent, None).await;
    assert_eq!(status, 403);
    let after: i64 = sqlx::query_scalar("select count(*) from project.onboarding_sessions")
        .fetch_one(&app.db.admin)
        .await
        .expect("count");
    assert_eq!(before, after);
    assert_eq!(
        of_type(&events(&app, &a).await, "ONBOARDING_STARTED").len(),
        1
    );
}

#[tokio::test]
async fn sessions_are_listed_newest_first_by_status_and_limit() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(start(&app, &a, None).await["id"].clone());
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let (status, _) = send(
        &app,
        "PATCH",
        &path(&j!({"id": ids[0]}), "/abandon"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, list) = send(&app, "GET", "/v1/onboarding/sessions", &a.token, None).await;
    assert_eq!(status, 200, "{list}");
    let got: Vec<_> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["id"].clone())
        .collect();
    assert_eq!(got, [ids[2].clone(), ids[1].clone(), ids[0].clone()]);
    assert!(
        list[0].get("messages").is_none(),
        "summaries carry no messages"
    );
    let (_, active) = send(
        &app,
        "GET",
        "/v1/onboarding/sessions?status=active&limit=1",
        &a.token,
        None,
    )
    .await;
    assert_eq!(active.as_array().expect("list").len(), 1);
    assert_eq!(active[0]["id"], ids[2]);
    let (_, abandoned) = send(
        &app,
        "GET",
        "/v1/onboarding/sessions?status=abandoned",
        &a.token,
        None,
    )
    .await;
    assert_eq!(abandoned[0]["id"], ids[0]);
    for bad in ["status=done", "limit=0", "limit=101", "limit=x"] {
        let (status, res) = send(
            &app,
            "GET",
            &format!("/v1/onboarding/sessions?{bad}"),
            &a.token,
            None,
        )
        .await;
        assert_error(status, &res, 422, "validation_failed");
    }
}

#[tokio::test]
async fn a_message_is_stored_and_no_reply_is_invented() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let s = start(&app, &a, None).await;
    let (status, res) = send(
        &app,
        "POST",
        &path(&s, "/message"),
        &a.token,
        Some(j!({"message": "We want a bakery website", "model": "other/model"})),
    )
    .await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(res["status"], "stored");
    assert_eq!(res["agentReply"], "unavailable");
    assert!(res["assistantMessageId"].is_null());
    let got = app
        .client
        .setup(Method::GET, &path(&s, ""), &a.token, None)
        .await;
    assert_eq!(got["model"], "other/model");
    let messages = got["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 1, "only the user's message: {got}");
    assert_eq!(messages[0]["id"], res["userMessageId"]);
    assert_eq!(messages[0]["role"], "user");
    assert_eq!(messages[0]["content"], "We want a bakery website");

    // Bad input and a session that is not active: refused, nothing stored.
    for body in [
        j!({"message": "  "}),
        j!({"message": "x".repeat(64 * 1024 + 1)}),
        j!({}),
    ] {
        let (status, res) = send(&app, "POST", &path(&s, "/message"), &a.token, Some(body)).await;
        assert_error(status, &res, 422, "validation_failed");
    }
    let agent = agent_token(&app, &a, LEAD);
    let (status, _) = send(
        &app,
        "POST",
        &path(&s, "/message"),
        &agent,
        Some(j!({"message": "hi"})),
    )
    .await;
    assert_eq!(status, 403);
    app.client
        .setup(Method::PATCH, &path(&s, "/abandon"), &a.token, None)
        .await;
    let (status, res) = send(
        &app,
        "POST",
        &path(&s, "/message"),
        &a.token,
        Some(j!({"message": "hi"})),
    )
    .await;
    assert_error(status, &res, 400, "session_not_active");
    assert_eq!(message_count(&app).await, 1);
}

#[tokio::test]
async fn context_merges_and_is_announced_once() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let s = start(&app, &a, None).await;
    let (status, res) = send(
        &app,
        "PATCH",
        &path(&s, "/context"),
        &a.token,
        Some(j!({"goal": "sell bread", "team": 2})),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    let (_, res) = send(
        &app,
        "PATCH",
        &path(&s, "/context"),
        &a.token,
        Some(j!({"team": 3})),
    )
    .await;
    assert_eq!(res["context"], j!({"goal": "sell bread", "team": 3}));
    // Too big, or not an object: refused, unchanged, unannounced.
    let big = j!({"blob": "x".repeat(64 * 1024)});
    let (status, res) = send(&app, "PATCH", &path(&s, "/context"), &a.token, Some(big)).await;
    assert_error(status, &res, 422, "validation_failed");
    let (status, _) = send(
        &app,
        "PATCH",
        &path(&s, "/context"),
        &a.token,
        Some(j!([1, 2])),
    )
    .await;
    assert_eq!(status, 422);
    let got = app
        .client
        .setup(Method::GET, &path(&s, ""), &a.token, None)
        .await;
    assert_eq!(got["context"], j!({"goal": "sell bread", "team": 3}));
    let all = events(&app, &a).await;
    let updated = of_type(&all, "ONBOARDING_CONTEXT_UPDATED");
    assert_eq!(updated.len(), 2, "{all:?}");
    assert_eq!(updated[1]["context"], j!({"goal": "sell bread", "team": 3}));
    assert_eq!(updated[1]["onboardingSessionId"], s["id"]);
}

#[tokio::test]
async fn sessions_are_abandoned_resumed_and_deleted() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let s = start(&app, &a, None).await;
    send(
        &app,
        "POST",
        &path(&s, "/message"),
        &a.token,
        Some(j!({"message": "hello"})),
    )
    .await;
    let (status, res) = send(&app, "POST", &path(&s, "/resume"), &a.token, None).await;
    assert_error(status, &res, 400, "session_not_resumable");
    for _ in 0..2 {
        let (status, res) = send(&app, "PATCH", &path(&s, "/abandon"), &a.token, None).await;
        assert_eq!(status, 200, "{res}");
        assert_eq!(res, j!({"sessionId": s["id"], "status": "abandoned"}));
    }
    let (status, res) = send(
        &app,
        "PATCH",
        &path(&s, "/context"),
        &a.token,
        Some(j!({"x": 1})),
    )
    .await;
    assert_error(status, &res, 400, "session_not_active");
    let (status, res) = send(&app, "POST", &path(&s, "/resume"), &a.token, None).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["status"], "active");
    assert_eq!(res["messages"].as_array().expect("m").len(), 1);

    let (status, res) = send(&app, "DELETE", &path(&s, ""), &a.token, None).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["status"], "deleted");
    assert_eq!(
        message_count(&app).await,
        0,
        "messages go with their session"
    );
    for (method, tail) in [
        ("GET", ""),
        ("DELETE", ""),
        ("PATCH", "/abandon"),
        ("POST", "/resume"),
    ] {
        let (status, res) = send(&app, method, &path(&s, tail), &a.token, None).await;
        assert_error(status, &res, 404, "session_not_found");
    }
}
