//! Every YAML routing feature end to end through the flows: the executor is played with
//! `begin_attempt` / `finish_attempt`, the run's rows and outbox events are checked.

use engine_svc::flows::steps::{Finished, StepResult};
use serde_json::json;

use crate::support::{engine, failed, ok, pipeline};

#[tokio::test]
async fn on_complete_chains_steps_and_the_last_completes_the_run() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e.pipeline(&t.id, &pipeline("chain", "  - {id: A, agent: a, input: 'Do {{task_description}}', outputs: [x], onComplete: B}\n  - {id: B, agent: b, input: 'Use {{x}}'}\n")).await;
    let run = e.start(&t, &id, "the job").await;
    assert_eq!(e.status(&t.id, &run).await, "running");
    let (step, _) = e.act(&t.id, &run, ok(&[("x", "42")])).await;
    assert_eq!(step, "A");
    let (step, attempt) = e.queued(&t.id, &run).await.expect("B queued");
    assert_eq!((step.as_str(), attempt), ("B", 1));
    let (work, done) = e.act_on(&t.id, &run, "B", 1, ok(&[])).await;
    assert_eq!(work.expect("work").prompt, "Use 42");
    assert_eq!(done, Finished::Routed { ended: true });
    let detail = e.run(&t.id, &run).await;
    assert_eq!(detail.status, "completed");
    assert_eq!(detail.outputs["x"], "42");
    let types = e.event_types(&run).await;
    assert_eq!(types.first().map(String::as_str), Some("RUN_CREATED"));
    assert_eq!(types.last().map(String::as_str), Some("RUN_COMPLETE"));
    let queued: Vec<_> = e
        .events(&run)
        .await
        .into_iter()
        .filter(|v| v["type"] == "STEP_QUEUED")
        .collect();
    assert_eq!(
        queued[0]["agentId"],
        e.agents.id(&t.id, "a"),
        "platform agent ids, not slugs"
    );
    assert_eq!(queued[0]["attempt"], 1);
}

#[tokio::test]
async fn goto_to_a_completed_step_runs_it_again_as_a_new_attempt_with_its_notify() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let yaml = pipeline(
        "review",
        "  - {id: BUILD, agent: a, input: build, onComplete: REVIEW}\n  - id: REVIEW\n    agent: b\n    input: review\n    outputs: [verdict]\n    onResult:\n      CHANGES: {goto: BUILD, notify: {agent: a, message: fix it}}\n      OK: {goto: DONE}\n  - {id: DONE, agent: a, input: done}\n",
    );
    let id = e.pipeline(&t.id, &yaml).await;
    let run = e.start(&t, &id, "t").await;
    e.act(&t.id, &run, ok(&[])).await;
    e.act(&t.id, &run, ok(&[("verdict", "changes")])).await;
    assert_eq!(
        e.queued(&t.id, &run).await,
        Some(("BUILD".to_owned(), 2)),
        "a completed step runs again"
    );
    let notes: Vec<_> = e
        .events(&run)
        .await
        .into_iter()
        .filter(|v| v["type"] == "AGENT_MESSAGE")
        .collect();
    assert_eq!(notes.len(), 1, "notify is sent with goto");
    assert_eq!(notes[0]["to"], e.agents.id(&t.id, "a"));
    assert_eq!(notes[0]["from"], "system");
    e.act(&t.id, &run, ok(&[])).await;
    e.act(&t.id, &run, ok(&[("verdict", "OK")])).await;
    e.act(&t.id, &run, ok(&[])).await;
    assert_eq!(e.status(&t.id, &run).await, "completed");
}

