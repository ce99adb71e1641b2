//! The per-tenant limit counted in Redis.

use kit::auth::TokenKind;
use kit::testing::json;
use shared_schemas::ids::TenantId;

use crate::app::spawn_with;

#[tokio::test]
async fn a_tenant_over_its_budget_gets_429_with_retry_after() {
    let (app, _) = spawn_with(|c| {
        c.tenant_rate_limit = 3;
        c.tenant_rate_window_secs = 60;
    })
    .await;
    let busy = app.token(&TenantId::generate(), "usr_1", TokenKind::User);
    let quiet = app.token(&TenantId::generate(), "usr_2", TokenKind::User);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let res = app
            .client
            .get("/v1/whoami")
            .bearer_auth(&busy)
            .send()
            .await
            .expect("send");
        if res.status() == 429 {
            let retry: u64 = res.headers()["retry-after"]
                .to_str()
                .expect("ascii")
                .parse()
                .expect("number");
            assert!((1..=60).contains(&retry), "retry-after {retry}");
            let (_, body) = json(res).await;
            assert_eq!(body["code"], "rate_limited");
            statuses.push(429);
        } else {
            statuses.push(res.status().as_u16());
        }
    }
    assert_eq!(statuses, vec![200, 200, 200, 429, 429]);
    // Another tenant is unaffected.
    let res = app
        .client
        .get("/v1/whoami")
        .bearer_auth(&quiet)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
}
