//! Redis is a cache, not a trust anchor (security review H2, L4): what kit reads back about a
//! caller or a tenant must carry a seal only holders of `AUTH_SECRET_KEY` can make.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::future::BoxFuture;
use kit::ApiError;
use kit::auth::TokenKind;
use kit::auth::api_key::{Introspect, Introspection, key_hash};
use kit::auth::status::{self, TenantState};
use kit::testing::TestApp;
use rand::Rng;
use serde_json::json;
use shared_schemas::ids::TenantId;

use crate::app::{SVC, router};

/// An auth-svc stand-in that knows one active key and counts the questions.
struct OneKey {
    key: String,
    tenant: TenantId,
    asked: Arc<AtomicUsize>,
}

impl Introspect for OneKey {
    fn introspect<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Introspection, ApiError>> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            if key != self.key {
                return Ok(Introspection::inactive());
            }
            Ok(Introspection {
                active: true,
                key_id: Some("ak_known".to_owned()),
                tenant_id: Some(self.tenant.clone()),
                sub: Some("usr_known".to_owned()),
                kind: Some(TokenKind::User),
                ..Introspection::default()
            })
        })
    }
}

fn random_key() -> String {
    format!("djb_{}", hex::encode(rand::rng().random::<[u8; 32]>()))
}

async fn spawn(known: &str, cache_status: bool) -> (TestApp, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let source = OneKey {
        key: known.to_owned(),
        tenant: TenantId::generate(),
        asked: asked.clone(),
    };
    let app = TestApp::spawn_with(
        SVC,
        |c| {
            if !cache_status {
                c.tenant_status_cache_ms = 0;
            }
        },
        |mut platform| {
            platform.api_keys = platform.api_keys.with_source(Arc::new(source));
            router(platform, Arc::default())
        },
    )
    .await;
    (app, asked)
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
) -> (u16, serde_json::Value) {
    let res = app
        .client
        .request(method, path)
        .bearer_auth(token)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

async fn set(app: &TestApp, key: &str, value: &str) {
    redis::cmd("SET")
        .arg(key)
        .arg(value)
        .query_async::<()>(&mut app.platform.redis.clone())
        .await
        .expect("set");
}

async fn get(app: &TestApp, key: &str) -> Option<String> {
    redis::cmd("GET")
        .arg(key)
        .query_async(&mut app.platform.redis.clone())
        .await
        .expect("get")
}

#[tokio::test]
async fn a_forged_api_key_cache_entry_logs_nobody_in() {
    let known = random_key();
    let (app, asked) = spawn(&known, true).await;
    // Someone with write access to Redis plants an answer for a key of their own making.
    let forged_key = random_key();
    let slot = app.platform.keys.api_key_cache(&key_hash(&forged_key));
    let victim = TenantId::generate();
    let forged = json!({"active": true, "tenantId": victim, "sub": "usr_owner",
        "kind": "user", "isAdmin": true});
    set(&app, &slot, &forged.to_string()).await;
    let (status, body) = call(&app, reqwest::Method::GET, "/v1/whoami", &forged_key).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("unauthorized")),
        "{body}"
    );
    assert_eq!(
        asked.load(Ordering::SeqCst),
        1,
        "the entry was ignored and the key resolved"
    );
    // The forged entry was replaced by auth-svc's sealed answer: no second introspection.
    assert_eq!(
        call(&app, reqwest::Method::GET, "/v1/whoami", &forged_key)
            .await
            .0,
        401
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1);

    // A genuine sealed entry moved to another key's slot does not verify there either.
    assert_eq!(
        call(&app, reqwest::Method::GET, "/v1/whoami", &known)
            .await
            .0,
        200
    );
    let genuine = get(&app, &app.platform.keys.api_key_cache(&key_hash(&known)))
        .await
        .expect("cached");
    let other = random_key();
    set(
        &app,
        &app.platform.keys.api_key_cache(&key_hash(&other)),
        &genuine,
    )
    .await;
    assert_eq!(
        call(&app, reqwest::Method::GET, "/v1/whoami", &other)
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn malformed_api_keys_cost_no_introspection_and_no_cache_entry() {
    let (app, asked) = spawn(&random_key(), true).await;
    let alphabet = b"0123456789abcdefABCDEFxyz_-";
    let mut rng = rand::rng();
    let mut refused = 0;
    for i in 0..1000 {
        let len = match i % 4 {
            0 => 64,                      // right length, but a character outside [0-9a-f]
            1 => rng.random_range(0..64), // too short
            2 => rng.random_range(65..90),
            _ => rng.random_range(0..90),
        };
        let mut body: String = (0..len)
            .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
            .collect();
        if len == 64 {
            body.replace_range(0..1, "Z");
        }
        let prefix = ["djb_", "djb_svc_", "djb_agent_", "djb_x_"][i % 4];
        let (status, _) = call(
            &app,
            reqwest::Method::GET,
            "/v1/whoami",
            &format!("{prefix}{body}"),
        )
        .await;
        if status == 401 {
            refused += 1;
        }
    }
    assert_eq!(refused, 1000);
    assert_eq!(asked.load(Ordering::SeqCst), 0, "introspections");
    let cached: Vec<String> = redis::cmd("KEYS")
        .arg(app.platform.keys.api_key_cache("*").replace("%2A", "*"))
        .query_async(&mut app.platform.redis.clone())
        .await
        .expect("keys");
    assert!(cached.is_empty(), "{cached:?}");
}

#[tokio::test]
async fn a_forged_status_cannot_lift_a_suspension_for_writes() {
    let (app, _) = spawn(&random_key(), false).await;
    let tenant = TenantId::generate();
    let token = app.token(&tenant, "usr_1", TokenKind::User);
    let slot = app.platform.keys.tenant_status(&tenant);
    status::publish(&app.platform, &tenant, TenantState::Suspended)
        .await
        .expect("publish");
    assert_eq!(
        call(&app, reqwest::Method::POST, "/v1/items", &token)
            .await
            .0,
        403
    );

    // Overwritten with a plain `active`, or with another tenant's sealed `active`: the writes
    // stay refused (503, the status cannot be vouched for); reads go on.
    let other = TenantId::generate();
    status::publish(&app.platform, &other, TenantState::Active)
        .await
        .expect("publish");
    let sealed_elsewhere = get(&app, &app.platform.keys.tenant_status(&other))
        .await
        .expect("sealed");
    for forged in ["active", sealed_elsewhere.as_str()] {
        set(&app, &slot, forged).await;
        let (status, body) = call(&app, reqwest::Method::POST, "/v1/items", &token).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (503, Some("tenant_status_unavailable")),
            "{forged}: {body}"
        );
        assert_eq!(
            call(&app, reqwest::Method::GET, "/v1/whoami", &token)
                .await
                .0,
            200
        );
    }
    // A sealed status is honoured, and so is an unsealed refusal (fail closed).
    status::publish(&app.platform, &tenant, TenantState::Active)
        .await
        .expect("publish");
    assert_eq!(
        call(&app, reqwest::Method::POST, "/v1/items", &token)
            .await
            .0,
        201
    );
    set(&app, &slot, "suspended").await;
    assert_eq!(
        call(&app, reqwest::Method::GET, "/v1/whoami", &token)
            .await
            .0,
        403
    );
}
