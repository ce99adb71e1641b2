//! Tenant status (active | suspended | deleted) as every service sees it.
//!
//! auth-svc writes the status to Redis (`bus::Keys::tenant_status`) whenever it changes and
//! republishes every non-active tenant periodically. Each `Platform` keeps an in-process copy
//! for at most `TENANT_STATUS_CACHE_MS` (≤ 2 s) in front of one Redis GET, so a suspension
//! reaches every service within seconds while a hot tenant costs one Redis read per interval.
//! Entries are sealed with an HMAC ([`crate::auth::seal`], key derived from `AUTH_SECRET_KEY`),
//! so whoever can write to Redis cannot lift a suspension by writing `active`. Decisions:
//!
//! - a missing key means active (auth-svc writes only non-active tenants periodically);
//! - a verified entry is the status;
//! - an entry that does not verify but claims `suspended`/`deleted` is honoured (refusing is
//!   the safe side, and entries written before sealing existed read this way);
//! - any other unverifiable entry, or an unreachable Redis, is *unknown*: reads (GET, HEAD,
//!   OPTIONS) proceed, because refusing every tenant's reads is worse than honouring a
//!   suspension a little late; writes are refused with 503 `tenant_status_unavailable`, so no
//!   change is made on the strength of a status nobody can vouch for.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use shared_schemas::ids::TenantId;

use crate::Platform;
use crate::auth::AuthRejection;
use crate::auth::seal::Opened;

/// Entries beyond which expired ones are swept (one per tenant seen recently).
const SWEEP_AT: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantState {
    Active,
    Suspended,
    Deleted,
}

impl TenantState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Deleted => "deleted",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "active" => Some(Self::Active),
            "suspended" => Some(Self::Suspended),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }

    /// What a request of a tenant in this state is answered, if it is refused.
    pub fn refusal(self) -> Option<AuthRejection> {
        match self {
            Self::Active => None,
            Self::Suspended => Some(AuthRejection {
                status: StatusCode::FORBIDDEN,
                code: "tenant_suspended",
                detail: "this tenant is suspended".to_owned(),
            }),
            Self::Deleted => Some(AuthRejection {
                status: StatusCode::UNAUTHORIZED,
                code: "tenant_deleted",
                detail: "this tenant no longer exists".to_owned(),
            }),
        }
    }
}

/// What a service knows of a tenant's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Known(TenantState),
    /// An entry is there but does not verify, and it does not claim a refusal.
    Unverified,
    /// Redis could not be read.
    Unavailable,
}

impl Status {
    /// What a request is answered, if refused; `write` for anything but GET/HEAD/OPTIONS.
    pub fn refusal(self, write: bool) -> Option<AuthRejection> {
        match self {
            Self::Known(state) => state.refusal(),
            Self::Unverified | Self::Unavailable if write => Some(AuthRejection {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: "tenant_status_unavailable",
                detail: "the tenant's status cannot be verified right now; changes are refused, \
                         reads still work"
                    .to_owned(),
            }),
            Self::Unverified | Self::Unavailable => None,
        }
    }
}

/// One service instance's short-lived copy of tenant statuses (per `Platform`, no globals).
#[derive(Clone, Debug)]
pub struct TenantStatusCache {
    ttl: Duration,
    entries: Arc<Mutex<HashMap<TenantId, (Status, Instant)>>>,
}

impl TenantStatusCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Arc::default(),
        }
    }

    fn get(&self, tenant: &TenantId) -> Option<Status> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(tenant)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(state, _)| *state)
    }

    fn put(&self, tenant: &TenantId, state: Status) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= SWEEP_AT {
            let ttl = self.ttl;
            entries.retain(|_, (_, at)| at.elapsed() < ttl);
        }
        entries.insert(tenant.clone(), (state, Instant::now()));
    }
}

/// The tenant's status: the in-process copy if fresh, else Redis (missing = active).
pub async fn state(platform: &Platform, tenant: &TenantId) -> Status {
    if let Some(state) = platform.tenant_status.get(tenant) {
        return state;
    }
    let mut conn = platform.redis.clone();
    let key = platform.keys.tenant_status(tenant);
    let read: Result<Option<String>, _> = redis::cmd("GET").arg(&key).query_async(&mut conn).await;
    let state = match read {
        Ok(None) => Status::Known(TenantState::Active),
        Ok(Some(value)) => open(platform, &key, &value),
        Err(err) => {
            // Remembered like an answer, so a Redis outage costs one failed GET per interval.
            tracing::warn!(error = %err, tenant = %tenant, "tenant status unavailable: reads only");
            Status::Unavailable
        }
    };
    platform.tenant_status.put(tenant, state);
    state
}

