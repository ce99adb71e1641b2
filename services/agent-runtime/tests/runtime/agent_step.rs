//! The agent loop against the scripted LLM, on both wires, with real Redis.

use crate::common::{Harness, check_order};
use llm_fake::{LlmFake, Reply, ToolCall};
use serde_json::json;
use shared_schemas::runtime::{FileChangeType, OutputSource, RuntimeMessage};

fn openai_env(fake: &LlmFake) -> Vec<(&'static str, String)> {
    crate::common::fake_env(fake)
}

#[tokio::test]
async fn tool_loop_writes_a_file_and_complete_outputs_arrive_structured() {
    let fake = LlmFake::start().await;
    fake.script(
        "m-loop",
        vec![
            Reply::tool_calls(vec![ToolCall::new("write", json!({"path": "src/hello.txt", "content": "hello\n"}))]),
            Reply::tool_calls(vec![ToolCall::new("bash", json!({"command": "cat src/hello.txt; echo done"}))]),
            Reply::tool_calls(vec![ToolCall::new(
                "complete",
                json!({"outputs": {"verdict": "PASS", "notes": "line1\nline2"}, "summary": "wrote it"}),
            )]),
        ],
    );
    let mut rt = Harness::start("custom-fake/m-loop", &openai_env(&fake)).await;
    rt.send(
        json!({"type": "agentStep", "requestId": "r1", "prompt": "write hello", "timestamp": 1}),
    )
    .await;
    let messages = rt.until_idle("r1").await;
    let end = check_order(&messages, "r1");
    assert!(end.success, "{end:?}");
    assert_eq!(end.explicit_completion, Some(true));
    assert_eq!(end.result, "wrote it");
    let outputs = end.outputs.expect("outputs");
    assert_eq!(outputs["verdict"], "PASS");
    assert_eq!(outputs["notes"], "line1\nline2");
    assert_eq!(end.usage.expect("usage").calls, 3);
    assert_eq!(
        std::fs::read_to_string(rt.workspace.join("src/hello.txt")).expect("file"),
        "hello\n"
    );
    assert!(
        messages
            .iter()
            .any(|m| matches!(m, RuntimeMessage::FileChange(f)
        if f.path == "src/hello.txt" && f.change_type == FileChangeType::Create))
    );
    assert!(
        messages
            .iter()
            .any(|m| matches!(m, RuntimeMessage::Stdout(o)
        if o.source == Some(OutputSource::Tool) && o.data.contains("hello")))
    );
    let tool_ends: Vec<_> = messages
        .iter()
        .filter_map(|m| match m {
            RuntimeMessage::ToolEnd(t) => Some((t.tool_name.clone(), t.success)),
            _ => None,
        })
        .collect();
    assert_eq!(
        tool_ends,
        vec![
            ("write".into(), true),
            ("bash".into(), true),
            ("complete".into(), true)
        ]
    );

    // The results went back to the model, and the key went as a bearer token.
    let requests = fake.requests("m-loop");
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].headers["authorization"], "Bearer sk-fake-key");
    let last = &requests[2].body["messages"];
    let tool_msg = last
        .as_array()
        .expect("messages")
        .iter()
        .rfind(|m| m["role"] == "tool")
        .expect("a tool result");
    assert!(tool_msg["content"].as_str().expect("text").contains("done"));
    assert_eq!(requests[0].body["stream"], true);
    rt.shutdown().await;
}

