//! Commands the engine sends and the status messages the runtime answers with.

use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Command {
    #[serde(rename = "type")]
    kind: String,
    request_id: Option<String>,
}

/// What the runtime does after a command.
#[derive(Debug, PartialEq)]
pub enum Next {
    /// Publish the status and wait for the next command.
    Continue(Value),
    /// Publish the status and exit with this code.
    Exit(Value, i32),
}

pub fn ready(run_id: &str, now_ms: u64) -> Value {
    json!({ "type": "ready", "runId": run_id, "timestamp": now_ms })
}

/// The answer to one command message. The agent loop that answers `agentStep` and the other
/// commands arrives with the engine; until then they are answered with an `error` status naming
/// the command, so an engine never waits on silence.
pub fn answer(payload: &str, run_id: &str, now_ms: u64) -> Next {
    let command = match serde_json::from_str::<Command>(payload) {
        Ok(command) => command,
        Err(err) => {
            return Next::Continue(json!({ "type": "error", "runId": run_id,
                "message": format!("malformed command: {err}"),
                "code": "malformed_command", "timestamp": now_ms }));
        }
    };
    if command.kind == "shutdown" {
        return Next::Exit(
            json!({ "type": "exiting", "runId": run_id, "code": 0, "timestamp": now_ms }),
            0,
        );
    }
    Next::Continue(
        json!({ "type": "error", "runId": run_id, "requestId": command.request_id,
        "message": format!("command `{}` is not supported by this runtime", command.kind),
        "code": "unsupported_command", "timestamp": now_ms }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shutdown_exits_and_anything_else_is_answered() {
        assert!(matches!(
            answer(r#"{"type":"shutdown"}"#, "run_1", 1),
            Next::Exit(_, 0)
        ));
        let Next::Continue(reply) = answer(r#"{"type":"agentStep","requestId":"r1"}"#, "run_1", 1)
        else {
            panic!("continues");
        };
        assert_eq!(reply["code"], "unsupported_command");
        assert_eq!(reply["requestId"], "r1");
        let Next::Continue(reply) = answer("not json", "run_1", 1) else {
            panic!("continues");
        };
        assert_eq!(reply["code"], "malformed_command");
    }
}
