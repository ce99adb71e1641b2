//! Every change of an activity session leaves as a `SESSION_*` event through the outbox (for
//! sse-relay's `/v1/events/sessions`): a step's session and one an executor records.

use kit::TokenKind;
use kit::testing::StatusCode;
use serde_json::{Value, json};

use crate::support::{engine, failed, ok, pipeline};

/// `(type, sessionId, status or eventType)` of the session events among `events`, in order.
fn lifecycle(events: &[Value]) -> Vec<(String, String, String)> {
    events
        .iter()
        .filter(|e| {
            e["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("SESSION_"))
        })
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            let what = if e["type"] == "SESSION_EVENT" {
                s("eventType")
            } else {
                s("status")
            };
            (s("type"), s("sessionId"), what)
        })
        .collect()
}

fn row(kind: &str, session: &str, what: &str) -> (String, String, String) {
    (kind.to_owned(), session.to_owned(), what.to_owned())
}

#[tokio::test]
async fn a_steps_session_is_created_then_completed_or_failed_with_its_agent() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let two = "  - {id: A, agent: a, input: x, onComplete: B}\n  - {id: B, agent: b, input: y}\n";
    let id = e.pipeline(&t.id, &pipeline("p", two)).await;
    let run = e.start(&t, &id, "t").await;
    e.act(&t.id, &run, ok(&[])).await;
    e.act(&t.id, &run, failed("no luck")).await;

    let events = e.events(&run).await;
    let (a, b) = (format!("{run}_A_1"), format!("{run}_B_1"));
    assert_eq!(
        lifecycle(&events)[..4],
        [
            row("SESSION_CREATED", &a, "running"),
            row("SESSION_COMPLETED", &a, "completed"),
            row("SESSION_CREATED", &b, "running"),
            row("SESSION_FAILED", &b, "failed"),
        ]
    );
    let created = events
        .iter()
        .find(|e| e["type"] == "SESSION_CREATED")
        .expect("created");
    assert_eq!(created["agentId"], e.agents.id(&t.id, "a"));
    assert_eq!(created["runId"], run.as_str(), "on the run's stream too");
    let failure = events
        .iter()
        .find(|e| e["type"] == "SESSION_FAILED")
        .expect("failed");
    assert_eq!(failure["error"], "no luck");
}

#[tokio::test]
async fn an_executors_session_reports_each_change() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let agent = e.agents.id(&t.id, "writer");
    let service = e.app.token(&t.id, "svc:engine", TokenKind::Service);
    let svc = e.app.client.bearer(&service);
    let body = json!({"id": "pulse_9", "agent_id": agent, "source": "pulse"});
    assert_eq!(
        svc.post("/v1/internal/sessions", body).await.0,
        StatusCode::CREATED
    );
    let running = json!({"status": "running"});
    let path = "/v1/internal/sessions/pulse_9";
    assert_eq!(
        svc.patch(&format!("{path}/status"), running).await.0,
        StatusCode::OK
    );
    let event = json!({"event_type": "tool_start", "data": {"tool": "read"}});
    assert_eq!(
        svc.post(&format!("{path}/events"), event).await.0,
        StatusCode::CREATED
    );
    let done = json!({"output": "ok"});
    assert_eq!(
        svc.patch(&format!("{path}/complete"), done).await.0,
        StatusCode::OK
    );

    let rows: Vec<(String,)> = sqlx::query_as(
        "select payload from engine.outbox where tenant_id = $1 and run_id is null order by seq",
    )
    .bind(t.id.as_str())
    .fetch_all(&e.app.db.admin)
    .await
    .expect("outbox");
    let events: Vec<Value> = rows
        .iter()
        .map(|(p,)| serde_json::from_str(p).expect("json"))
        .collect();
    assert_eq!(
        lifecycle(&events),
        [
            row("SESSION_CREATED", "pulse_9", "starting"),
            row("SESSION_STATUS_CHANGED", "pulse_9", "running"),
            row("SESSION_EVENT", "pulse_9", "tool_start"),
            row("SESSION_COMPLETED", "pulse_9", "completed"),
        ]
    );
    assert!(events.iter().all(|e| e["agentId"] == agent.as_str()));
}
