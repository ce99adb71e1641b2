//! kit reads time from `platform.clock`, so a test moves it instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::future::BoxFuture;
use kit::auth::TokenKind;
use kit::auth::api_key::{Introspect, Introspection};
use kit::testing::TestApp;
use kit::{ApiError, Clock};
use shared_schemas::ids::TenantId;

use crate::app::{SVC, router, spawn_with};

async fn whoami(app: &TestApp, token: &str) -> u16 {
    app.client
        .get("/v1/whoami")
        .bearer_auth(token)
        .send()
        .await
        .expect("send")
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_rate_limit_window_moves_with_the_clock() {
    let (app, _) = spawn_with(|c| {
        c.tenant_rate_limit = 2;
        c.tenant_rate_window_secs = 3600;
    })
    .await;
    let token = app.token(&TenantId::generate(), "usr_1", TokenKind::User);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(whoami(&app, &token).await);
    }
    assert_eq!(statuses, [200, 200, 429]);
    app.clock.advance(Duration::from_secs(3600));
    assert_eq!(
        whoami(&app, &token).await,
        200,
        "a new window an hour later"
    );
}

/// An auth-svc stand-in: one active key that expires `ttl` after it is first asked about.
struct ExpiringKey {
    tenant: TenantId,
    expires_at: i64,
    asked: Arc<AtomicUsize>,
}

impl Introspect for ExpiringKey {
    fn introspect<'a>(&'a self, _key: &'a str) -> BoxFuture<'a, Result<Introspection, ApiError>> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            Ok(Introspection {
                active: true,
                key_id: Some("ak_clock".to_owned()),
                tenant_id: Some(self.tenant.clone()),
                sub: Some("usr_clock".to_owned()),
                kind: Some(TokenKind::User),
                expires_at: Some(self.expires_at),
                ..Introspection::default()
            })
        })
    }
}

#[tokio::test]
async fn a_cached_api_key_expires_when_the_clock_passes_its_expiry() {
    let asked = Arc::new(AtomicUsize::new(0));
    let source = ExpiringKey {
        tenant: TenantId::generate(),
        // The harness's clock starts with the system's.
        expires_at: kit::clock::SystemClock.now_ms() + 60_000,
        asked: asked.clone(),
    };
    let app = TestApp::spawn(SVC, |mut platform| {
        platform.api_keys = platform.api_keys.with_source(Arc::new(source));
        router(platform, Arc::default())
    })
    .await;
    let key = &format!("djb_{}", "c".repeat(64));
    assert_eq!(whoami(&app, key).await, 200);
    assert_eq!(whoami(&app, key).await, 200);
    assert_eq!(
        asked.load(Ordering::SeqCst),
        1,
        "the second answer came from the cache"
    );
    app.clock.advance(Duration::from_secs(61));
    assert_eq!(whoami(&app, key).await, 401, "expired, though still cached");
}
