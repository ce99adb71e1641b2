//! A user who loses powers (demoted, deactivated, deleted) loses them at once in every service
//! (security review M4), not when its 15-minute access token or 30-second key cache runs out:
//! - every cached answer for the user's API keys is overwritten with a tombstone
//!   (`kit::auth::api_key::forget`), so the next request re-introspects: a deactivated or deleted
//!   user's keys are refused, a demoted user's keys answer without `isAdmin` once the tombstone
//!   (at least 60 s) is gone;
//! - a denylist entry (`kit::auth::denylist`) refuses the user's access tokens issued until now.
//!
//! Both are Redis writes made AFTER the commit, with a short bounded retry, not outbox events:
//! they are cache entries, not news of a change for a consumer, and nothing relays an outbox row
//! into a key. Written before the commit they could refuse a user whose change then rolled back,
//! or be outrun by a refresh reading the old row. If Redis stays down the change still stands
//! (sessions are already revoked in the same transaction); kit's checks fail open then anyway.

use std::time::Duration;

use kit::ApiError;
use kit::auth::{api_key, denylist};
use kit::db::TenantTx;
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::store::api_keys;

const BACKOFF: [Duration; 3] = [
    Duration::ZERO,
    Duration::from_millis(100),
    Duration::from_millis(500),
];

/// What to refuse once the transaction that takes the user's powers has committed.
pub struct Revocation {
    tenant: TenantId,
    user: String,
    key_hashes: Vec<String>,
}

impl Revocation {
    /// Reads the user's keys inside the transaction (a deleted user's rows are gone after it).
    pub async fn prepare(tx: &mut TenantTx, user: &str) -> Result<Self, ApiError> {
        Ok(Self {
            tenant: tx.tenant().clone(),
            user: user.to_owned(),
            key_hashes: api_keys::user_key_hashes(tx, user).await?,
        })
    }

    /// Call after the commit. Failures are logged, never returned: the change has happened.
    pub async fn apply(self, app: &AppState) {
        for (attempt, wait) in BACKOFF.iter().enumerate() {
            tokio::time::sleep(*wait).await;
            match self.write(app).await {
                Ok(()) => return,
                Err(err) => tracing::warn!(
                    error = %err, user = %self.user, attempt,
                    "could not record the revocation in redis"
                ),
            }
        }
        tracing::error!(user = %self.user, "revocation not recorded: old credentials work until they expire");
    }

    async fn write(&self, app: &AppState) -> Result<(), redis::RedisError> {
        for hash in &self.key_hashes {
            api_key::forget(&app.platform, hash).await?;
        }
        denylist::deny(&app.platform, &self.tenant, &self.user).await
    }
}
