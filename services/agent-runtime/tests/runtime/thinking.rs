//! Anthropic extended thinking: the signed `thinking` and `redacted_thinking` blocks of a turn
//! that ended in tool use go back unchanged, before the tool calls, in the next request.

use crate::common::{Harness, check_order, fake_env};
use llm_fake::{LlmFake, Reply};
use serde_json::json;

#[tokio::test]
async fn signed_and_redacted_thinking_is_sent_back_unchanged_with_the_tool_results() {
    let fake = LlmFake::start().await;
    let signature = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds";
    fake.script(
        "claude-thinks",
        vec![
            Reply::tool_call("bash", json!({"command": "echo hi"}))
                .with_thinking("I should look before I answer.")
                .with_signature(signature)
                .with_redacted_thinking("EmwKAhgBEgy3va3pzix/LafPsn4a"),
            Reply::tool_call("complete", json!({"outputs": {"a": "1"}})),
        ],
    );
    let mut rt = Harness::start("anthropic/claude-thinks", &fake_env(&fake)).await;
    rt.send(json!({"type": "agentStep", "requestId": "r1", "prompt": "go", "timestamp": 1}))
        .await;
    let end = check_order(&rt.until_idle("r1").await, "r1");
    assert!(end.success, "{end:?}");
    let requests = fake.requests("claude-thinks");
    assert_eq!(requests.len(), 2);
    let messages = requests[1].body["messages"]
        .as_array()
        .expect("messages")
        .clone();
    let assistant = messages
        .iter()
        .find(|m| m["role"] == "assistant")
        .expect("the first answer is in the second request");
    let content = assistant["content"].as_array().expect("blocks");
    assert_eq!(
        content[0],
        json!({"type": "thinking", "thinking": "I should look before I answer.",
            "signature": signature})
    );
    assert_eq!(
        content[1],
        json!({"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"})
    );
    assert_eq!(content[2]["type"], "tool_use");
    assert_eq!(content.len(), 3);
    rt.shutdown().await;
}
