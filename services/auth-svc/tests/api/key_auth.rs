//! kit's credential checks in ANOTHER service, against a real auth-svc: API keys resolved through
//! `/internal/auth/introspect` and cached in Redis, scope extractors, and tenant status.

use std::time::{Duration, Instant};

use axum::extract::Path;
use axum::routing::get;
use axum::{Json, Router};
use kit::Clock as _;
use kit::auth::scope::{ServiceOnly, UserOnly};
use kit::testing::{TestApp, json};
use kit::{ApiError, Platform, ServiceInfo, TenantContext};
use serde_json::{Value, json};

use crate::api_keys::{create_key, ensure_agent, key};
use crate::helpers::*;

const OTHER: ServiceInfo = ServiceInfo {
    name: "other-svc",
    default_port: 0,
    db_role: "auth_svc",
};

fn describe(ctx: &TenantContext) -> Json<Value> {
    Json(json!({
        "tenant": ctx.tenant_id,
        "sub": ctx.subject(),
        "kind": ctx.kind(),
        "agent": ctx.agent_id(),
        "apiKey": ctx.api_key_id,
    }))
}

async fn whoami(ctx: TenantContext) -> Json<Value> {
    describe(&ctx)
}

async fn user_only(UserOnly(ctx): UserOnly) -> Json<Value> {
    describe(&ctx)
}

/// Trusts the credential's `is_admin` claim, as agent-svc's admin-only routes do.
async fn admin_only(ctx: TenantContext) -> Result<Json<Value>, ApiError> {
    if !ctx.claims.is_admin {
        return Err(ApiError::forbidden("Admin access required"));
    }
    Ok(describe(&ctx))
}

async fn internal(ServiceOnly(ctx): ServiceOnly) -> Json<Value> {
    describe(&ctx)
}

async fn agent_ping(
    ctx: TenantContext,
    Path(agent): Path<String>,
) -> Result<Json<Value>, ApiError> {
    ctx.require_access_to_agent(&agent)?;
    Ok(describe(&ctx))
}

fn other_router(platform: Platform) -> Router {
    let routes = Router::new()
        .route("/v1/whoami", get(whoami))
        .route("/v1/user-only", get(user_only))
        .route("/v1/admin-only", get(admin_only))
        .route("/v1/internal/ping", get(internal))
        .route("/v1/agents/{agent}/ping", get(agent_ping))
        .with_state(platform.clone());
    kit::http::service_router(platform, routes, utoipa::openapi::OpenApi::default())
}

/// A second service sharing auth-svc's Redis namespace and resolving keys through it.
pub async fn other_service(auth: &TestApp) -> TestApp {
    let prefix = auth.platform.config.redis_prefix.clone();
    let url = format!("http://{}", auth.addr);
    TestApp::spawn_with(
        OTHER,
        move |c| {
            c.redis_prefix = prefix;
            c.auth_svc_url = url;
        },
        other_router,
    )
    .await
}

pub async fn get_as(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    json(
        app.client
            .get(path)
            .bearer_auth(token)
            .send()
            .await
            .expect("send"),
    )
    .await
}

