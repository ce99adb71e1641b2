//! Tenant events leave through the outbox: with the commit, on the global stream (backend
//! workers) and the tenant's stream, and not at all for a refused change.

use std::time::{Duration, Instant};

use kit::testing::TestApp;
use serde_json::{Value, json};
use shared_schemas::ids::TenantId;

use crate::helpers::*;

/// Every envelope on `key`, oldest first.
async fn entries(app: &TestApp, key: &str) -> Vec<Value> {
    let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(key)
        .arg("-")
        .arg("+")
        .query_async(&mut app.platform.redis.clone())
        .await
        .expect("xrange");
    reply
        .ids
        .iter()
        .map(|e| {
            let data: String = e.get(bus::publish::DATA_FIELD).expect("data field");
            serde_json::from_str(&data).expect("envelope")
        })
        .collect()
}

/// Waits (the relay publishes after commit) until `key` holds an event of `kind`.
async fn wait_for_event(app: &TestApp, key: &str, kind: &str) -> Value {
    let started = Instant::now();
    loop {
        if let Some(event) = entries(app, key)
            .await
            .into_iter()
            .find(|e| e["type"] == kind)
        {
            return event;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no {kind} on {key}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn tenant_of(tokens: &Value) -> TenantId {
    TenantId::parse(tokens["tenantId"].as_str().expect("tenant")).expect("tenant id")
}

#[tokio::test]
async fn tenant_deleted_survives_the_cascade_and_reaches_the_global_stream() {
    let app = spawn().await;
    let a = register(&app, "owner@gone.io").await;
    let tenant = tenant_of(&a);
    let (status, _) = send(
        &app,
        "DELETE",
        "/v1/tenants/me",
        &access(&a),
        Some(serde_json::json!({"password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(count(&app, "select count(*) from auth.tenants").await, 0);

    let event = wait_for_event(&app, &app.platform.keys.global_events(), "TENANT_DELETED").await;
    assert_eq!(event["tenantId"], tenant.as_str());
    // The SSE copy too, and the outbox row (no foreign key to the deleted tenant) was sent.
    let copy = wait_for_event(
        &app,
        &app.platform.keys.tenant_events(&tenant),
        "TENANT_DELETED",
    )
    .await;
    assert_eq!(copy["id"], event["id"]);
    let unsent = format!(
        "select count(*) from auth.outbox where tenant_id = '{}' and sent_at is null",
        tenant.as_str()
    );
    // The relay marks the row sent just after publishing it: allow it that moment.
    let mut left = count(&app, &unsent).await;
    for _ in 0..100 {
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        left = count(&app, &unsent).await;
    }
    assert_eq!(left, 0, "the outbox row was marked sent");
    let mut conn = app.platform.redis.clone();
    let state: String = redis::cmd("GET")
        .arg(app.platform.keys.tenant_status(&tenant))
        .query_async(&mut conn)
        .await
        .expect("status");
    assert_eq!(
        kit::auth::status::decode(&app.platform, &tenant, &state),
        kit::auth::status::Status::Known(kit::auth::status::TenantState::Deleted)
    );
}

#[tokio::test]
async fn a_status_change_is_one_outbox_event_and_a_refused_one_is_none() {
    let app = spawn().await;
    let (_, root) = post(
        &app,
        "/v1/auth/setup",
        json!({"email": "root@x.io", "password": PASSWORD}),
    )
    .await;
    let b = register(&app, "b@x.io").await;
    let tenant = tenant_of(&b);
    let path = format!("/v1/tenants/{}/status", tenant.as_str());
    let body = json!({"status": "suspended"});
    // Refused changes (not a platform admin, unknown tenant) append nothing.
    assert_eq!(
        send(&app, "PUT", &path, &access(&b), Some(body.clone()))
            .await
            .0,
        403
    );
    let unknown = "/v1/tenants/ten_doesnotexist/status";
    assert_eq!(
        send(&app, "PUT", unknown, &access(&root), Some(body.clone()))
            .await
            .0,
        404
    );
    assert_eq!(count(&app, "select count(*) from auth.outbox").await, 0);

    let (status, answer) = send(&app, "PUT", &path, &access(&root), Some(body)).await;
    assert_eq!(status, 200, "{answer}");
    let global = app.platform.keys.global_events();
    let event = wait_for_event(&app, &global, "TENANT_STATUS_CHANGED").await;
    assert_eq!(event["tenantId"], tenant.as_str());
    assert_eq!(event["status"], "suspended");
    let outbox = format!(
        "select count(*) from auth.outbox where tenant_id = '{}'",
        tenant.as_str()
    );
    assert_eq!(count(&app, &outbox).await, 1);
    let status_changes = entries(&app, &global).await;
    let changes = status_changes
        .iter()
        .filter(|e| e["type"] == "TENANT_STATUS_CHANGED");
    assert_eq!(changes.count(), 1);
}
