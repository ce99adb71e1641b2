//! Isolation of providers: another tenant's are invisible, the platform's read-only for tenants.

use serde_json::json;

use super::*;
use crate::helpers::*;

#[tokio::test]
async fn rls_keeps_platform_rows_read_only_for_tenants() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    let root = platform_admin(&app).await;
    let mut body = provider_body(&idp, "company");
    body["scope"] = json!("platform");
    create_provider(&app, &access(&root), body).await;
    let acme = register(&app, "admin@acme.io").await;
    let tenant = acme["tenantId"].as_str().expect("tenant");
    // As the service's own role inside a tenant transaction.
    let pool = sqlx::PgPool::connect(&app.db.url_as("auth_svc"))
        .await
        .expect("pool");
    let mut tx = pool.begin().await.expect("tx");
    sqlx::query("select set_config('app.tenant_id', $1, true)")
        .bind(tenant)
        .execute(&mut *tx)
        .await
        .expect("tenant");
    let seen: i64 = sqlx::query_scalar("select count(*) from auth.oidc_providers")
        .fetch_one(&mut *tx)
        .await
        .expect("select");
    assert_eq!(seen, 1, "platform rows are readable");
    let deleted = sqlx::query("delete from auth.oidc_providers")
        .execute(&mut *tx)
        .await
        .expect("delete");
    assert_eq!(deleted.rows_affected(), 0, "but not deletable");
    let updated = sqlx::query("update auth.oidc_providers set name = 'x'")
        .execute(&mut *tx)
        .await
        .expect("update");
    assert_eq!(updated.rows_affected(), 0, "nor changeable");
    tx.rollback().await.expect("rollback");
}

#[tokio::test]
async fn tenant_b_admin_cannot_touch_tenant_a_providers() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    let a = register(&app, "a@acme.io").await;
    let b = register(&app, "b@other.io").await;
    let id = create_provider(&app, &access(&a), provider_body(&idp, "acme-sso")).await;
    let before: (String, i64, String) = sqlx::query_as(
        "select name, updated_at, client_secret from auth.oidc_providers where id = $1",
    )
    .bind(&id)
    .fetch_one(&app.db.admin)
    .await
    .expect("row");
    let tb = access(&b);
    let path = format!("/v1/auth/providers/{id}");
    let (_, list) = send(&app, "GET", "/v1/auth/providers", &tb, None).await;
    assert_eq!(list, json!([]));
    for (method, p, body) in [
        (
            "PUT",
            path.clone(),
            Some(json!({"name": "pwned", "clientSecret": "stolen-secret"})),
        ),
        ("DELETE", path.clone(), None),
        ("POST", format!("{path}/test"), None),
    ] {
        let (status, answer) = send(&app, method, &p, &tb, body).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (404, Some("not_found")),
            "{method} {p}"
        );
    }
    let after: (String, i64, String) = sqlx::query_as(
        "select name, updated_at, client_secret from auth.oidc_providers where id = $1",
    )
    .bind(&id)
    .fetch_one(&app.db.admin)
    .await
    .expect("row");
    assert_eq!(before, after);
}
