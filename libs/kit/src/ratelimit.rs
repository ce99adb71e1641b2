//! Per-tenant rate limit in Redis: a fixed window counter shared by every replica of every
//! service, so a tenant's budget holds however many instances serve it.

use shared_schemas::ids::TenantId;

use crate::Platform;

/// `Ok` when the request may proceed, `Err(retry_after_secs)` when the tenant is over budget.
/// Fails open when Redis is unreachable: losing the limit briefly beats refusing all traffic.
pub async fn admit(platform: &Platform, tenant: &TenantId) -> Result<(), u64> {
    let window_secs = platform.config.tenant_rate_window_secs;
    let limit = platform.config.tenant_rate_limit;
    let now = platform.clock.now_secs();
    let window = now / window_secs;
    let key = platform.keys.rate_limit(tenant, window);
    let mut conn = platform.redis.clone();
    let counted: Result<(u64,), _> = redis::pipe()
        .atomic()
        .incr(&key, 1)
        .expire(&key, i64::try_from(window_secs * 2).unwrap_or(i64::MAX))
        .ignore()
        .query_async(&mut conn)
        .await;
    match counted {
        Ok((count,)) if count > limit => Err((window + 1) * window_secs - now),
        Ok(_) => Ok(()),
        Err(err) => {
            tracing::warn!(error = %err, "rate limiter unavailable, admitting request");
            Ok(())
        }
    }
}
