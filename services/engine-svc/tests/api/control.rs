//! Steering a run: stale results refused, pause that really pauses, resume, cancel, restart of
//! the run and of a step, context injection, delete; ended runs answer 409.

use engine_svc::flows::steps::{self, Finished};
use kit::testing::StatusCode;
use serde_json::json;

use crate::support::{engine, ok, pipeline};

const TWO: &str = "  - {id: A, agent: a, input: 'first {{task_description}}', onComplete: B}\n  - {id: B, agent: b, input: second}\n";

#[tokio::test]
async fn a_result_from_a_stale_fence_or_attempt_is_refused() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e.pipeline(&t.id, &pipeline("two", TWO)).await;
    let run = e.start(&t, &id, "t").await;
    let db = &e.app.platform.db;
    let now = e.app.platform.clock.now_ms();
    assert!(
        steps::begin_attempt(db, &t.id, &run, "A", 2, 9, "i", now)
            .await
            .expect("begin")
            .is_none(),
        "no attempt 2 yet"
    );
    let work = steps::begin_attempt(db, &t.id, &run, "A", 1, 9, "i", now)
        .await
        .expect("begin");
    assert!(work.is_some());
    assert!(
        steps::begin_attempt(db, &t.id, &run, "A", 1, 10, "j", now)
            .await
            .expect("begin")
            .is_none(),
        "taken once"
    );
    let stale = steps::finish_attempt(db, &t.id, &run, "A", 1, 8, ok(&[]), now)
        .await
        .expect("finish");
    assert_eq!(stale, Finished::Stale, "an older fence");
    let stale = steps::finish_attempt(db, &t.id, &run, "A", 0, 9, ok(&[]), now)
        .await
        .expect("finish");
    assert_eq!(stale, Finished::Stale, "an older attempt");
    assert_eq!(e.queued(&t.id, &run).await, None, "nothing moved");
    let done = steps::finish_attempt(db, &t.id, &run, "A", 1, 9, ok(&[]), now)
        .await
        .expect("finish");
    assert_eq!(done, Finished::Routed { ended: false });
    let again = steps::finish_attempt(db, &t.id, &run, "A", 1, 9, ok(&[]), now)
        .await
        .expect("finish");
    assert_eq!(again, Finished::Stale, "a result is applied once");
}

#[tokio::test]
async fn pause_holds_routing_until_resume_and_queued_steps_wait() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e.pipeline(&t.id, &pipeline("two", TWO)).await;
    let run = e.start(&t, &id, "t").await;
    let api = e.app.client.bearer(&t.token);
    let db = &e.app.platform.db;
    let now = e.app.platform.clock.now_ms();
    steps::begin_attempt(db, &t.id, &run, "A", 1, 3, "i", now)
        .await
        .expect("begin")
        .expect("work");
    let (status, body) = api.post(&format!("/v1/runs/{run}/pause"), json!({})).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("paused"))
    );
    let held = steps::finish_attempt(db, &t.id, &run, "A", 1, 3, ok(&[]), now)
        .await
        .expect("finish");
    assert_eq!(
        held,
        Finished::Held,
        "the running step's result is recorded"
    );
    assert_eq!(
        e.queued(&t.id, &run).await,
        None,
        "nothing new is queued while paused"
    );
    let (status, body) = api.post(&format!("/v1/runs/{run}/resume"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "running");
    assert_eq!(body["requeued_steps"], json!(["B"]));
    // A paused run's queued step is not begun; resume announces it again.
    api.post(&format!("/v1/runs/{run}/pause"), json!({})).await;
    assert!(
        steps::begin_attempt(db, &t.id, &run, "B", 1, 3, "i", now)
            .await
            .expect("begin")
            .is_none()
    );
    let (_, body) = api.post(&format!("/v1/runs/{run}/resume"), json!({})).await;
    assert_eq!(body["requeued_steps"], json!(["B"]));
    e.act(&t.id, &run, ok(&[])).await;
    assert_eq!(e.status(&t.id, &run).await, "completed");
    let (status, body) = api.post(&format!("/v1/runs/{run}/pause"), json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("run_not_active"))
    );
}

#[tokio::test]
async fn cancel_stops_the_step_and_ended_runs_refuse_control() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e.pipeline(&t.id, &pipeline("two", TWO)).await;
    let run = e.start(&t, &id, "t").await;
    let api = e.app.client.bearer(&t.token);
    let now = e.app.platform.clock.now_ms();
    steps::begin_attempt(&e.app.platform.db, &t.id, &run, "A", 1, 3, "i", now)
        .await
        .expect("begin");
    let (status, body) = api.post(&format!("/v1/runs/{run}/cancel"), json!({})).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    let late = steps::finish_attempt(&e.app.platform.db, &t.id, &run, "A", 1, 3, ok(&[]), now)
        .await
        .expect("finish");
    assert_eq!(late, Finished::Stale);
    let types = e.event_types(&run).await;
    let (_, session) = api.get(&format!("/v1/sessions/{run}_A_1")).await;
    assert_eq!(session["status"], "cancelled", "{session}");
    for want in ["STEP_CANCELLED", "HUMAN_INTERVENTION", "RUN_STATUS_CHANGED"] {
        assert!(types.contains(&want.to_owned()), "{want} in {types:?}");
    }
    assert!(!types.contains(&"RUN_FAILED".to_owned()));
    for path in ["cancel", "resume", "steps/A/restart"] {
        let (status, body) = api.post(&format!("/v1/runs/{run}/{path}"), json!({})).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("run_not_active")),
            "{path}"
        );
    }
}