#[tokio::test]
async fn a_notify_only_action_falls_through_to_on_complete() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let yaml = pipeline(
        "notify",
        "  - id: DEPLOY\n    agent: a\n    input: deploy\n    outputs: [result]\n    onResult:\n      SUCCESS: {notify: {agent: b, message: shipped}}\n    onComplete: TELL\n  - {id: TELL, agent: b, input: tell}\n",
    );
    let id = e.pipeline(&t.id, &yaml).await;
    let run = e.start(&t, &id, "t").await;
    e.act(&t.id, &run, ok(&[("result", "SUCCESS")])).await;
    assert_eq!(
        e.queued(&t.id, &run).await.map(|q| q.0),
        Some("TELL".to_owned())
    );
    e.act(&t.id, &run, ok(&[])).await;
    assert_eq!(e.status(&t.id, &run).await, "completed");
}

#[tokio::test]
async fn result_retry_feeds_back_and_fails_the_run_when_exhausted() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let yaml = pipeline(
        "retry",
        "  - id: TEST\n    agent: a\n    input: test\n    outputs: [result]\n    onResult:\n      FAIL: {retry: true, maxRetries: 2}\n",
    );
    let id = e.pipeline(&t.id, &yaml).await;
    let run = e.start(&t, &id, "t").await;
    e.act(&t.id, &run, ok(&[("result", "FAIL")])).await;
    let (work, _) = e
        .act_on(&t.id, &run, "TEST", 2, ok(&[("result", "FAIL")]))
        .await;
    assert!(
        work.expect("work").prompt.contains("[RESULT RETRY 1/2]"),
        "feedback in the prompt"
    );
    assert_eq!(e.status(&t.id, &run).await, "running");
    let (_, done) = e.act(&t.id, &run, ok(&[("result", "FAIL")])).await;
    assert_eq!(done, Finished::Routed { ended: true });
    let detail = e.run(&t.id, &run).await;
    assert_eq!(detail.status, "failed");
    assert!(detail.error.expect("error").contains("after 2 retries"));
    assert_eq!(
        e.event_types(&run)
            .await
            .iter()
            .filter(|t| *t == "STEP_RETRYING")
            .count(),
        2
    );
}

#[tokio::test]
async fn step_failures_retry_with_the_error_then_fail_the_run() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e
        .pipeline(
            &t.id,
            &pipeline("fails", "  - {id: A, agent: a, input: go, maxRetries: 1}\n"),
        )
        .await;
    let run = e.start(&t, &id, "t").await;
    e.act(&t.id, &run, failed("Container execution timed out"))
        .await;
    let (work, _) = e.act_on(&t.id, &run, "A", 2, failed("boom")).await;
    assert!(
        work.expect("work")
            .prompt
            .contains("[RETRY 1/1] Previous attempt failed: Container execution timed out")
    );
    let detail = e.run(&t.id, &run).await;
    assert_eq!(detail.status, "failed");
    assert_eq!(
        detail.error.as_deref(),
        Some("Step A failed after 1 retries: boom")
    );
    let types = e.event_types(&run).await;
    assert!(
        types.contains(&"STEP_FAILED".to_owned())
            && types.last().map(String::as_str) == Some("RUN_FAILED")
    );
}

#[tokio::test]
async fn a_failure_status_output_is_a_step_failure() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e
        .pipeline(
            &t.id,
            &pipeline(
                "status",
                "  - {id: A, agent: a, input: go, maxRetries: 0}\n",
            ),
        )
        .await;
    let run = e.start(&t, &id, "t").await;
    e.act(
        &t.id,
        &run,
        ok(&[("status", "failed"), ("error", "red tests")]),
    )
    .await;
    let detail = e.run(&t.id, &run).await;
    assert_eq!(detail.status, "failed");
    assert!(detail.error.expect("error").contains("red tests"));
}

