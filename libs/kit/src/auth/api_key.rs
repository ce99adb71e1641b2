//! API keys (`djb_…`, `djb_svc_…`, `djb_agent_…`): opaque secrets issued by auth-svc, accepted
//! by every service.
//!
//! A service resolves a key through auth-svc's `POST /internal/auth/introspect` (called with
//! kit's service client as the platform: an internal service JWT the service mints itself with
//! the shared signing key) and caches
//! the answer in Redis, sealed with an HMAC ([`crate::auth::seal`]), under the key's SHA-256 (`bus::Keys::api_key_cache`) for
//! `API_KEY_CACHE_TTL_SECS`, so a hot key costs one Redis GET. Unknown and revoked keys are
//! cached too, so guessing costs auth-svc nothing. Revocation overwrites the entry with a
//! tombstone ([`forget`]); resolvers write with `SET NX`, so an introspection that was in flight
//! during the revocation cannot put the key back.

use std::sync::Arc;
use std::time::Duration;

pub use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared_schemas::ids::TenantId;

use crate::Platform;
use crate::auth::seal::Opened;
use crate::auth::{AuthRejection, Claims, TenantContext, TokenKind};
use crate::client::ServiceClient;
use crate::config::CommonConfig;
use crate::error::ApiError;

/// Every API key starts with this; JWTs never do.
pub const KEY_PREFIX: &str = "djb_";
/// Path of auth-svc's introspection endpoint (not under `/v1`: HAProxy never routes it).
pub const INTROSPECT_PATH: &str = "/internal/auth/introspect";
/// A revocation tombstone must outlive any introspection in flight when it was written.
const TOMBSTONE_MIN_TTL: Duration = Duration::from_secs(60);

pub fn is_api_key(token: &str) -> bool {
    token.starts_with(KEY_PREFIX)
}

/// What the database keeps of a key, and what its cache entry is named by.
pub fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// auth-svc's answer about a key; also the cached form. Inactive answers carry only `active`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Introspection {
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub tenant_id: Option<TenantId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// `user`, `service` or `agent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub kind: Option<TokenKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default)]
    pub is_admin: bool,
    /// Epoch milliseconds; absent for keys that never expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

fn invalid_key() -> AuthRejection {
    AuthRejection::unauthorized("Invalid API key")
}

impl Introspection {
    pub fn inactive() -> Self {
        Self::default()
    }

    /// The claims a request with this key acts under: expiring at the key's expiry or when the
    /// cache entry would, whichever is first.
    pub fn claims(&self, now_ms: i64, cache_ttl: Duration) -> Result<Claims, AuthRejection> {
        if !self.active {
            return Err(invalid_key());
        }
        let (Some(tenant), Some(sub), Some(kind)) = (&self.tenant_id, &self.sub, self.kind) else {
            tracing::warn!("active API key answer without tenant, subject or kind");
            return Err(invalid_key());
        };
        if kind == TokenKind::Agent && self.agent_id.is_none() {
            return Err(invalid_key());
        }
        let now = u64::try_from(now_ms / 1000).unwrap_or_default();
        let mut exp = now + cache_ttl.as_secs();
        if let Some(expires_at) = self.expires_at {
            if expires_at <= now_ms {
                return Err(AuthRejection::unauthorized("API key expired"));
            }
            exp = exp.min(u64::try_from(expires_at / 1000).unwrap_or_default());
        }
        let mut claims = Claims::access(sub.clone(), tenant.clone(), kind, cache_ttl);
        claims.exp = exp;
        claims.iat = now;
        claims.is_admin = self.is_admin;
        claims.agent_id.clone_from(&self.agent_id);
        if let Some(id) = &self.key_id {
            claims.jti.clone_from(id);
        }
        Ok(claims)
    }
}

/// Where keys are resolved: auth-svc over HTTP for every service, auth-svc's own database
/// inside auth-svc.
pub trait Introspect: Send + Sync {
    fn introspect<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Introspection, ApiError>>;
}

/// Calls auth-svc's introspection endpoint as the platform (an internal token), through the
/// service client: bounded by its timeouts, failing fast while auth-svc's breaker is open. Not
/// retried: a POST without an idempotency key is tried once.
struct HttpIntrospector {
    client: ServiceClient,
    url: String,
}

impl Introspect for HttpIntrospector {
    fn introspect<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Introspection, ApiError>> {
        Box::pin(async move {
            self.client
                .post(&self.url)
                .internal()
                .json(&serde_json::json!({ "key": key }))
                .send_json()
                .await
                .map_err(ApiError::from)
        })
    }
}

/// A `Platform`'s key resolver: the source of answers and how long they are cached.
#[derive(Clone)]
pub struct ApiKeys {
    source: Arc<dyn Introspect>,
    cache_ttl: Duration,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeys")
            .field("cache_ttl", &self.cache_ttl)
            .finish_non_exhaustive()
    }
}

impl ApiKeys {
    /// Resolves through `AUTH_SVC_URL` with `client`.
    pub fn over_http(config: &CommonConfig, client: ServiceClient) -> Self {
        let url = format!(
            "{}{INTROSPECT_PATH}",
            config.auth_svc_url.trim_end_matches('/')
        );
        Self {
            source: Arc::new(HttpIntrospector { client, url }),
            cache_ttl: config.api_key_cache_ttl(),
        }
    }

    /// The same cache in front of another source (auth-svc reads its own database).
    #[must_use]
    pub fn with_source(&self, source: Arc<dyn Introspect>) -> Self {
        Self {
            source,
            cache_ttl: self.cache_ttl,
        }
    }

