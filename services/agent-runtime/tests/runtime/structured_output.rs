//! `structuredOutput`: `response_format`, the tool-use method, the automatic fallback after a 400
//! that refuses `response_format`, the Anthropic wire (always tool use), and a non-JSON answer.

use crate::common::{Harness, check_order};
use llm_fake::{LlmFake, Reply, ToolCall};
use serde_json::{Value, json};

fn request(id: &str, method: Option<&str>) -> Value {
    let mut cmd = json!({
        "type": "structuredOutput", "requestId": id, "prompt": "judge the work",
        "systemPrompt": "You judge.",
        "outputSchema": {"name": "verdict", "strict": true, "schema": {
            "type": "object", "properties": {"verdict": {"type": "string"}},
            "required": ["verdict"], "additionalProperties": false}},
        "temperature": 0.1
    });
    if let Some(method) = method {
        cmd["outputMethod"] = json!(method);
    }
    cmd
}

fn env(fake: &LlmFake) -> Vec<(&'static str, String)> {
    crate::common::fake_env(fake)
}

#[tokio::test]
async fn response_format_and_tool_use_both_yield_parsed_json() {
    let fake = LlmFake::start().await;
    fake.script(
        "judge",
        vec![
            Reply::text(r#"{"verdict":"PASS"}"#),
            Reply::tool_calls(vec![ToolCall::new("verdict", json!({"verdict": "FAIL"}))]),
        ],
    );
    let mut rt = Harness::start("custom-fake/judge", &env(&fake)).await;
    rt.send(request("s1", None)).await;
    let end = check_order(&rt.until_idle("s1").await, "s1");
    assert!(end.success, "{end:?}");
    assert_eq!(end.structured, Some(json!({"verdict": "PASS"})));
    assert_eq!(end.result, r#"{"verdict":"PASS"}"#);

    rt.send(request("s2", Some("tool_use"))).await;
    let end = check_order(&rt.until_idle("s2").await, "s2");
    assert_eq!(end.structured, Some(json!({"verdict": "FAIL"})));

    let requests = fake.requests("judge");
    let first = &requests[0].body;
    assert_eq!(first["response_format"]["type"], "json_schema");
    assert_eq!(first["response_format"]["json_schema"]["name"], "verdict");
    assert_eq!(first["response_format"]["json_schema"]["strict"], true);
    assert_eq!(first["messages"][0]["content"], "You judge.");
    let second = &requests[1].body;
    assert!(second.get("response_format").is_none());
    assert_eq!(second["tool_choice"]["function"]["name"], "verdict");
    assert_eq!(
        second["tools"][0]["function"]["parameters"]["required"][0],
        "verdict"
    );
    rt.shutdown().await;
}

#[tokio::test]
async fn a_refused_response_format_falls_back_to_tool_use() {
    let fake = LlmFake::start().await;
    fake.script(
        "old-model",
        vec![
            Reply::error(400, "response_format json_schema is not supported"),
            Reply::tool_calls(vec![ToolCall::new("verdict", json!({"verdict": "PASS"}))]),
            Reply::text("not json at all"),
        ],
    );
    let mut rt = Harness::start("custom-fake/old-model", &env(&fake)).await;
    rt.send(request("s1", Some("response_format"))).await;
    let end = check_order(&rt.until_idle("s1").await, "s1");
    assert!(end.success, "{end:?}");
    assert_eq!(end.structured, Some(json!({"verdict": "PASS"})));
    assert_eq!(fake.requests("old-model").len(), 2);

    rt.send(request("s2", None)).await;
    let end = check_order(&rt.until_idle("s2").await, "s2");
    assert!(!end.success);
    assert!(end.error.expect("error").contains("not JSON"));
    assert_eq!(end.structured, None);
    rt.shutdown().await;
}

#[tokio::test]
async fn the_anthropic_wire_uses_a_forced_tool() {
    let fake = LlmFake::start().await;
    fake.script(
        "claude-judge",
        vec![Reply::tool_calls(vec![ToolCall::new(
            "verdict",
            json!({"verdict": "PASS"}),
        )])],
    );
    let mut rt = Harness::start("anthropic/claude-judge", &env(&fake)).await;
    rt.send(request("s1", Some("response_format"))).await;
    let end = check_order(&rt.until_idle("s1").await, "s1");
    assert_eq!(end.structured, Some(json!({"verdict": "PASS"})));
    let body = &fake.requests("claude-judge")[0].body;
    assert_eq!(
        body["tool_choice"],
        json!({"type": "tool", "name": "verdict"})
    );
    assert_eq!(body["tools"][0]["input_schema"]["type"], "object");
    rt.shutdown().await;
}
