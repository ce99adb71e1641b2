//! Cancel and pause through the API while a step is running in a real runtime.

mod engine_support;

use std::time::{Duration, Instant};

use engine_support::*;
use llm_fake::LlmFake;
use serde_json::Value;

async fn steps(stack: &e2e::Stack, t: &Tenant, run: &str) -> Vec<Value> {
    let (status, body) = call(
        stack,
        &t.token,
        "GET",
        &format!("/v1/runs/{run}/steps"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    match body {
        Value::Array(steps) => steps,
        other => other["steps"].as_array().cloned().unwrap_or_default(),
    }
}

#[tokio::test]
async fn cancel_mid_step_stops_the_runtime_and_nothing_runs_after() {
    let fake = LlmFake::start().await;
    let stack = stack(&fake, 0, &[]).await;
    let t = tenant(&stack, "ada@example.com", &fake, &["engineer"]).await;
    let model = model();
    // A step that would take 30 s; a second step that must never run.
    fake.script(&model, slow_completes(4, 30_000));
    create_pipeline(&stack, &t, &pipeline("long", &model, 2)).await;
    let run = start_run(&stack, &t, "long", "a long task").await;
    let pid = wait_runtime_of(&stack, &run, Duration::from_secs(20)).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while fake.requests(&model).is_empty() {
        assert!(Instant::now() < deadline, "the step never reached the LLM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let (status, body) = call(
        &stack,
        &t.token,
        "POST",
        &format!("/v1/runs/{run}/cancel"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let cancelled_at = Instant::now();
    while std::path::Path::new(&format!("/proc/{pid}")).exists()
        && !runtime_pids(&stack.data).is_empty()
    {
        assert!(
            cancelled_at.elapsed() < Duration::from_secs(5),
            "the runtime {pid} still runs 5 s after the cancel"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "runtime gone {} ms after the cancel",
        cancelled_at.elapsed().as_millis()
    );
    let done = get_run(&stack, &t, &run).await;
    assert_eq!(done["status"], "cancelled", "{done}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let steps = steps(&stack, &t, &run).await;
    let s1 = steps.iter().find(|s| s["step_id"] == "S1").expect("S1");
    assert_eq!(s1["status"], "cancelled", "{steps:?}");
    let s2 = steps.iter().find(|s| s["step_id"] == "S2").expect("S2");
    assert!(s2["started_at"].is_null(), "{s2}");
    let rows = attempts(&stack, std::slice::from_ref(&run)).await;
    assert!(rows.iter().all(|a| a.status == "cancelled"), "{rows:?}");
    assert_eq!(
        fake.requests(&model).len(),
        1,
        "nothing asked the LLM after the cancel"
    );
    assert!(runtime_pids(&stack.data).is_empty());
    assert_eq!(get_run(&stack, &t, &run).await["status"], "cancelled");
}

#[tokio::test]
async fn pause_mid_step_holds_the_run_and_resume_completes_it() {
    let fake = LlmFake::start().await;
    let stack = stack(&fake, 0, &[]).await;
    let t = tenant(&stack, "ada@example.com", &fake, &["engineer"]).await;
    let model = model();
    fake.script(&model, slow_completes(4, 2_000));
    create_pipeline(&stack, &t, &pipeline("two", &model, 2)).await;
    let run = start_run(&stack, &t, "two", "pause me").await;
    wait_runtime_of(&stack, &run, Duration::from_secs(20)).await;

    let (status, body) = call(
        &stack,
        &t.token,
        "POST",
        &format!("/v1/runs/{run}/pause"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // The running step ends while paused: its result is held, the next step is not begun.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let paused = get_run(&stack, &t, &run).await;
    assert_eq!(paused["status"], "paused", "{paused}");
    assert_eq!(
        fake.requests(&model).len(),
        1,
        "S2 did not start while paused"
    );
    let rows = attempts(&stack, std::slice::from_ref(&run)).await;
    assert!(rows.iter().all(|a| a.step == "S1"), "{rows:?}");

    let (status, body) = call(
        &stack,
        &t.token,
        "POST",
        &format!("/v1/runs/{run}/resume"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let done = wait_end(&stack, &t, &run, Duration::from_secs(30)).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(fake.requests(&model).len(), 2);
    wait_no_runtimes(&stack, Duration::from_secs(5)).await;
}
