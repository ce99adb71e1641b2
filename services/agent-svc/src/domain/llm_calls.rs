//! An LLM call as agent runtimes report it (contract §1.3 `RecordLlmCallRequest`), its checks,
//! and the list filters.

use kit::crypto::mask;
use kit::error::FieldError;
use serde::Deserialize;
use shared_schemas::events::usage::LlmCallRecorded;

use crate::domain::validate::{err, finish};

/// One call. Field names are the reference's snake_case; unknown fields are refused.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordLlmCall {
    pub session_id: Option<String>,
    pub run_id: Option<String>,
    pub agent_id: String,
    pub request_id: Option<String>,
    pub user_id: Option<String>,
    pub provider: String,
    pub model: String,
    pub key_source: Option<String>,
    pub key_masked: Option<String>,
    #[serde(default)]
    pub input_tokens: i64,
    #[serde(default)]
    pub output_tokens: i64,
    #[serde(default)]
    pub cache_read_tokens: i64,
    #[serde(default)]
    pub cache_write_tokens: i64,
    #[serde(default)]
    pub total_tokens: i64,
    pub cost_input: Option<f64>,
    pub cost_output: Option<f64>,
    pub cost_total: Option<f64>,
    #[serde(default)]
    pub cost_approximate: bool,
    pub duration_ms: Option<i64>,
    #[serde(default)]
    pub tool_call_count: i32,
    #[serde(default)]
    pub has_thinking: bool,
    pub stop_reason: Option<String>,
    pub context_used_tokens: Option<i64>,
    pub context_window_tokens: Option<i64>,
    pub context_percent: Option<i32>,
}

/// Where a call's key came from, as the engine reports it.
pub const KEY_SOURCES: &[&str] = &[
    "personal",
    "admin_shared",
    "instance",
    "executing_user",
    "system",
];

fn bounded(path: &str, value: Option<&str>, max: usize, errors: &mut Vec<FieldError>) {
    if let Some(v) = value
        && (v.is_empty() || v.len() > max || v.chars().any(char::is_control))
    {
        errors.push(err(
            path,
            format!("must be 1 to {max} bytes without control characters"),
        ));
    }
}

fn non_negative(path: &str, value: Option<i64>, errors: &mut Vec<FieldError>) {
    if value.is_some_and(|v| v < 0) {
        errors.push(err(path, "must not be negative"));
    }
}

fn cost(path: &str, value: Option<f64>, errors: &mut Vec<FieldError>) {
    if value.is_some_and(|v| !v.is_finite() || v < 0.0) {
        errors.push(err(path, "must be a non-negative number"));
    }
}

impl kit::extract::Validate for RecordLlmCall {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        bounded("agent_id", Some(&self.agent_id), 128, &mut e);
        bounded("session_id", self.session_id.as_deref(), 256, &mut e);
        bounded("run_id", self.run_id.as_deref(), 256, &mut e);
        bounded("request_id", self.request_id.as_deref(), 256, &mut e);
        bounded("user_id", self.user_id.as_deref(), 64, &mut e);
        bounded("provider", Some(&self.provider), 64, &mut e);
        bounded("model", Some(&self.model), 128, &mut e);
        bounded("key_masked", self.key_masked.as_deref(), 64, &mut e);
        bounded("stop_reason", self.stop_reason.as_deref(), 32, &mut e);
        if let Some(source) = &self.key_source
            && !KEY_SOURCES.contains(&source.as_str())
        {
            e.push(err(
                "key_source",
                format!("must be one of {}", KEY_SOURCES.join(", ")),
            ));
        }
        for (path, v) in [
            ("input_tokens", self.input_tokens),
            ("output_tokens", self.output_tokens),
            ("cache_read_tokens", self.cache_read_tokens),
            ("cache_write_tokens", self.cache_write_tokens),
            ("total_tokens", self.total_tokens),
            ("tool_call_count", i64::from(self.tool_call_count)),
        ] {
            non_negative(path, Some(v), &mut e);
        }
        non_negative("duration_ms", self.duration_ms, &mut e);
        non_negative("context_used_tokens", self.context_used_tokens, &mut e);
        non_negative("context_window_tokens", self.context_window_tokens, &mut e);
        if self
            .context_percent
            .is_some_and(|p| !(0..=100).contains(&p))
        {
            e.push(err("context_percent", "must be between 0 and 100"));
        }
        cost("cost_input", self.cost_input, &mut e);
        cost("cost_output", self.cost_output, &mut e);
        cost("cost_total", self.cost_total, &mut e);
        finish(e)
    }
}

