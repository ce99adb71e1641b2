//! Retries, abort, timeout, duplicates, busy, model changes, context usage and shutdown mid-step:
//! whatever happens, a request ends with exactly one `stepEnd` and one `idle`.

use std::time::{Duration, Instant};

use crate::common::{Harness, check_order};
use llm_fake::{LlmFake, Reply, ToolCall};
use serde_json::json;
use shared_schemas::runtime::RuntimeMessage;

fn env(fake: &LlmFake) -> Vec<(&'static str, String)> {
    crate::common::fake_env(fake)
}

fn step(id: &str) -> serde_json::Value {
    json!({"type": "agentStep", "requestId": id, "prompt": "go"})
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_the_call_succeeds() {
    let fake = LlmFake::start().await;
    fake.script(
        "busy-model",
        vec![
            Reply::error(429, "slow down").retry_after(1),
            Reply::tool_calls(vec![ToolCall::new(
                "complete",
                json!({"outputs": {"ok": "yes"}}),
            )]),
        ],
    );
    let mut rt = Harness::start("custom-fake/busy-model", &env(&fake)).await;
    let started = Instant::now();
    rt.send(step("r1")).await;
    let end = check_order(&rt.until_idle("r1").await, "r1");
    assert!(end.success, "{end:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After honoured"
    );
    assert_eq!(fake.requests("busy-model").len(), 2);
    rt.shutdown().await;
}

#[tokio::test]
async fn server_errors_are_retried_a_bounded_number_of_times() {
    let fake = LlmFake::start().await;
    let errors = (0..5).map(|_| Reply::error(500, "boom")).collect();
    fake.script("broken", errors);
    let mut rt = Harness::start("custom-fake/broken", &env(&fake)).await;
    rt.send(step("r1")).await;
    let end = check_order(&rt.until_idle("r1").await, "r1");
    assert!(!end.success);
    assert!(end.error.expect("error").contains("500"));
    assert_eq!(
        fake.requests("broken").len(),
        4,
        "one call and three retries"
    );
    rt.shutdown().await;
}

#[tokio::test]
async fn abort_stops_the_stream_mid_way_with_one_step_end_and_one_idle() {
    let fake = LlmFake::start().await;
    fake.script(
        "slow",
        vec![Reply::text("tick ".repeat(480)).chunk_delay(100)],
    );
    let mut rt = Harness::start("custom-fake/slow", &env(&fake)).await;
    rt.send(step("r1")).await;
    let mut seen = Vec::new();
    // Wait for streaming to be under way, then abort.
    loop {
        let m = rt.next().await;
        let streaming = matches!(m, RuntimeMessage::Stdout(_));
        seen.push(m);
        if streaming {
            break;
        }
    }
    rt.send(json!({"type": "abort", "requestId": "r1"})).await;
    seen.extend(rt.until_idle("r1").await);
    let end = check_order(&seen, "r1");
    assert!(!end.success);
    assert_eq!(end.result, "aborted");
    assert!(
        seen.iter()
            .filter(|m| matches!(m, RuntimeMessage::Stdout(_)))
            .count()
            < 50
    );
    // Nothing of the aborted request follows its idle.
    assert!(
        rt.reader
            .try_next(Duration::from_millis(500))
            .await
            .is_none()
    );
    rt.shutdown().await;
}

#[tokio::test]
async fn the_step_timeout_ends_a_request_that_runs_too_long() {
    let fake = LlmFake::start().await;
    fake.script(
        "slow",
        vec![Reply::text("tick ".repeat(480)).chunk_delay(100)],
    );
    let mut env = env(&fake);
    env.push(("STEP_TIMEOUT_MS", "700".to_owned()));
    let mut rt = Harness::start("custom-fake/slow", &env).await;
    let started = Instant::now();
    rt.send(step("r1")).await;
    let end = check_order(&rt.until_idle("r1").await, "r1");
    assert!(!end.success);
    assert_eq!(end.result, "timeout");
    assert!(started.elapsed() < Duration::from_secs(5));
    rt.shutdown().await;
}

#[tokio::test]
async fn a_resent_request_is_ignored_and_a_second_one_while_busy_is_refused() {
    let fake = LlmFake::start().await;
    fake.script(
        "m",
        vec![
            Reply::text("tick ".repeat(24)).chunk_delay(100),
            Reply::tool_calls(vec![ToolCall::new("complete", json!({"outputs": {}}))]),
        ],
    );
    let mut rt = Harness::start("custom-fake/m", &env(&fake)).await;
    rt.send(step("r1")).await;
    rt.send(step("r1")).await;
    rt.send(step("r2")).await;
    let mut seen = rt.until_idle("r1").await;
    let refused = seen
        .iter()
        .position(|m| matches!(m, RuntimeMessage::Error(e) if e.code.as_deref() == Some("busy")))
        .expect("r2 refused while r1 runs");
    let RuntimeMessage::Error(e) = seen.remove(refused) else {
        unreachable!()
    };
    assert_eq!(e.request_id.as_deref(), Some("r2"));
    check_order(&seen, "r1");
    // The resend after the end is ignored too; nothing answers it.
    rt.send(step("r1")).await;
    assert!(
        rt.reader
            .try_next(Duration::from_millis(500))
            .await
            .is_none()
    );
    assert_eq!(fake.requests("m").len(), 2, "r1 ran once (two turns)");
    rt.shutdown().await;
}

#[tokio::test]
async fn change_model_context_usage_and_shutdown_mid_step() {
    let fake = LlmFake::start().await;
    fake.script("first", vec![Reply::text("hello there")]);
    fake.script(
        "second",
        vec![Reply::text("tick ".repeat(480)).chunk_delay(100)],
    );
    let mut env = env(&fake);
    env.push(("CHAT_SESSION_ID", "ses_1".to_owned()));
    env.push(("AGENT_CONTEXT_WINDOW", "1000".to_owned()));
    let mut rt = Harness::start("custom-fake/first", &env).await;
    rt.send(step("r1")).await;
    let end = check_order(&rt.until_idle("r1").await, "r1");
    assert_eq!(end.result, "hello there", "chat sessions are not nudged");

    rt.send(json!({"type": "getContextUsage", "requestId": "q1"}))
        .await;
    let RuntimeMessage::ContextUsage(usage) = rt.next().await else {
        panic!("contextUsage");
    };
    assert_eq!(usage.request_id.as_deref(), Some("q1"));
    assert!(usage.used_tokens > 0 && usage.context_window == 1000);

    rt.send(json!({"type": "changeModel", "model": "nowhere/x"}))
        .await;
    let RuntimeMessage::Error(e) = rt.next().await else {
        panic!("error");
    };
    assert_eq!(e.code.as_deref(), Some("unknown_model"));
    rt.send(json!({"type": "changeModel", "model": "custom-fake/second"}))
        .await;
    rt.send(step("r2")).await;
    let mut seen = Vec::new();
    loop {
        let m = rt.next().await;
        let streaming = matches!(m, RuntimeMessage::Stdout(_));
        seen.push(m);
        if streaming {
            break;
        }
    }
    assert_eq!(fake.requests("second").len(), 1, "the new model answers");
    // The history of r1 went with it.
    assert_eq!(
        fake.requests("second")[0].body["messages"][1]["content"],
        "hello there"
    );
    rt.send(json!({"type": "shutdown", "graceful": true})).await;
    seen.extend(rt.until_idle("r2").await);
    let end = check_order(&seen, "r2");
    assert_eq!(end.result, "aborted");
    rt.wait_exit().await;
}

#[tokio::test]
async fn a_stream_cut_mid_way_fails_the_request_on_both_wires() {
    let fake = LlmFake::start().await;
    fake.script(
        "cut",
        vec![Reply::text("half an answer that never ends").cut_after(3)],
    );
    fake.script(
        "claude-cut",
        vec![Reply::text("half an answer that never ends").cut_after(3)],
    );
    let env = env(&fake);
    let mut rt = Harness::start("custom-fake/cut", &env).await;
    rt.send(step("r1")).await;
    let messages = rt.until_idle("r1").await;
    let end = check_order(&messages, "r1");
    assert!(!end.success);
    assert!(
        end.error.expect("error").contains("stream"),
        "{:?}",
        end.result
    );
    assert!(
        messages
            .iter()
            .any(|m| matches!(m, RuntimeMessage::Stdout(_))),
        "part of the answer streamed"
    );
    rt.send(json!({"type": "changeModel", "model": "anthropic/claude-cut"}))
        .await;
    rt.send(step("r2")).await;
    let end = check_order(&rt.until_idle("r2").await, "r2");
    assert!(!end.success);
    let error = end.error.expect("error");
    assert!(error.contains("stream"), "{error}");
    rt.shutdown().await;
}

#[tokio::test]
async fn abort_kills_a_running_bash_command_and_its_children() {
    let mut rt = Harness::start("openai/unused", &[]).await;
    rt.send(
        json!({"type": "tool", "requestId": "b1", "toolName": "bash",
        "args": {"command": "sleep 60 & echo $! > child.pid; echo started; wait"}}),
    )
    .await;
    loop {
        if let RuntimeMessage::Stdout(o) = rt.next().await
            && o.data.contains("started")
        {
            break;
        }
    }
    let started = Instant::now();
    rt.send(json!({"type": "abort", "requestId": "b1"})).await;
    let mut seen = vec![];
    seen.extend(rt.until_idle("b1").await);
    let end = seen
        .iter()
        .find_map(|m| match m {
            RuntimeMessage::StepEnd(e) => Some(e.clone()),
            _ => None,
        })
        .expect("stepEnd");
    assert_eq!(end.result, "aborted");
    assert!(started.elapsed() < Duration::from_secs(5));
    let pid = std::fs::read_to_string(rt.workspace.join("child.pid")).expect("pid");
    let stat = format!("/proc/{}/stat", pid.trim());
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Gone, or a zombie waiting for its (non-reaping) init: either way, not sleeping on.
    if let Ok(stat) = std::fs::read_to_string(&stat) {
        let state = stat.rsplit(')').next().unwrap_or_default().trim_start();
        assert!(
            state.starts_with('Z'),
            "the background child still runs: {stat}"
        );
    }
    rt.shutdown().await;
}

#[tokio::test]
async fn an_error_event_part_way_through_a_stream_fails_the_request() {
    let fake = LlmFake::start().await;
    fake.script(
        "oops",
        vec![Reply::error(500, "upstream broke").mid_stream(2)],
    );
    fake.script(
        "claude-oops",
        vec![Reply::error(529, "overloaded").mid_stream(2)],
    );
    let mut rt = Harness::start("custom-fake/oops", &env(&fake)).await;
    rt.send(step("r1")).await;
    let end = check_order(&rt.until_idle("r1").await, "r1");
    assert!(!end.success);
    assert!(end.error.expect("error").contains("upstream broke"));
    rt.send(json!({"type": "changeModel", "model": "anthropic/claude-oops"}))
        .await;
    rt.send(step("r2")).await;
    let end = check_order(&rt.until_idle("r2").await, "r2");
    assert!(!end.success);
    assert!(end.error.expect("error").contains("overloaded"));
    rt.shutdown().await;
}

#[tokio::test]
async fn without_agent_model_a_request_names_its_model_or_fails_cleanly() {
    let fake = LlmFake::start().await;
    fake.script("named", vec![Reply::text("named model answers")]);
    let mut env = env(&fake);
    env.push(("CHAT_SESSION_ID", "ses_1".to_owned()));
    let mut rt = Harness::start("", &env).await;
    rt.send(step("r1")).await;
    let end = check_order(&rt.until_idle("r1").await, "r1");
    assert!(!end.success);
    assert!(end.error.expect("error").contains("AGENT_MODEL"));
    rt.send(
        json!({"type": "agentStep", "requestId": "r2", "prompt": "go",
        "model": "custom-fake/named"}),
    )
    .await;
    let end = check_order(&rt.until_idle("r2").await, "r2");
    assert_eq!(
        (end.success, end.result.as_str()),
        (true, "named model answers")
    );
    rt.shutdown().await;
}
