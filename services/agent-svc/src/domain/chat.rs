//! Rules of chat sessions (ARCHITECTURE §6): their ids, statuses and the transitions the engine
//! may report, the message limits and the queue of unanswered messages.

use shared_schemas::events::chat::ChatSessionType;
use shared_schemas::ids::random_body;

/// Largest user message, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Unanswered messages a session may hold (assistant rows still pending); one more is a 409.
pub const MAX_PENDING: i64 = 5;
/// Messages a session's detail carries: the newest ones, in conversation order.
pub const DETAIL_MESSAGES: i64 = 500;
/// Models are `provider/model` names.
pub const MAX_MODEL: usize = 256;

/// The statuses a session goes through: `starting` until the engine's runtime is ready,
/// `running` while it answers, `idle` between answers, then `completed` (ended) or `failed`.
pub const STATUSES: [&str; 5] = ["starting", "running", "idle", "completed", "failed"];

/// Whether `status` is one of [`STATUSES`].
pub fn is_status(status: &str) -> bool {
    STATUSES.contains(&status)
}

/// A session that ended or failed takes no messages until it is restarted.
pub fn is_active(status: &str) -> bool {
    matches!(status, "starting" | "running" | "idle")
}

/// Whether the engine may move a session from `from` to `to`. An ended session only comes
/// back through `/restart` (which sets `starting`), so a late report of a runtime that was shut
/// down never revives it; `failed` may still be closed as `completed`.
pub fn may_move(from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    match from {
        "starting" | "running" | "idle" => is_status(to),
        "failed" => to == "completed",
        _ => false,
    }
}

/// A fresh session id: `chat_` and 16 random characters.
pub fn new_session_id() -> String {
    format!("chat_{}", random_body())
}

/// Whether `id` has the shape of a session id (ours or the monolith's `chat_{agent}_{ms}`).
pub fn is_session_id(id: &str) -> bool {
    id.strip_prefix("chat_").is_some_and(|body| {
        !body.is_empty()
            && body.len() <= 120
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

pub fn new_message_id() -> String {
    format!("msg_{}", random_body())
}

/// Parses `chat | onboarding | pulse`.
pub fn session_type(value: &str) -> Option<ChatSessionType> {
    match value {
        "chat" => Some(ChatSessionType::Chat),
        "onboarding" => Some(ChatSessionType::Onboarding),
        "pulse" => Some(ChatSessionType::Pulse),
        _ => None,
    }
}

pub fn session_type_name(t: ChatSessionType) -> &'static str {
    match t {
        ChatSessionType::Chat => "chat",
        ChatSessionType::Onboarding => "onboarding",
        ChatSessionType::Pulse => "pulse",
    }
}

/// A model name: `provider/model`-like text without spaces or control characters.
pub fn is_model(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_MODEL
        && !value.chars().any(|c| c.is_control() || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_of_both_shapes_are_session_ids() {
        assert!(is_session_id(&new_session_id()));
        assert!(is_session_id("chat_agt_abc_1733650000000"));
        assert!(!is_session_id("chat_"));
        assert!(!is_session_id("ses_abc"));
        assert!(!is_session_id("chat_a/b"));
    }

    #[test]
    fn an_ended_session_is_not_revived_by_a_late_report() {
        assert!(may_move("starting", "running"));
        assert!(may_move("idle", "completed"));
        assert!(may_move("failed", "completed"));
        assert!(!may_move("completed", "running"));
        assert!(!may_move("failed", "idle"));
        assert!(!may_move("running", "deleted"));
    }
}
