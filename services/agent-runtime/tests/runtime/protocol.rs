//! The boot and shutdown handshake against real Redis: commands over pub/sub, every answer on
//! the runtime stream.

use serde_json::json;
use shared_schemas::runtime::RuntimeMessage;

use crate::common::Harness;

#[tokio::test]
async fn runtime_announces_ready_rejects_unknown_commands_and_exits_on_shutdown() {
    // `start` checks that `ready` (with the run id) comes first.
    let mut rt = Harness::start("openai/gpt-4o", &[]).await;
    rt.send(json!({"type": "dance", "requestId": "r1"})).await;
    let RuntimeMessage::Error(error) = rt.next().await else {
        panic!("an error");
    };
    assert_eq!(
        (error.code.as_deref(), error.request_id.as_deref()),
        (Some("unsupported_command"), Some("r1"))
    );
    rt.send(json!({"type": "agentStep", "requestId": "r2"}))
        .await;
    let RuntimeMessage::Error(error) = rt.next().await else {
        panic!("an error");
    };
    assert_eq!(
        (error.code.as_deref(), error.request_id.as_deref()),
        (Some("malformed_command"), Some("r2"))
    );
    // `shutdown` checks `exiting{code: 0}` and the exit code.
    rt.shutdown().await;
}