#[tokio::test]
async fn loops_start_on_item_zero_pass_each_item_and_go_on_after_the_last() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let yaml = pipeline(
        "loop",
        "  - {id: PLAN, agent: a, input: plan, outputs: [items], onComplete: EACH}\n  - id: EACH\n    agent: b\n    type: loop\n    input: 'item {{current_item}} after {{completed_items}}'\n    loop: {over: items, onAllComplete: END}\n  - {id: END, agent: a, input: end}\n",
    );
    let id = e.pipeline(&t.id, &yaml).await;
    let run = e.start(&t, &id, "t").await;
    e.act(&t.id, &run, ok(&[("items", r#"["x", "y"]"#)])).await;
    let (work, _) = e.act_on(&t.id, &run, "EACH", 1, ok(&[])).await;
    assert_eq!(
        work.expect("work").prompt,
        "item x after []",
        "item 0 has its current_item"
    );
    let (work, _) = e.act_on(&t.id, &run, "EACH", 2, ok(&[])).await;
    assert_eq!(work.expect("work").prompt, r#"item y after ["x"]"#);
    assert_eq!(
        e.queued(&t.id, &run).await.map(|q| q.0),
        Some("END".to_owned())
    );
    e.act(&t.id, &run, ok(&[])).await;
    assert_eq!(e.status(&t.id, &run).await, "completed");
    assert_eq!(
        e.event_types(&run)
            .await
            .iter()
            .filter(|t| *t == "LOOP_ITEM_COMPLETE")
            .count(),
        2
    );
    let (status, state) = e
        .app
        .client
        .bearer(&t.token)
        .get(&format!("/v1/runs/{run}/loop-state/EACH"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(state["items"][1]["status"], "completed");
    assert_eq!(state["current_index"], 2);
}

#[tokio::test]
async fn an_empty_loop_goes_on_and_a_non_array_fails_the_run_naming_the_key() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let yaml = pipeline(
        "loops",
        "  - {id: PLAN, agent: a, input: plan, outputs: [items], onComplete: EACH}\n  - {id: EACH, agent: b, type: loop, input: x, loop: {over: items}, onComplete: END}\n  - {id: END, agent: a, input: end}\n",
    );
    let id = e.pipeline(&t.id, &yaml).await;
    let run = e.start(&t, &id, "t").await;
    e.act(&t.id, &run, ok(&[("items", "[]")])).await;
    assert_eq!(
        e.queued(&t.id, &run).await.map(|q| q.0),
        Some("END".to_owned())
    );
    let other = e.start(&t, &id, "t").await;
    e.act(&t.id, &other, ok(&[("items", "three things")])).await;
    let detail = e.run(&t.id, &other).await;
    assert_eq!(detail.status, "failed");
    assert!(detail.error.expect("error").contains("`items`"));
}

#[tokio::test]
async fn structured_output_is_validated_and_mapped() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e.pipeline(&t.id, crate::support::TRIAGE).await;
    let run = e.start(&t, &id, "login page crashes").await;
    let mut bad = ok(&[]);
    bad.structured = Some(json!({"severity": "HUGE", "component": "auth", "summary": "s"}));
    e.act(&t.id, &run, bad).await;
    let detail = e.run(&t.id, &run).await;
    let classify = detail
        .steps
        .iter()
        .find(|s| s.step_id == "CLASSIFY")
        .expect("step");
    let feedback = classify.human_context.as_deref().expect("retry feedback");
    assert!(
        feedback.starts_with("[RETRY 1/3]") && feedback.contains("bug_classification"),
        "{feedback}"
    );
    assert_eq!(
        classify.status, "queued",
        "retried (defaults.maxRetries is 3)"
    );
    let mut good = StepResult {
        success: true,
        ..StepResult::default()
    };
    good.structured = Some(json!({"severity": "MINOR", "component": "auth", "summary": "s"}));
    e.act(&t.id, &run, good).await;
    let detail = e.run(&t.id, &run).await;
    assert_eq!(
        detail.outputs.get("severity"),
        None,
        "run outputs fill at the end"
    );
    assert_eq!(
        e.queued(&t.id, &run).await.map(|q| q.0),
        Some("CLOSE".to_owned()),
        "MINOR: onComplete"
    );
}
