//! Users whose access tokens must stop working before they expire: auth-svc records a denial
//! when it demotes, deactivates or deletes a user, and every service refuses that user's JWTs
//! issued up to that instant (security review M4). Without it a 15-minute token keeps an
//! `is_admin` claim the database has already taken back.
//!
//! One Redis key per user (`bus::Keys::user_denied`) holds the instant of the denial (epoch ms
//! of the platform clock); its TTL, the access-token lifetime plus a margin, only cleans up: by
//! then every token issued before the denial has expired anyway. A token is refused when it was
//! issued at or before the denial's second (`iat` has whole seconds, so a token minted in the
//! same second is refused too; the user signs in again a second later). API keys are not checked
//! here: auth-svc forgets their cached answers instead (`api_key::forget`).
//!
//! Like the tenant status, the check fails open when Redis is unreachable (logged): refusing
//! every request is worse than honouring a demotion as late as before this existed.

use std::time::Duration;

use shared_schemas::ids::TenantId;

use crate::Platform;
use crate::auth::{AuthRejection, TenantContext, TokenKind};

/// Kept past the token lifetime for the verifier's leeway and clock skew between services.
const MARGIN: Duration = Duration::from_secs(60);

/// Refuses the user's access tokens issued until now, in every service.
pub async fn deny(
    platform: &Platform,
    tenant: &TenantId,
    user: &str,
) -> Result<(), redis::RedisError> {
    let ttl = Duration::from_secs(platform.config.auth_access_token_ttl) + MARGIN;
    redis::cmd("SET")
        .arg(platform.keys.user_denied(tenant, user))
        .arg(platform.clock.now_ms())
        .arg("EX")
        .arg(ttl.as_secs())
        .query_async::<()>(&mut platform.redis.clone())
        .await
}

/// `Err` when `ctx` is a user's access JWT issued before a recorded denial of that user.
pub async fn check(platform: &Platform, ctx: &TenantContext) -> Result<(), AuthRejection> {
    if ctx.kind() != TokenKind::User || ctx.is_api_key() {
        return Ok(());
    }
    let read: Result<Option<i64>, _> = redis::cmd("GET")
        .arg(platform.keys.user_denied(&ctx.tenant_id, ctx.subject()))
        .query_async(&mut platform.redis.clone())
        .await;
    match read {
        Ok(Some(denied_at)) if issued_by(ctx.claims.iat, denied_at) => Err(
            AuthRejection::unauthorized("this token was revoked; sign in again"),
        ),
        Ok(_) => Ok(()),
        Err(err) => {
            tracing::warn!(error = %err, "user denylist unavailable, admitting");
            Ok(())
        }
    }
}

/// Whether a token issued at `iat` (seconds) predates (or shares the second of) `denied_at` (ms).
fn issued_by(iat: u64, denied_at: i64) -> bool {
    i64::try_from(iat).is_ok_and(|iat| iat <= denied_at.div_euclid(1000))
}

#[cfg(test)]
mod tests {
    use super::issued_by;

    #[test]
    fn tokens_up_to_the_denials_second_are_refused() {
        assert!(issued_by(99, 100_500));
        assert!(issued_by(100, 100_500), "the same second");
        assert!(!issued_by(101, 100_500));
    }
}
