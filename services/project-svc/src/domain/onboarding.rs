//! Onboarding sessions: which states allow what, and how context and the landing page change.
//! The agent answers through its agent-svc chat; project-svc keeps the conversation.

use kit::ApiError;
use serde_json::{Map, Value};

use crate::domain::validate::err;

/// The reference's default when a client names no model.
pub const DEFAULT_MODEL: &str = "anthropic/claude-sonnet-4";
pub const MAX_MODEL: usize = 128;
/// The whole accumulated context, serialised.
pub const MAX_CONTEXT: usize = 64 * 1024;
pub const MAX_LANDING_HTML: usize = 256 * 1024;
pub const MAX_CAPTION: usize = 1024;
pub const MAX_HIGHLIGHTS: usize = 50;

pub const STATUSES: [&str; 4] = ["active", "paused", "abandoned", "completed"];

/// A model name as providers spell them (`openrouter/anthropic/claude-sonnet-4-5`).
pub fn check_model(path: &str, model: Option<&str>, errors: &mut Vec<kit::error::FieldError>) {
    if let Some(m) = model
        && (m.is_empty()
            || m.chars().count() > MAX_MODEL
            || m.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        errors.push(err(
            path,
            format!("must be 1 to {MAX_MODEL} characters without spaces"),
        ));
    }
}

fn not_active(status: &str) -> ApiError {
    ApiError::bad_request(
        "session_not_active",
        format!("the session is {status}; resume it first"),
    )
}

/// Messages, context, landing page and handoffs need a session that is going on.
pub fn require_active(status: &str) -> Result<(), ApiError> {
    if status == "active" {
        Ok(())
    } else {
        Err(not_active(status))
    }
}

/// Resuming is for a paused or abandoned session.
pub fn can_resume(status: &str) -> Result<(), ApiError> {
    match status {
        "paused" | "abandoned" => Ok(()),
        other => Err(ApiError::bad_request(
            "session_not_resumable",
            format!("a {other} session cannot be resumed"),
        )),
    }
}

/// Abandoning is for a session not yet completed; abandoning twice changes nothing.
pub fn can_abandon(status: &str) -> Result<bool, ApiError> {
    match status {
        "active" | "paused" => Ok(true),
        "abandoned" => Ok(false),
        other => Err(ApiError::bad_request(
            "session_completed",
            format!("a {other} session cannot be abandoned"),
        )),
    }
}

/// Finalizing turns a session into a project once: a completed session has its project.
pub fn can_finalize(status: &str) -> Result<(), ApiError> {
    if status == "completed" {
        return Err(ApiError::bad_request(
            "session_completed",
            "the session is completed and has its project already",
        ));
    }
    Ok(())
}

/// `update`'s keys replace the context's (a shallow merge, as the reference does); 422 when the
/// result would exceed [`MAX_CONTEXT`].
pub fn merge_context(context: &Value, update: Map<String, Value>) -> Result<Value, ApiError> {
    let mut merged = context.as_object().cloned().unwrap_or_default();
    merged.extend(update);
    let merged = Value::Object(merged);
    let size = serde_json::to_vec(&merged).map_or(usize::MAX, |v| v.len());
    if size > MAX_CONTEXT {
        return Err(crate::domain::validate::field_error(
            "context",
            format!("the merged context would be {size} bytes; at most {MAX_CONTEXT}"),
        ));
    }
    Ok(merged)
}

/// The next landing page state: the reference's `{html, caption, last_agent_id, version}`,
/// `version` counting up from 1.
pub fn landing_page(
    previous: Option<&Value>,
    html: String,
    caption: Option<String>,
    agent: Option<&str>,
) -> Value {
    let version = previous
        .and_then(|p| p.get("version"))
        .and_then(Value::as_i64)
        .unwrap_or(0)
        + 1;
    serde_json::json!({
        "html": html,
        "caption": caption,
        "last_agent_id": agent,
        "version": version,
    })
}

/// The system message that records a handoff in the conversation.
pub fn handoff_note(to: &str, summary: Option<&str>, highlights: &[String]) -> String {
    let mut note = format!("Handed off to {to}.");
    if let Some(summary) = summary.map(str::trim).filter(|s| !s.is_empty()) {
        note.push_str("\n\n");
        note.push_str(summary);
    }
    for h in highlights {
        note.push_str("\n- ");
        note.push_str(h.trim());
    }
    note
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn context_merges_shallowly_and_is_bounded() {
        let base = json!({"goal": "x", "team": {"size": 2}});
        let update = json!({"team": {"size": 3}, "stack": "rust"});
        let merged =
            merge_context(&base, update.as_object().cloned().expect("object")).expect("merged");
        assert_eq!(
            merged,
            json!({"goal": "x", "team": {"size": 3}, "stack": "rust"})
        );
        let big = json!({"blob": "x".repeat(MAX_CONTEXT)});
        assert!(merge_context(&base, big.as_object().cloned().expect("object")).is_err());
    }

    #[test]
    fn states_allow_what_they_should() {
        assert!(require_active("active").is_ok());
        assert!(require_active("abandoned").is_err());
        assert!(can_resume("paused").is_ok() && can_resume("active").is_err());
        assert_eq!(can_abandon("abandoned").ok(), Some(false));
        assert!(can_abandon("completed").is_err());
        assert!(can_finalize("active").is_ok() && can_finalize("abandoned").is_ok());
        assert!(can_finalize("completed").is_err());
    }

    #[test]
    fn landing_page_versions_count_up() {
        let first = landing_page(None, "<p>a</p>".into(), None, None);
        assert_eq!(first["version"], 1);
        let second = landing_page(
            Some(&first),
            "<p>b</p>".into(),
            Some("c".into()),
            Some("agt_x"),
        );
        assert_eq!(second["version"], 2);
        assert_eq!(second["last_agent_id"], "agt_x");
    }
}