impl RecordLlmCall {
    /// The stored key mask. A runtime that sends a whole key by mistake gets it masked here:
    /// the call log is readable by every user of the tenant.
    pub fn stored_key_mask(&self) -> Option<String> {
        self.key_masked.as_deref().map(|k| {
            if k == "***" || k.contains("...") && k.len() <= 24 {
                k.to_owned()
            } else {
                mask(k)
            }
        })
    }

    /// Tokens in total: the reported total, or the sum of the parts when it was left out.
    pub fn total(&self) -> i64 {
        if self.total_tokens > 0 {
            self.total_tokens
        } else {
            self.input_tokens
                .saturating_add(self.output_tokens)
                .saturating_add(self.cache_read_tokens)
                .saturating_add(self.cache_write_tokens)
        }
    }
}

impl RecordLlmCall {
    /// The event announcing this call once stored as `id` at `now`: the row as stored (the key
    /// only as its mask, the total filled in).
    pub fn recorded_event(&self, id: &str, now: i64) -> LlmCallRecorded {
        LlmCallRecorded {
            call_id: id.to_owned(),
            agent_id: self.agent_id.clone(),
            session_id: self.session_id.clone(),
            request_id: self.request_id.clone(),
            user_id: self.user_id.clone(),
            provider: self.provider.clone(),
            model: self.model.clone(),
            key_source: self.key_source.clone(),
            key_masked: self.stored_key_mask(),
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            cache_read_tokens: self.cache_read_tokens,
            cache_write_tokens: self.cache_write_tokens,
            total_tokens: self.total(),
            cost_input: self.cost_input,
            cost_output: self.cost_output,
            cost_total: self.cost_total,
            cost_approximate: self.cost_approximate,
            duration_ms: self.duration_ms,
            tool_call_count: self.tool_call_count,
            has_thinking: self.has_thinking,
            stop_reason: self.stop_reason.clone(),
            context_used_tokens: self.context_used_tokens,
            context_window_tokens: self.context_window_tokens,
            context_percent: self.context_percent,
            created_at: now,
        }
    }
}

/// Filters of the call lists; `None` matches everything.
#[derive(Debug, Clone, Default)]
pub struct CallFilter {
    pub session_id: Option<String>,
    pub run_id: Option<String>,
    pub agent_id: Option<String>,
    pub user_id: Option<String>,
    pub provider: Option<String>,
    pub key_source: Option<String>,
}

/// A usage item's state, read from its last call's stop reason: `error`/`aborted` → failed,
/// `toolUse` → active (the agent was mid-turn), anything else → completed. The session and
/// run tables live in other services; this is what the call log itself can tell.
pub const USAGE_STATUSES: &[&str] = &["active", "completed", "failed"];
pub const USAGE_TYPES: &[&str] = &["chat", "run"];

#[cfg(test)]
mod tests {
    use kit::extract::Validate;

    use super::*;

    fn call() -> RecordLlmCall {
        serde_json::from_str(r#"{"agent_id":"agt_x","provider":"anthropic","model":"m","input_tokens":3,"output_tokens":4}"#)
            .expect("parse")
    }

    #[test]
    fn totals_and_masks() {
        let mut c = call();
        assert_eq!(c.total(), 7);
        assert!(c.validate().is_ok());
        c.key_masked = Some("sk-ant-api03-0123456789abcdefghijkl".into());
        let stored = c.stored_key_mask().expect("mask");
        assert!(!stored.contains("0123456789abcdef"), "{stored}");
        c.key_masked = Some("sk-ant-a...wxyz".into());
        assert_eq!(c.stored_key_mask().as_deref(), Some("sk-ant-a...wxyz"));
    }

    #[test]
    fn bad_numbers_are_refused() {
        let mut c = call();
        c.input_tokens = -1;
        c.cost_total = Some(f64::NAN);
        c.context_percent = Some(101);
        c.key_source = Some("stolen".into());
        let paths: Vec<_> = c
            .validate()
            .expect_err("bad")
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(
            paths,
            vec![
                "key_source",
                "input_tokens",
                "context_percent",
                "cost_total"
            ]
        );
    }
}