/// Introspection requests auth-svc has answered, from its own /metrics.
async fn introspections(auth: &TestApp) -> u64 {
    let text = auth
        .client
        .get("/metrics")
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .filter(|l| l.starts_with("http_requests_total{"))
        .filter(|l| l.contains("route=\"/internal/auth/introspect\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[tokio::test]
async fn a_user_key_authenticates_elsewhere_is_cached_and_revocation_is_immediate() {
    let auth = spawn().await;
    let other = other_service(&auth).await;
    let owner = register(&auth, "owner@x.io").await;
    let jwt = access(&owner);
    let created = create_key(&auth, &jwt, "/v1/auth/api-keys", "ci").await;
    let secret = key(&created);

    let (status, me) = get_as(&other, "/v1/whoami", &secret).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        (
            &me["tenant"],
            &me["sub"],
            me["kind"].as_str(),
            &me["apiKey"]
        ),
        (
            &owner["tenantId"],
            &owner["user"]["id"],
            Some("user"),
            &created["id"]
        )
    );
    assert_eq!(get_as(&other, "/v1/user-only", &secret).await.0, 200);
    assert_eq!(introspections(&auth).await, 1);
    for _ in 0..5 {
        assert_eq!(get_as(&other, "/v1/whoami", &secret).await.0, 200);
    }
    assert_eq!(
        introspections(&auth).await,
        1,
        "cache hits cost no HTTP call"
    );

    let path = format!("/v1/auth/api-keys/{}", created["id"].as_str().expect("id"));
    assert_eq!(send(&auth, "DELETE", &path, &jwt, None).await.0, 200);
    let (status, body) = get_as(&other, "/v1/whoami", &secret).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    assert_eq!(introspections(&auth).await, 1, "the tombstone answers");
    // JWTs keep working beside keys.
    assert_eq!(get_as(&other, "/v1/whoami", &jwt).await.0, 200);
}

#[tokio::test]
async fn unknown_and_expired_keys_are_refused_elsewhere() {
    let auth = spawn().await;
    let other = other_service(&auth).await;
    let jwt = access(&register(&auth, "owner@x.io").await);
    for _ in 0..3 {
        let guessed = format!("djb_{}", "0".repeat(64));
        let (status, body) = get_as(&other, "/v1/whoami", &guessed).await;
        assert_eq!(
            (status, body["detail"].as_str()),
            (401, Some("Invalid API key"))
        );
    }
    assert_eq!(
        introspections(&auth).await,
        1,
        "unknown keys are cached too"
    );

    let (_, created) = send(
        &auth,
        "POST",
        "/v1/auth/api-keys",
        &jwt,
        Some(json!({"name": "short", "expiresInDays": 1})),
    )
    .await;
    let secret = key(&created);
    // Make it expire in about a second: the cached answer must not outlive it. Both services'
    // clocks move instead of the test sleeping.
    let soon = auth.clock.now_ms() + 1500;
    sqlx::query("update auth.api_keys set expires_at = $1")
        .bind(soon)
        .execute(&auth.db.admin)
        .await
        .expect("expire soon");
    assert_eq!(get_as(&other, "/v1/whoami", &secret).await.0, 200);
    auth.clock.advance(Duration::from_millis(2600));
    other.clock.advance(Duration::from_millis(2600));
    assert_eq!(get_as(&other, "/v1/whoami", &secret).await.0, 401);
}

#[tokio::test]
async fn agent_and_service_keys_are_kept_to_their_scope() {
    let auth = spawn().await;
    let other = other_service(&auth).await;
    let owner = register(&auth, "owner@x.io").await;
    let jwt = access(&owner);
    let (_, agent) = ensure_agent(&auth, &jwt, json!({"agentId": "agt_finn"})).await;
    let agent_key = key(&agent);
    let (status, me) = get_as(&other, "/v1/agents/agt_finn/ping", &agent_key).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        (&me["tenant"], me["kind"].as_str(), me["agent"].as_str()),
        (&owner["tenantId"], Some("agent"), Some("agt_finn"))
    );
    let (status, body) = get_as(&other, "/v1/agents/agt_other/ping", &agent_key).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("agent_scope")));
    assert_eq!(get_as(&other, "/v1/user-only", &agent_key).await.0, 403);
    assert_eq!(get_as(&other, "/v1/internal/ping", &agent_key).await.0, 403);
    // Users reach any agent of their tenant.
    assert_eq!(
        get_as(&other, "/v1/agents/agt_other/ping", &jwt).await.0,
        200
    );

    let service_key = key(&create_key(&auth, &jwt, "/v1/auth/api-keys/service", "ops").await);
    let (status, body) = get_as(&other, "/v1/internal/ping", &service_key).await;
    assert_eq!((status, body["kind"].as_str()), (200, Some("service")));
    assert_eq!(get_as(&other, "/v1/whoami", &service_key).await.0, 403);
    assert_eq!(get_as(&other, "/v1/user-only", &service_key).await.0, 403);
    assert_eq!(get_as(&other, "/v1/internal/ping", &jwt).await.0, 403);
}