#[tokio::test]
async fn text_streams_in_order_and_a_stop_without_complete_is_nudged() {
    let fake = LlmFake::start().await;
    fake.script(
        "m-text",
        vec![
            Reply::thinking("thinking it over", "I think we are done."),
            Reply::text("Still done."),
        ],
    );
    let mut env = openai_env(&fake);
    env.push(("MAX_AUTO_CONTINUATIONS", "1".to_owned()));
    let mut rt = Harness::start("custom-fake/m-text", &env).await;
    rt.send(
        json!({"type": "agentStep", "requestId": "r1", "prompt": "hi",
        "attachments": [{"id": "att_1", "filename": "spec.pdf", "mimeType": "application/pdf",
            "sizeBytes": 1234, "isImage": false}]}),
    )
    .await;
    let messages = rt.until_idle("r1").await;
    let end = check_order(&messages, "r1");
    assert!(end.success);
    assert_eq!(end.explicit_completion, Some(false));
    let first = &fake.requests("m-text")[0].body["messages"];
    let prompt = first[0]["content"].as_str().expect("prompt");
    assert!(prompt.starts_with("hi") && prompt.contains("spec.pdf (application/pdf, 1234 bytes)"));
    assert_eq!(end.result, "Still done.");
    let text: String = messages
        .iter()
        .filter_map(|m| match m {
            RuntimeMessage::Stdout(o) if o.source == Some(OutputSource::Assistant) => {
                Some(o.data.clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(text, "I think we are done.Still done.");
    assert!(
        messages
            .iter()
            .any(|m| matches!(m, RuntimeMessage::Thinking(_)))
    );
    let second = &fake.requests("m-text")[1].body["messages"];
    let nudge = second.as_array().expect("messages").last().expect("last");
    assert!(
        nudge["content"]
            .as_str()
            .expect("text")
            .contains("complete")
    );
    rt.shutdown().await;
}

#[tokio::test]
async fn the_anthropic_wire_runs_the_same_loop() {
    let fake = LlmFake::start().await;
    fake.script(
        "claude-test",
        vec![
            Reply::tool_calls(vec![ToolCall::new(
                "write",
                json!({"path": "a.md", "content": "# A"}),
            )]),
            Reply::tool_calls(vec![ToolCall::new(
                "edit",
                json!({"path": "a.md", "old": "# A", "new": "# B"}),
            )]),
            Reply::tool_calls(vec![ToolCall::new(
                "complete",
                json!({"outputs": {"file": "a.md"}}),
            )]),
        ],
    );
    let env = vec![
        crate::common::allow_fake(&fake),
        ("ANTHROPIC_BASE_URL", fake.base_url()),
        ("ANTHROPIC_API_KEY", "sk-ant-fake".to_owned()),
        ("AGENT_SYSTEM_PROMPT", "You are terse.".to_owned()),
    ];
    let mut rt = Harness::start("anthropic/claude-test", &env).await;
    rt.send(json!({"type": "agentStep", "requestId": "a1", "prompt": "make a.md"}))
        .await;
    let end = check_order(&rt.until_idle("a1").await, "a1");
    assert!(end.success, "{end:?}");
    assert_eq!(end.outputs.expect("outputs")["file"], "a.md");
    assert_eq!(
        std::fs::read_to_string(rt.workspace.join("a.md")).expect("file"),
        "# B"
    );
    let requests = fake.requests("claude-test");
    assert_eq!(requests[0].headers["x-api-key"], "sk-ant-fake");
    assert_eq!(requests[0].headers["anthropic-version"], "2023-06-01");
    assert_eq!(requests[0].body["system"], "You are terse.");
    let asked = &requests[1].body["messages"][1]["content"][0];
    let results = &requests[1].body["messages"][2]["content"][0];
    assert_eq!(asked["type"], "tool_use");
    assert_eq!(
        (results["type"].as_str(), results["tool_use_id"].as_str()),
        (Some("tool_result"), asked["id"].as_str())
    );
    rt.shutdown().await;
}

#[tokio::test]
async fn fail_ends_the_step_unsuccessfully_and_max_steps_bounds_the_loop() {
    let fake = LlmFake::start().await;
    fake.script(
        "m-fail",
        vec![
            Reply::tool_calls(vec![ToolCall::new(
                "fail",
                json!({"error": "no repo to work on"}),
            )]),
            Reply::tool_calls(vec![ToolCall::new("bash", json!({"command": "true"}))]),
            Reply::tool_calls(vec![ToolCall::new("bash", json!({"command": "true"}))]),
        ],
    );
    let mut rt = Harness::start("custom-fake/m-fail", &openai_env(&fake)).await;
    rt.send(json!({"type": "agentStep", "requestId": "f1", "prompt": "x"}))
        .await;
    let end = check_order(&rt.until_idle("f1").await, "f1");
    assert!(!end.success);
    assert_eq!(end.explicit_completion, Some(true));
    assert_eq!(end.error.as_deref(), Some("no repo to work on"));

    rt.send(json!({"type": "agentStep", "requestId": "f2", "prompt": "x", "maxSteps": 2}))
        .await;
    let end = check_order(&rt.until_idle("f2").await, "f2");
    assert!(!end.success);
    assert_eq!(end.error.as_deref(), Some("max_steps"));
    assert_eq!(end.step_number, 2);
    rt.shutdown().await;
}

#[tokio::test]
async fn a_call_log_that_cannot_be_reached_never_fails_the_step() {
    let fake = LlmFake::start().await;
    fake.script(
        "m-unlogged",
        vec![Reply::tool_call("complete", json!({"outputs": {"a": "1"}}))],
    );
    let mut env = openai_env(&fake);
    // Nothing listens on port 9: every record fails at connect and is retried, then dropped.
    env.push(("AGENT_SVC_URL", "http://127.0.0.1:9".to_owned()));
    env.push(("AGENT_API_TOKEN", "eyJ.not-a-real-token".to_owned()));
    let mut rt = Harness::start("custom-fake/m-unlogged", &env).await;
    let started = std::time::Instant::now();
    rt.send(json!({"type": "agentStep", "requestId": "r1", "prompt": "go", "timestamp": 1}))
        .await;
    let end = check_order(&rt.until_idle("r1").await, "r1");
    assert!(end.success, "{end:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "the step waited for its call record: {:?}",
        started.elapsed()
    );
    // The exit waits for the queued record at most a few seconds, then exits 0.
    rt.shutdown().await;
}
