//! Activity sessions: executors record them (services and agents only), the dashboard lists
//! them per tenant and per agent (by id or slug).

use kit::TokenKind;
use kit::testing::StatusCode;
use serde_json::json;

use crate::support::{engine, ok, pipeline};

#[tokio::test]
async fn an_executor_records_a_session_and_the_tenant_reads_it() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let agent = e.agents.id(&t.id, "writer");
    let service = e.app.token(&t.id, "svc:engine", TokenKind::Service);
    let svc = e.app.client.bearer(&service);
    let user = e.app.client.bearer(&t.token);
    let body =
        json!({"id": "pulse_1", "agent_id": agent, "source": "pulse", "user_prompt": "check in"});
    let (status, out) = user.post("/v1/internal/sessions", body.clone()).await;
    assert_eq!(
        (status, out["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (status, out) = svc.post("/v1/internal/sessions", body.clone()).await;
    assert_eq!(
        (status, out["status"].as_str()),
        (StatusCode::CREATED, Some("starting")),
        "{out}"
    );
    let (status, out) = svc.post("/v1/internal/sessions", body).await;
    assert_eq!(
        (status, out["code"].as_str()),
        (StatusCode::CONFLICT, Some("session_exists"))
    );
    let (status, out) = svc
        .patch(
            "/v1/internal/sessions/pulse_1/status",
            json!({"status": "running"}),
        )
        .await;
    assert_eq!(
        (status, out["status"].as_str()),
        (StatusCode::OK, Some("running"))
    );
    let (status, _) = svc
        .post(
            "/v1/internal/sessions/pulse_1/events",
            json!({"event_type": "tool_start", "data": {"tool": "read"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let done = json!({"output": "all good", "turn_count": 3});
    let (status, out) = svc
        .patch("/v1/internal/sessions/pulse_1/complete", done.clone())
        .await;
    assert_eq!(
        (status, out["status"].as_str()),
        (StatusCode::OK, Some("completed"))
    );
    let (status, out) = svc
        .patch("/v1/internal/sessions/pulse_1/complete", done)
        .await;
    assert_eq!(
        (status, out["code"].as_str()),
        (StatusCode::CONFLICT, Some("session_ended"))
    );
    let (status, out) = user.get("/v1/sessions/pulse_1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            out["turn_count"].as_i64(),
            out["events"][0]["data"]["tool"].as_str()
        ),
        (Some(3), Some("read"))
    );
    let (_, by_slug) = user.get("/v1/agents/writer/sessions").await;
    assert_eq!(by_slug["total"], 1);
    let (_, by_id) = user
        .get(&format!("/v1/sessions?agent_ids={agent}&status=completed"))
        .await;
    assert_eq!(by_id["sessions"][0]["id"], "pulse_1");
    let (status, _) = user.get("/v1/agents/nobody/sessions").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, out) = user.get("/v1/sessions?limit=500").await;
    assert_eq!(
        (status.as_u16(), out["code"].as_str()),
        (422, Some("validation_failed"))
    );
}

#[tokio::test]
async fn each_step_attempt_has_the_session_its_step_started_announced() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e
        .pipeline(
            &t.id,
            &pipeline("p", "  - {id: A, agent: a, input: hello}\n"),
        )
        .await;
    let run = e.start(&t, &id, "t").await;
    e.act(&t.id, &run, ok(&[("summary", "done it")])).await;
    let started = e
        .events(&run)
        .await
        .into_iter()
        .find(|v| v["type"] == "STEP_STARTED")
        .expect("STEP_STARTED");
    let session = started["sessionId"]
        .as_str()
        .expect("session id")
        .to_owned();
    let (status, out) = e
        .app
        .client
        .bearer(&t.token)
        .get(&format!("/v1/sessions/{session}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(out["status"], "completed");
    assert_eq!(out["user_prompt"], "hello");
    assert_eq!(out["output"], "done it");
    assert_eq!(out["agent_id"], e.agents.id(&t.id, "a"));
    assert_eq!(out["source_id"], run);
}

#[tokio::test]
async fn a_long_step_id_still_gets_its_session() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let long = "S".repeat(100);
    let id = e
        .pipeline(
            &t.id,
            &pipeline("p", &format!("  - {{id: {long}, agent: a, input: x}}\n")),
        )
        .await;
    let run = e.start(&t, &id, "t").await;
    let (step, finished) = e.act(&t.id, &run, ok(&[])).await;
    assert_eq!(step, long);
    assert_eq!(
        finished,
        engine_svc::flows::steps::Finished::Routed { ended: true }
    );
    let session = engine_svc::flows::steps::session_id(&run, &long, 1);
    assert!(session.len() <= 160, "{}", session.len());
    assert_ne!(
        session,
        engine_svc::flows::steps::session_id(&run, &format!("{}T", "S".repeat(99)), 1)
    );
    let (status, out) = e
        .app
        .client
        .bearer(&t.token)
        .get(&format!("/v1/sessions/{session}"))
        .await;
    assert_eq!(
        (status, out["status"].as_str()),
        (StatusCode::OK, Some("completed"))
    );
}