fn open(platform: &Platform, key: &str, value: &str) -> Status {
    match platform.seal.open(key, value, platform.clock.now_ms()) {
        Opened::Valid(state) => match TenantState::parse(state) {
            Some(state) => Status::Known(state),
            None => Status::Unverified,
        },
        Opened::Invalid { claimed } => match TenantState::parse(claimed) {
            Some(refused @ (TenantState::Suspended | TenantState::Deleted)) => {
                Status::Known(refused)
            }
            _ => {
                tracing::warn!(key, "tenant status entry failed verification: reads only");
                Status::Unverified
            }
        },
    }
}

/// The status a raw Redis value at the tenant's key stands for (tests and tools).
pub fn decode(platform: &Platform, tenant: &TenantId, value: &str) -> Status {
    open(platform, &platform.keys.tenant_status(tenant), value)
}

/// Refuses a tenant that is not active (403 `tenant_suspended`, 401 `tenant_deleted`), and a
/// write (`write`: not GET/HEAD/OPTIONS) while its status is unknown (503).
pub async fn check(
    platform: &Platform,
    tenant: &TenantId,
    write: bool,
) -> Result<(), AuthRejection> {
    match state(platform, tenant).await.refusal(write) {
        Some(refusal) => Err(refusal),
        None => Ok(()),
    }
}

/// Records a tenant's status where every service reads it, sealed (auth-svc calls this).
pub async fn publish(
    platform: &Platform,
    tenant: &TenantId,
    state: TenantState,
) -> Result<(), redis::RedisError> {
    let mut conn = platform.redis.clone();
    let key = platform.keys.tenant_status(tenant);
    redis::cmd("SET")
        .arg(&key)
        .arg(platform.seal.seal(&key, None, state.as_str()))
        .query_async::<()>(&mut conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(n: usize) -> TenantId {
        TenantId::parse(format!("ten_{n}")).expect("valid")
    }

    #[test]
    fn entries_expire_after_the_ttl() {
        let cache = TenantStatusCache::new(Duration::from_millis(30));
        cache.put(&tenant(1), Status::Known(TenantState::Suspended));
        assert_eq!(
            cache.get(&tenant(1)),
            Some(Status::Known(TenantState::Suspended))
        );
        assert_eq!(cache.get(&tenant(2)), None);
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get(&tenant(1)), None);
    }

    #[test]
    fn a_zero_ttl_caches_nothing() {
        let cache = TenantStatusCache::new(Duration::ZERO);
        cache.put(&tenant(1), Status::Known(TenantState::Suspended));
        assert_eq!(cache.get(&tenant(1)), None);
    }

    #[test]
    fn expired_entries_are_swept_when_the_map_is_large() {
        let cache = TenantStatusCache::new(Duration::from_millis(1));
        for n in 0..SWEEP_AT {
            cache.put(&tenant(n), Status::Known(TenantState::Active));
        }
        std::thread::sleep(Duration::from_millis(5));
        cache.put(&tenant(SWEEP_AT), Status::Known(TenantState::Active));
        let len = cache.entries.lock().map(|e| e.len()).unwrap_or_default();
        assert_eq!(len, 1);
    }

    #[test]
    fn states_round_trip_and_refuse() {
        for state in [
            TenantState::Active,
            TenantState::Suspended,
            TenantState::Deleted,
        ] {
            assert_eq!(TenantState::parse(state.as_str()), Some(state));
        }
        assert_eq!(TenantState::Active.refusal(), None);
        let suspended = TenantState::Suspended.refusal().expect("refused");
        assert_eq!(
            (suspended.status, suspended.code),
            (StatusCode::FORBIDDEN, "tenant_suspended")
        );
        let deleted = TenantState::Deleted.refusal().expect("refused");
        assert_eq!(deleted.status, StatusCode::UNAUTHORIZED);
    }
}
