//! kit's own Redis traffic fits the rules every service's ACL user has (`bus::acl`), and that
//! user reaches no other service's keys (security review H2).

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use kit::auth::TokenKind;
use kit::testing::{TestApp, json};
use serde_json::json as j;
use shared_schemas::ids::TenantId;

use crate::app::{SVC, router};

fn noperm<T: std::fmt::Debug>(result: &redis::RedisResult<T>) -> bool {
    matches!(result, Err(e) if e.code() == Some("NOPERM"))
}

#[tokio::test]
async fn a_service_works_as_its_redis_user_and_reaches_no_other_services_keys() {
    let created = Arc::new(AtomicU64::new(0));
    let counter = created.clone();
    let app = TestApp::spawn_as_redis_user(SVC, |_| {}, move |p| router(p, counter)).await;
    let tenant = TenantId::generate();
    let token = app.token(&tenant, "usr_1", TokenKind::User);

    // Status read, rate-limit counter, idempotency record: all within the service's rules.
    let res = app
        .client
        .get("/v1/whoami")
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
    for _ in 0..2 {
        let res = app
            .client
            .post_json("/v1/items", &token, &j!({"name": "a"}))
            .header("idempotency-key", "acl")
            .send()
            .await
            .expect("send");
        assert_eq!(json(res).await.0, 201);
    }
    assert_eq!(
        created.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "replayed"
    );

    // The platform's own connection cannot reach auth-svc's keys nor write a tenant status.
    let keys = &app.platform.keys;
    let mut conn = app.platform.redis.clone();
    let lockout: redis::RedisResult<Option<String>> = redis::cmd("GET")
        .arg(keys.login_lockout("acct"))
        .query_async(&mut conn)
        .await;
    assert!(noperm(&lockout), "{lockout:?}");
    let status: redis::RedisResult<()> = redis::cmd("SET")
        .arg(keys.tenant_status(&tenant))
        .arg("active")
        .query_async(&mut conn)
        .await;
    assert!(noperm(&status), "{status:?}");
}
