//! Request and response types of the routes in `routes::work_locks`.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::validate::{self, err, finish};

/// The longest a lock may be taken for, and the default.
pub const MAX_TTL_SECONDS: u64 = 3600;
pub const DEFAULT_TTL_SECONDS: u64 = 600;
/// A lock key: what the lock covers (`repo:src/main.rs`, `task:tsk_…`).
pub const MAX_KEY: usize = 200;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AcquireWorkLock {
    /// What the lock covers; the lock's id in the agent's ledger.
    pub key: String,
    /// What the holder is doing with it, in its own words.
    #[serde(default)]
    pub summary: Option<String>,
    /// 1 to 3600, default 600; the lock is gone afterwards unless taken again.
    pub ttl_seconds: Option<u64>,
    /// The holder: its run (an agent token's own run wins), step and chat session.
    pub run_id: Option<String>,
    pub step_id: Option<String>,
    pub session_id: Option<String>,
}

impl Validate for AcquireWorkLock {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_key(&self.key, &mut errors);
        if self
            .ttl_seconds
            .is_some_and(|t| !(1..=MAX_TTL_SECONDS).contains(&t))
        {
            errors.push(err("ttlSeconds", format!("must be 1 to {MAX_TTL_SECONDS}")));
        }
        validate::text("summary", self.summary.as_deref(), 1000, &mut errors);
        for (path, value) in [
            ("runId", &self.run_id),
            ("stepId", &self.step_id),
            ("sessionId", &self.session_id),
        ] {
            validate::text(path, value.as_deref(), 256, &mut errors);
        }
        finish(errors)
    }
}

/// A key is 1 to 200 characters, none of them a control character (it is shown in the fleet
/// view and travels in a URL path on release).
pub fn check_key(key: &str, errors: &mut Vec<FieldError>) {
    if key.trim().is_empty() || key.chars().count() > MAX_KEY || key.chars().any(char::is_control) {
        errors.push(err(
            "key",
            format!("must be 1 to {MAX_KEY} characters without control characters"),
        ));
    }
}

/// The lock is the caller's until `expiresAt` (ms since the epoch).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkLockAcquired {
    pub acquired: bool,
    pub lock_id: String,
    pub expires_at: i64,
}

/// 409 `work_lock_held`: our error body with the live holder's entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkLockHeld {
    pub detail: String,
    pub code: String,
    /// `{runId, stepId, sessionId, summary, acquiredAt, expiresAt}` of the holder.
    #[schema(value_type = Object)]
    pub holder: Value,
}

/// `released` is false when the agent held no such lock (releasing is idempotent).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkLockReleased {
    pub released: bool,
    pub lock_id: String,
}