#[tokio::test]
async fn keys_are_refused_with_503_when_auth_svc_is_unreachable() {
    let auth = spawn().await;
    let jwt = access(&register(&auth, "owner@x.io").await);
    let prefix = auth.platform.config.redis_prefix.clone();
    let other = TestApp::spawn_with(
        OTHER,
        move |c| {
            c.redis_prefix = prefix;
            c.auth_svc_url = "http://127.0.0.1:9".to_owned();
        },
        other_router,
    )
    .await;
    let secret = key(&create_key(&auth, &jwt, "/v1/auth/api-keys", "ci").await);
    let (status, body) = get_as(&other, "/v1/whoami", &secret).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("auth_unavailable"))
    );
    assert_eq!(get_as(&other, "/v1/whoami", &jwt).await.0, 200);
}

/// Polls until `path` answers `want`; returns how long it took.
async fn until_status(app: &TestApp, token: &str, want: u16) -> Duration {
    let started = Instant::now();
    loop {
        let (status, _) = get_as(app, "/v1/whoami", token).await;
        if status == want {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(5), "still {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_suspended_tenant_is_refused_by_other_services_within_seconds() {
    let auth = spawn().await;
    let other = other_service(&auth).await;
    let (_, root) = post(
        &auth,
        "/v1/auth/setup",
        json!({"email": "root@x.io", "password": PASSWORD}),
    )
    .await;
    let b = register(&auth, "b@x.io").await;
    let b_jwt = access(&b);
    let b_key = key(&create_key(&auth, &b_jwt, "/v1/auth/api-keys", "ci").await);
    assert_eq!(get_as(&other, "/v1/whoami", &b_jwt).await.0, 200);
    assert_eq!(get_as(&other, "/v1/whoami", &b_key).await.0, 200);
    let status_path = format!("/v1/tenants/{}/status", b["tenantId"].as_str().expect("id"));
    let root = access(&root);
    send(
        &auth,
        "PUT",
        &status_path,
        &root,
        Some(json!({"status": "suspended"})),
    )
    .await;

    let took = until_status(&other, &b_jwt, 403).await;
    assert!(took <= Duration::from_secs(2), "refused after {took:?}");
    let (status, body) = get_as(&other, "/v1/whoami", &b_jwt).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("tenant_suspended"))
    );
    let (status, body) = get_as(&other, "/v1/whoami", &b_key).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("tenant_suspended"))
    );
    // Other tenants are untouched.
    assert_eq!(get_as(&other, "/v1/whoami", &root).await.0, 200);

    send(
        &auth,
        "PUT",
        &status_path,
        &root,
        Some(json!({"status": "active"})),
    )
    .await;
    let took = until_status(&other, &b_jwt, 200).await;
    assert!(took <= Duration::from_secs(2), "accepted after {took:?}");
    assert_eq!(get_as(&other, "/v1/whoami", &b_key).await.0, 200);

    // A deleted tenant's still-unexpired JWT no longer exists anywhere.
    assert_eq!(
        send(
            &auth,
            "DELETE",
            "/v1/tenants/me",
            &b_jwt,
            Some(serde_json::json!({"password": PASSWORD}))
        )
        .await
        .0,
        200
    );
    let took = until_status(&other, &b_jwt, 401).await;
    assert!(took <= Duration::from_secs(2), "refused after {took:?}");
    let (_, body) = get_as(&other, "/v1/whoami", &b_jwt).await;
    assert_eq!(body["code"], "tenant_deleted");
}
