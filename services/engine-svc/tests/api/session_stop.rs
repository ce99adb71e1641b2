//! `POST /v1/sessions/{id}/stop`: a running step session stops as its run is cancelled; an
//! ended session answers 409; another tenant's 404.

use engine_svc::flows::steps;
use kit::testing::StatusCode;
use serde_json::json;

use crate::support::{engine, pipeline};

#[tokio::test]
async fn stopping_a_running_step_session_cancels_its_run_once() {
    let e = engine().await;
    let a = e.app.tenant("Alpha").await;
    let b = e.app.tenant("Beta").await;
    let id = e
        .pipeline(&a.id, &pipeline("s", "  - {id: A, agent: a, input: x}\n"))
        .await;
    let run = e.start(&a, &id, "t").await;
    let now = e.app.platform.clock.now_ms();
    steps::begin_attempt(&e.app.platform.db, &a.id, &run, "A", 1, 5, "i", now)
        .await
        .expect("begin")
        .expect("work");
    let detail = e.run(&a.id, &run).await;
    let session = detail.steps[0].session_id.clone().expect("a session");
    let path = format!("/v1/sessions/{session}/stop");

    let (status, _) = e.app.client.bearer(&b.token).post(&path, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another tenant's session");
    assert_eq!(e.status(&a.id, &run).await, "running", "B changed nothing");

    let api = e.app.client.bearer(&a.token);
    let (status, body) = api.post(&path, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["session_id"].as_str(), body["status"].as_str()),
        (Some(session.as_str()), Some("cancelled"))
    );
    assert_eq!(e.status(&a.id, &run).await, "cancelled");
    let types = e.event_types(&run).await;
    for t in ["STEP_CANCELLED", "HUMAN_INTERVENTION", "RUN_STATUS_CHANGED"] {
        assert!(types.iter().any(|x| x == t), "{t} in {types:?}");
    }
    let (_, got) = api.get(&format!("/v1/sessions/{session}")).await;
    assert_eq!(got["status"], "cancelled");

    let (status, body) = api.post(&path, json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("session_not_running"))
    );
    let (status, _) = api.post("/v1/sessions/nope/stop", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