#[tokio::test]
async fn restart_of_a_run_resets_it_and_restart_of_a_step_carries_the_note() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e.pipeline(&t.id, &pipeline("two", TWO)).await;
    let run = e.start(&t, &id, "t").await;
    let api = e.app.client.bearer(&t.token);
    e.act(&t.id, &run, ok(&[("note", "x")])).await;
    let (status, body) = api
        .post(
            &format!("/v1/runs/{run}/steps/A/restart"),
            json!({"context": "use tabs"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(e.queued(&t.id, &run).await, Some(("A".to_owned(), 2)));
    let (work, _) = e.act_on(&t.id, &run, "A", 2, ok(&[])).await;
    assert!(
        work.expect("work")
            .prompt
            .ends_with("[HUMAN RESTART] use tabs")
    );
    let (status, body) = api
        .post(
            &format!("/v1/runs/{run}/steps/B/inject"),
            json!({"context": "be brief"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (step, attempt) = e.queued(&t.id, &run).await.expect("B queued");
    assert_eq!(
        (step.as_str(), attempt),
        ("B", 2),
        "its cancelled attempt 1 stays in history"
    );
    let (work, _) = e.act_on(&t.id, &run, "B", 2, ok(&[])).await;
    assert!(
        work.expect("work")
            .prompt
            .ends_with("[ADDITIONAL CONTEXT] be brief")
    );
    assert_eq!(e.status(&t.id, &run).await, "completed");
    let (status, body) = api
        .post(&format!("/v1/runs/{run}/restart"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "running");
    assert_eq!(body["generation"], 1);
    assert_eq!(body["outputs"], json!({}));
    assert_eq!(
        e.queued(&t.id, &run).await,
        Some(("A".to_owned(), 3)),
        "a new attempt"
    );
    assert_eq!(body["steps"].as_array().map(Vec::len), Some(2));
    e.act(&t.id, &run, ok(&[])).await;
    e.act(&t.id, &run, ok(&[])).await;
    assert_eq!(e.status(&t.id, &run).await, "completed");
}

#[tokio::test]
async fn delete_removes_the_run_and_bulk_delete_needs_a_filter() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e.pipeline(&t.id, &pipeline("two", TWO)).await;
    let run = e.start(&t, &id, "t").await;
    let other = e.start(&t, &id, "t").await;
    let api = e.app.client.bearer(&t.token);
    let (status, _) = api.delete(&format!("/v1/runs/{run}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = api.get(&format!("/v1/runs/{run}")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("run_not_found"))
    );
    let (status, body) = api.delete("/v1/runs/").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("filter_required"))
    );
    let (status, body) = api.delete("/v1/runs/?status=running").await;
    assert_eq!(
        (status, body["count"].as_i64()),
        (StatusCode::OK, Some(1)),
        "{body}"
    );
    let (status, _) = api.get(&format!("/v1/runs/{other}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, list) = api.get("/v1/runs/").await;
    assert_eq!((status, list), (StatusCode::OK, json!([])));
}

#[tokio::test]
async fn a_step_whose_runtime_vanished_is_retried_then_fails_the_run() {
    use engine_svc::flows::steps::vanished::RetryVanished;
    use engine_svc::runtimes::reconcile::{OnVanished, VanishReason, VanishedRuntime};
    use shared_schemas::ids::{AgentId, RunId};

    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e
        .pipeline(
            &t.id,
            &pipeline("one", "  - {id: A, agent: a, input: go, maxRetries: 1}\n"),
        )
        .await;
    let run = e.start(&t, &id, "t").await;
    let db = &e.app.platform.db;
    let now = e.app.platform.clock.now_ms();
    let handler = RetryVanished(e.state.clone());
    let vanished = |attempt: i32| VanishedRuntime {
        tenant: t.id.clone(),
        run: RunId::parse(run.clone()).expect("run"),
        agent: AgentId::parse(e.agents.id(&t.id, "a")).expect("agent"),
        step_id: Some("A".to_owned()),
        attempt: Some(attempt),
        instance: "engine-dead".to_owned(),
        reason: VanishReason::OwnerGone,
    };
    // Never begun: nothing to fail (its queued attempt waits for an executor).
    handler
        .runtime_vanished(&vanished(1))
        .await
        .expect("handled");
    assert_eq!(e.queued(&t.id, &run).await, Some(("A".to_owned(), 1)));
    steps::begin_attempt(db, &t.id, &run, "A", 1, 5, "engine-dead", now)
        .await
        .expect("begin");
    handler
        .runtime_vanished(&vanished(1))
        .await
        .expect("handled");
    handler
        .runtime_vanished(&vanished(1))
        .await
        .expect("a redelivery changes nothing");
    assert_eq!(
        e.queued(&t.id, &run).await,
        Some(("A".to_owned(), 2)),
        "retried"
    );
    steps::begin_attempt(db, &t.id, &run, "A", 2, 6, "engine-b", now)
        .await
        .expect("begin");
    handler
        .runtime_vanished(&vanished(2))
        .await
        .expect("handled");
    let detail = e.run(&t.id, &run).await;
    assert_eq!(detail.status, "failed");
    assert!(
        detail
            .error
            .expect("error")
            .contains("engine instance running the step stopped")
    );
}
