//! Credentials other than a user's, and a pub/sub listener for change notifications.

use std::time::Duration;

use futures_util::StreamExt;
use kit::auth::api_key::{Introspection, key_hash};
use kit::testing::TestApp;
use kit::{Claims, TokenKind};
use serde_json::Value;

use crate::helpers::Tenant;

/// A service JWT of the tenant (what engine-svc or slack-svc send).
pub fn service_token(app: &TestApp, t: &Tenant) -> String {
    app.token(&t.id, "engine-svc", TokenKind::Service)
}

/// A service API key of the tenant (`djb_svc_…`, what a tenant admin can create in auth-svc):
/// its introspection answer is put where every service caches auth-svc's answers, so the key
/// authenticates exactly as a real one does for the cache's lifetime.
pub async fn service_api_key(app: &TestApp, t: &Tenant) -> String {
    // Shaped like a real key (64 hex digits), or kit refuses it before any lookup (L4).
    let key = format!("djb_svc_{}", key_hash(&shared_schemas::ids::random_body()));
    let answer = Introspection {
        active: true,
        key_id: Some(format!("ak_{}", shared_schemas::ids::random_body())),
        tenant_id: Some(t.id.clone()),
        sub: Some("svc:ci-bot".to_owned()),
        kind: Some(TokenKind::Service),
        ..Introspection::default()
    };
    let cache = app.platform.keys.api_key_cache(&key_hash(&key));
    let text = serde_json::to_string(&answer).expect("answer");
    // Sealed like auth-svc's own answers: an unsealed entry is ignored (security review H2).
    let until = app.platform.clock.now_ms() + 600_000;
    let text = app.platform.seal.seal(&cache, Some(until), &text);
    redis::cmd("SET")
        .arg(cache)
        .arg(text)
        .arg("EX")
        .arg(600)
        .query_async::<()>(&mut app.platform.redis.clone())
        .await
        .expect("cache the key's answer");
    key
}

/// A platform token of one of our services for `/internal/...` endpoints.
pub fn internal_token(app: &TestApp, service: &str) -> String {
    let claims = Claims::internal(service, Duration::from_secs(60)).expect("internal claims");
    app.mint(&claims)
}

/// A runtime token of the tenant scoped to one agent.
pub fn agent_token(app: &TestApp, t: &Tenant, agent_id: &str) -> String {
    let mut claims = Claims::access(
        format!("agent:{agent_id}"),
        t.id.clone(),
        TokenKind::Agent,
        Duration::from_secs(900),
    );
    claims.agent_id = Some(agent_id.to_owned());
    app.mint(&claims)
}

/// Subscribed to some pub/sub channels before the action under test.
pub struct Listener {
    pubsub: redis::aio::PubSub,
}

impl Listener {
    pub async fn on(channels: &[String]) -> Self {
        let client = redis::Client::open(kit::testing::redis_url()).expect("redis url");
        let mut pubsub = client.get_async_pubsub().await.expect("pub/sub connection");
        for channel in channels {
            pubsub.subscribe(channel).await.expect("SUBSCRIBE");
        }
        Self { pubsub }
    }

    /// The next message as (channel, JSON), or None after `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<(String, Value)> {
        let mut stream = self.pubsub.on_message();
        let msg = tokio::time::timeout(wait, stream.next()).await.ok()??;
        let payload: String = msg.get_payload().expect("text payload");
        let json = serde_json::from_str(&payload).expect("JSON payload");
        Some((msg.get_channel_name().to_owned(), json))
    }
}
