//! Commands the engine sends and the status messages the runtime answers with
//! (`shared_schemas::runtime`).

use shared_schemas::ids::RunId;
use shared_schemas::runtime::{
    RuntimeCommand, RuntimeError, RuntimeExiting, RuntimeMessage, RuntimeReady,
};

/// Decodes one command, or the `error` message that answers a payload that is not one: JSON
/// without a known `type` is `unsupported_command`, anything else `malformed_command`.
pub fn decode(payload: &str, run: &RunId, now_ms: u64) -> Result<RuntimeCommand, RuntimeError> {
    serde_json::from_str::<RuntimeCommand>(payload).map_err(|err| {
        let value = serde_json::from_str::<serde_json::Value>(payload).ok();
        let kind = value.as_ref().and_then(|v| v["type"].as_str());
        let request_id = value
            .as_ref()
            .and_then(|v| v["requestId"].as_str())
            .map(str::to_owned);
        let (message, code) = match kind {
            Some(kind) if !is_known(kind) => (
                format!("command `{kind}` is not supported by this runtime"),
                "unsupported_command",
            ),
            _ => (format!("malformed command: {err}"), "malformed_command"),
        };
        RuntimeError {
            run_id: run.clone(),
            message,
            code: Some(code.to_owned()),
            request_id,
            timestamp: now_ms,
        }
    })
}

fn is_known(kind: &str) -> bool {
    [
        "agentStep",
        "structuredOutput",
        "tool",
        "abort",
        "shutdown",
        "changeModel",
        "getContextUsage",
        "compactSession",
    ]
    .contains(&kind)
}

pub fn ready(run: &RunId, now_ms: u64) -> RuntimeMessage {
    RuntimeMessage::Ready(RuntimeReady {
        run_id: run.clone(),
        timestamp: now_ms,
    })
}

pub fn exiting(run: &RunId, code: i32, now_ms: u64) -> RuntimeMessage {
    RuntimeMessage::Exiting(RuntimeExiting {
        run_id: run.clone(),
        code: Some(code),
        timestamp: now_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_types_and_garbage_are_answered_with_their_codes() {
        let run = RunId::generate();
        assert!(matches!(
            decode(r#"{"type":"shutdown"}"#, &run, 1),
            Ok(RuntimeCommand::Shutdown(_))
        ));
        let Err(e) = decode(r#"{"type":"dance","requestId":"r1"}"#, &run, 1) else {
            panic!("an error");
        };
        assert_eq!(
            (e.code.as_deref(), e.request_id.as_deref()),
            (Some("unsupported_command"), Some("r1"))
        );
        let Err(e) = decode(r#"{"type":"agentStep"}"#, &run, 1) else {
            panic!("an error");
        };
        assert_eq!(e.code.as_deref(), Some("malformed_command"));
        let Err(e) = decode("not json", &run, 1) else {
            panic!("an error");
        };
        assert_eq!(e.code.as_deref(), Some("malformed_command"));
    }
}
