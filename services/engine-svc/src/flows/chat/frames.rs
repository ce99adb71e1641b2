//! The frames the dashboard reads on a session's stream (`keys.session_stream`, CONTRACTS §6
//! "Chat session event JSON"): `{type, timestamp, data}` in the entry's `data` field, the
//! stream sse-relay serves (and answers 404 for while it does not exist).

use std::time::Duration;

use bus::Keys;
use redis::aio::ConnectionManager;
use serde_json::{Value, json};
use shared_schemas::ids::TenantId;
use shared_schemas::runtime::{OutputSource, RuntimeMessage};

/// Frames kept per session: enough to replay a long answer to a reconnecting dashboard.
const MAXLEN: usize = 2000;
/// A session's stream outlives its last frame by this long.
const TTL: Duration = Duration::from_secs(24 * 3600);

/// A session's stream.
#[derive(Clone)]
pub struct Frames {
    conn: ConnectionManager,
    key: String,
}

impl Frames {
    pub fn new(conn: ConnectionManager, keys: &Keys, tenant: &TenantId, session: &str) -> Self {
        Self {
            conn,
            key: keys.session_stream(tenant, session),
        }
    }

    /// Appends one frame. A frame that cannot be written is logged, never fatal: the answer is
    /// still completed in agent-svc, which is what a reload shows.
    pub async fn emit(&self, kind: &str, data: Value) {
        let frame = json!({"type": kind, "timestamp": now_ms(), "data": data});
        let ttl = i64::try_from(TTL.as_millis()).unwrap_or(i64::MAX);
        let written = redis::pipe()
            .cmd("XADD")
            .arg(&self.key)
            .arg("MAXLEN")
            .arg("~")
            .arg(MAXLEN)
            .arg("*")
            .arg("data")
            .arg(frame.to_string())
            .ignore()
            .pexpire(&self.key, ttl)
            .ignore()
            .query_async::<()>(&mut self.conn.clone())
            .await;
        if let Err(err) = written {
            tracing::warn!(stream = %self.key, error = %err, "a chat frame was not written");
        }
    }

    pub async fn status(&self, kind: &str, message: &str) {
        self.emit(kind, json!({"message": message})).await;
    }
}

/// The frame a runtime message becomes (`None`: the dashboard has no use for it).
pub fn frame_of(message: &RuntimeMessage) -> Option<(&'static str, Value)> {
    let raw = || serde_json::to_value(message).unwrap_or(Value::Null);
    Some(match message {
        RuntimeMessage::Stdout(out) if out.source == Some(OutputSource::Tool) => (
            "tool_output",
            json!({"content": out.data, "stream": "stdout"}),
        ),
        RuntimeMessage::Stdout(out) => ("output", json!({"content": out.data})),
        RuntimeMessage::Stderr(out) => (
            "tool_output",
            json!({"content": out.data, "stream": "stderr"}),
        ),
        RuntimeMessage::Thinking(t) => ("thinking", json!({"thinking": t.thinking})),
        RuntimeMessage::ToolStart(_) => ("tool_start", raw()),
        RuntimeMessage::ToolEnd(_) => ("tool_end", raw()),
        RuntimeMessage::StepStart(_) => ("step_start", raw()),
        RuntimeMessage::StepEnd(_) => ("step_end", raw()),
        RuntimeMessage::ContextUsage(_) => ("contextUsage", raw()),
        RuntimeMessage::Busy(_) => ("container_busy", json!({"message": "working"})),
        RuntimeMessage::Idle(_) => ("container_idle", json!({"message": "idle"})),
        RuntimeMessage::Error(e) => ("session_error", json!({"message": e.message})),
        RuntimeMessage::Exiting(_) => ("container_exiting", json!({"message": "exiting"})),
        RuntimeMessage::Ready(_) | RuntimeMessage::FileChange(_) => return None,
    })
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use shared_schemas::ids::RunId;
    use shared_schemas::runtime::{RuntimeOutput, Thinking};

    use super::*;

    #[test]
    fn runtime_messages_become_the_dashboards_frames() {
        let out = |source| {
            RuntimeMessage::Stdout(RuntimeOutput {
                request_id: Some("m".into()),
                data: "tok".into(),
                source,
                timestamp: 0,
            })
        };
        assert_eq!(
            frame_of(&out(Some(OutputSource::Assistant))),
            Some(("output", json!({"content": "tok"})))
        );
        assert_eq!(
            frame_of(&out(Some(OutputSource::Tool))).map(|f| f.0),
            Some("tool_output")
        );
        let thinking = RuntimeMessage::Thinking(Thinking {
            request_id: "m".into(),
            thinking: "hm".into(),
            timestamp: 0,
        });
        assert_eq!(
            frame_of(&thinking),
            Some(("thinking", json!({"thinking": "hm"})))
        );
        let ready = RuntimeMessage::Ready(shared_schemas::runtime::RuntimeReady {
            run_id: RunId::generate(),
            timestamp: 0,
        });
        assert_eq!(frame_of(&ready), None);
    }
}
