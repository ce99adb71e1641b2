//! Resolving an API key for a service (`POST /internal/auth/introspect`) or for auth-svc itself
//! (`LocalIntrospector`, which kit's cache calls instead of HTTP).
//!
//! A key is found only by its hash (capability `app.api_key_hash`); the answer is active when
//! the key is live, unexpired and, for user keys, its user is still active. Tenant status is not
//! judged here: kit checks it on every request, so the cached answer stays valid across a
//! suspension and its lifting.

use kit::ApiError;
use kit::auth::api_key::{BoxFuture, Introspect, Introspection, is_api_key, key_hash};
use kit::db::{Db, LookupTx};
use shared_schemas::ids::TenantId;

use crate::domain::api_keys::KeyKind;
use crate::domain::tokens::now_ms;
use crate::store::{api_keys, users};

pub use crate::domain::api_keys::MAX_KEY_LEN;

pub async fn introspect(db: &Db, key: &str) -> Result<Introspection, ApiError> {
    if !is_api_key(key) || key.len() > MAX_KEY_LEN {
        return Ok(Introspection::inactive());
    }
    let hash = key_hash(key);
    let mut lookup = LookupTx::begin(db.pool(), "app.api_key_hash", &hash).await?;
    let Some(found) = api_keys::find_by_hash(&mut lookup, &hash).await? else {
        return Ok(Introspection::inactive());
    };
    let now = now_ms();
    let kind = KeyKind::parse(&found.kind);
    let live = found.is_active && found.expires_at.is_none_or(|at| at > now);
    let (Some(kind), true) = (kind, live) else {
        return Ok(Introspection::inactive());
    };
    let tenant = TenantId::parse(found.tenant_id.as_str()).map_err(ApiError::internal)?;
    let mut tx = lookup.enter_tenant(&tenant).await?;
    let (sub, is_admin) = match kind {
        KeyKind::User => {
            let user_id = found.user_id.clone().unwrap_or_default();
            match users::get(&mut tx, &user_id).await? {
                Some(user) if user.is_active => (user.id, user.is_admin),
                _ => return Ok(Introspection::inactive()),
            }
        }
        KeyKind::Service => (format!("service:apikey:{}", found.id), false),
        KeyKind::Agent => (found.agent_id.clone().unwrap_or_default(), false),
    };
    api_keys::touch(&mut tx, &found.id, now).await?;
    tx.commit().await?;
    Ok(Introspection {
        active: true,
        key_id: Some(found.id),
        tenant_id: Some(tenant),
        sub: Some(sub),
        kind: Some(kind.token_kind()),
        agent_id: found.agent_id,
        is_admin,
        expires_at: found.expires_at,
    })
}

/// auth-svc resolves keys from its own database rather than calling itself over HTTP.
pub struct LocalIntrospector {
    pub db: Db,
}

impl Introspect for LocalIntrospector {
    fn introspect<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Introspection, ApiError>> {
        Box::pin(introspect(&self.db, key))
    }
}

/// Points the platform's key resolver at auth-svc's own database (same Redis cache).
pub fn resolve_keys_locally(platform: &mut kit::Platform) {
    let local = LocalIntrospector {
        db: platform.db.clone(),
    };
    platform.api_keys = platform.api_keys.with_source(std::sync::Arc::new(local));
}
