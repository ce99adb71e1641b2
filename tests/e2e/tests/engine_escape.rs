//! A runtime escape attempt through a real run: the agent's file tools refuse paths outside
//! its run's workspace, including another tenant's run directory, and the run still completes.

mod engine_support;

use std::time::Duration;

use engine_support::*;
use llm_fake::{LlmFake, Reply};
use serde_json::{Value, json};

/// The content of the last `tool` message of a recorded chat request.
fn last_tool_result(body: &Value) -> String {
    body["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "tool"))
        .map(|m| match &m["content"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .unwrap_or_else(|| panic!("no tool message in {body}"))
}

#[tokio::test]
async fn file_tools_refuse_paths_outside_the_run_and_the_run_completes() {
    let fake = LlmFake::start().await;
    let stack = stack(&fake, 0, &[]).await;
    let ada = tenant(&stack, "ada@example.com", &fake, &["engineer"]).await;
    let bob = tenant(&stack, "bob@example.com", &fake, &["engineer"]).await;

    // Bob's run leaves a secret in its workspace.
    let bobs = model();
    fake.script(
        &bobs,
        vec![
            Reply::tool_call(
                "write",
                json!({"path": "secret.txt", "content": "bob-secret-42"}),
            ),
            Reply::tool_call("complete", json!({"outputs": {"summary": "saved"}})),
        ],
    );
    create_pipeline(&stack, &bob, &pipeline("keep", &bobs, 1)).await;
    let bob_run = start_run(&stack, &bob, "keep", "keep a secret").await;
    let done = wait_end(&stack, &bob, &bob_run, Duration::from_secs(30)).await;
    assert_eq!(done["status"], "completed", "{done}");
    let secret = stack
        .data
        .join("tenants")
        .join(&bob.id)
        .join("runs")
        .join(&bob_run)
        .join("secret.txt");
    assert_eq!(
        std::fs::read_to_string(&secret).expect("bob's file"),
        "bob-secret-42"
    );
    let secret = std::fs::canonicalize(&secret).expect("absolute");

    let adas = model();
    fake.script(
        &adas,
        vec![
            Reply::tool_call("read", json!({"path": "../../x"})),
            Reply::tool_call("read", json!({"path": "/etc/passwd"})),
            Reply::tool_call("read", json!({"path": secret.to_string_lossy()})),
            Reply::tool_call("complete", json!({"outputs": {"summary": "tried"}})),
        ],
    );
    create_pipeline(&stack, &ada, &pipeline("escape", &adas, 1)).await;
    let run = start_run(&stack, &ada, "escape", "look around").await;
    let done = wait_end(&stack, &ada, &run, Duration::from_secs(30)).await;
    assert_eq!(done["status"], "completed", "{done}");

    let requests = fake.requests(&adas);
    assert_eq!(requests.len(), 4, "one LLM call per scripted reply");
    let results: Vec<String> = requests[1..]
        .iter()
        .map(|r| last_tool_result(&r.body))
        .collect();
    eprintln!("tool results: {results:#?}");
    assert!(results[0].contains("`..` is not allowed"), "{}", results[0]);
    assert!(
        results[1].contains("outside the workspace"),
        "{}",
        results[1]
    );
    assert!(!results[1].contains("root:"), "{}", results[1]);
    assert!(
        results[2].contains("outside the workspace"),
        "{}",
        results[2]
    );
    assert!(!results[2].contains("bob-secret-42"), "{}", results[2]);
    wait_no_runtimes(&stack, Duration::from_secs(5)).await;
}