    pub fn cache_ttl(&self) -> Duration {
        self.cache_ttl
    }
}

/// Resolves a key to its caller: the cached answer, else auth-svc's (then cached). A key that
/// cannot be one of ours is refused before any lookup; a cache entry that does not verify
/// ([`crate::auth::seal`]) is ignored and replaced with auth-svc's answer.
pub async fn resolve(platform: &Platform, key: &str) -> Result<TenantContext, AuthRejection> {
    if !well_formed(key) {
        return Err(invalid_key());
    }
    let keys = &platform.api_keys;
    let cache_key = platform.keys.api_key_cache(&key_hash(key));
    let mut conn = platform.redis.clone();
    let cached: Result<Option<String>, _> = redis::cmd("GET")
        .arg(&cache_key)
        .query_async(&mut conn)
        .await;
    let answer = match cached {
        Ok(Some(text)) => match open_entry(platform, &cache_key, &text) {
            Some(answer) => answer,
            None => {
                tracing::warn!("API key cache entry failed verification, resolving again");
                let answer = fetch(keys, key).await?;
                store(platform, &cache_key, &answer, Some(&text)).await;
                answer
            }
        },
        Ok(None) => {
            let answer = fetch(keys, key).await?;
            store(platform, &cache_key, &answer, None).await;
            answer
        }
        Err(err) => {
            tracing::warn!(error = %err, "API key cache unavailable, asking auth-svc");
            fetch(keys, key).await?
        }
    };
    let claims = answer.claims(platform.clock.now_ms(), keys.cache_ttl)?;
    let mut ctx = TenantContext::from_claims(claims);
    ctx.api_key_id = answer.key_id;
    Ok(ctx)
}

/// `djb_` then an optional `svc_`/`agent_` then 64 lowercase hex digits: the only keys auth-svc
/// issues. Anything else costs neither an introspection nor a cache entry (security review L4).
pub fn well_formed(key: &str) -> bool {
    let Some(rest) = key.strip_prefix(KEY_PREFIX) else {
        return false;
    };
    let hex = rest
        .strip_prefix("svc_")
        .or_else(|| rest.strip_prefix("agent_"))
        .unwrap_or(rest);
    hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The answer in a cache entry, if it was sealed by a holder of `AUTH_SECRET_KEY` for this
/// very key and has not expired.
fn open_entry(platform: &Platform, cache_key: &str, text: &str) -> Option<Introspection> {
    match platform.seal.open(cache_key, text, platform.clock.now_ms()) {
        Opened::Valid(json) => serde_json::from_str(json).ok(),
        Opened::Invalid { .. } => None,
    }
}

async fn fetch(keys: &ApiKeys, key: &str) -> Result<Introspection, AuthRejection> {
    keys.source.introspect(key).await.map_err(|err| {
        tracing::error!(error = %err, "API key introspection failed");
        AuthRejection {
            status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
            code: "auth_unavailable",
            detail: "API keys cannot be checked right now".to_owned(),
        }
    })
}

/// Caches an answer, sealed, never past the key's expiry; failures only cost a later lookup.
/// Written with `NX`, or over `replacing` only if that (unverifiable) value is still there.
async fn store(
    platform: &Platform,
    cache_key: &str,
    answer: &Introspection,
    replacing: Option<&str>,
) {
    let now = platform.clock.now_ms();
    let mut ttl = platform.api_keys.cache_ttl.as_secs();
    if let Some(expires_at) = answer.expires_at {
        let left = (expires_at - now) / 1000;
        ttl = ttl.min(u64::try_from(left).unwrap_or(0));
    }
    let ttl = ttl.max(1);
    let Ok(text) = serde_json::to_string(answer) else {
        return;
    };
    let sealed = platform
        .seal
        .seal(cache_key, Some(now + ttl as i64 * 1000), &text);
    let written: Result<(), _> = match replacing {
        None => {
            redis::cmd("SET")
                .arg(cache_key)
                .arg(sealed)
                .arg("NX")
                .arg("EX")
                .arg(ttl)
                .query_async(&mut platform.redis.clone())
                .await
        }
        Some(bad) => {
            redis::Script::new(REPLACE_IF_UNCHANGED)
                .key(cache_key)
                .arg(bad)
                .arg(sealed)
                .arg(ttl)
                .invoke_async(&mut platform.redis.clone())
                .await
        }
    };
    if let Err(err) = written {
        tracing::warn!(error = %err, "could not cache API key");
    }
}

/// Replaces a bad entry unless it changed meanwhile (a revocation tombstone must win).
const REPLACE_IF_UNCHANGED: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return 0
";

/// Makes every service refuse a key at once (auth-svc calls this after revoking it).
pub async fn forget(platform: &Platform, key_hash: &str) -> Result<(), redis::RedisError> {
    let text = serde_json::to_string(&Introspection::inactive()).unwrap_or_default();
    let ttl = platform.api_keys.cache_ttl.max(TOMBSTONE_MIN_TTL);
    let cache_key = platform.keys.api_key_cache(key_hash);
    let until = platform.clock.now_ms() + ttl.as_millis() as i64;
    redis::cmd("SET")
        .arg(&cache_key)
        .arg(platform.seal.seal(&cache_key, Some(until), &text))
        .arg("EX")
        .arg(ttl.as_secs())
        .query_async::<()>(&mut platform.redis.clone())
        .await
}

#[cfg(test)]
mod tests;
