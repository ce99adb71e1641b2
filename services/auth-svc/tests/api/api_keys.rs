//! `/v1/auth/api-keys` and `/internal/auth/introspect` against real Postgres and Redis.

use std::time::Duration;

use kit::auth::Claims;
use kit::auth::api_key::key_hash;
use kit::testing::{TestApp, json};
use serde_json::{Value, json};

use crate::helpers::*;

pub async fn create_key(app: &TestApp, token: &str, path: &str, name: &str) -> Value {
    let (status, body) = send(app, "POST", path, token, Some(json!({"name": name}))).await;
    assert_eq!(status, 201, "{body}");
    body
}

pub async fn ensure_agent(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    send(app, "POST", "/v1/auth/api-keys/agent", token, Some(body)).await
}

pub fn key(body: &Value) -> String {
    body["key"].as_str().expect("key").to_owned()
}

/// A token another of our services would mint to call internal endpoints.
pub fn internal_token(app: &TestApp) -> String {
    app.mint(&Claims::internal("test-svc", Duration::from_secs(60)).expect("claims"))
}

pub async fn introspect(app: &TestApp, key: &str) -> Value {
    let (status, body) = send(
        app,
        "POST",
        "/internal/auth/introspect",
        &internal_token(app),
        Some(json!({ "key": key })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn count_keys(app: &TestApp) -> i64 {
    count(app, "select count(*) from auth.api_keys").await
}

#[tokio::test]
async fn a_user_key_is_shown_once_listed_masked_and_revoked() {
    let app = spawn().await;
    let owner = register(&app, "owner@x.io").await;
    let jwt = access(&owner);
    let created = create_key(&app, &jwt, "/v1/auth/api-keys", " ci ").await;
    let secret = key(&created);
    assert!(secret.starts_with("djb_") && secret.len() > 60, "{secret}");
    assert_eq!(created["keyPrefix"].as_str(), Some(&secret[..12]));
    assert_eq!(created["name"], "ci");
    assert!(created["message"].is_string());
    assert!(created["expiresAt"].is_null());

    let (status, listed) = send(&app, "GET", "/v1/auth/api-keys", &jwt, None).await;
    assert_eq!(status, 200);
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["id"], created["id"]);
    assert_eq!(listed[0]["kind"], "user");
    assert!(listed[0].get("key").is_none());
    assert!(!listed.to_string().contains(&secret[12..]), "masked");
    // Only the hash is stored.
    let stored = count(
        &app,
        &format!(
            "select count(*) from auth.api_keys where key_hash = '{}'",
            key_hash(&secret)
        ),
    )
    .await;
    assert_eq!(stored, 1);

    // The key acts as its user, but cannot mint more keys.
    let (status, me) = send(&app, "GET", "/v1/auth/me", &secret, None).await;
    assert_eq!((status, &me["id"]), (200, &owner["user"]["id"]), "{me}");
    let (status, _) = send(
        &app,
        "POST",
        "/v1/auth/api-keys",
        &secret,
        Some(json!({"name": "child"})),
    )
    .await;
    assert_eq!(status, 403);

    let id = created["id"].as_str().expect("id");
    let (status, body) = send(
        &app,
        "DELETE",
        &format!("/v1/auth/api-keys/{id}"),
        &jwt,
        None,
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str(), body["id"].as_str()),
        (200, Some("revoked"), Some(id))
    );
    let (status, body) = send(&app, "GET", "/v1/auth/me", &secret, None).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    let (_, listed) = send(&app, "GET", "/v1/auth/api-keys", &jwt, None).await;
    assert_eq!(listed[0]["isActive"], false);
}

#[tokio::test]
async fn bad_key_requests_are_refused_and_write_nothing() {
    let app = spawn().await;
    let jwt = access(&register(&app, "owner@x.io").await);
    let long = "n".repeat(257);
    for (path, body) in [
        ("/v1/auth/api-keys", json!({})),
        ("/v1/auth/api-keys", json!({"name": ""})),
        ("/v1/auth/api-keys", json!({"name": long})),
        ("/v1/auth/api-keys", json!({"name": 5})),
        (
            "/v1/auth/api-keys",
            json!({"name": "x", "expiresInDays": 0}),
        ),
        (
            "/v1/auth/api-keys",
            json!({"name": "x", "expiresInDays": 4000}),
        ),
        (
            "/v1/auth/api-keys",
            json!({"name": "x", "expiresInDays": "7"}),
        ),
        ("/v1/auth/api-keys", json!({"name": "x", "scopes": "all"})),
        ("/v1/auth/api-keys/service", json!({"name": " "})),
        ("/v1/auth/api-keys/agent", json!({})),
        ("/v1/auth/api-keys/agent", json!({"agentId": "finn"})),
        ("/v1/auth/api-keys/agent", json!({"agentId": "agt_a:b"})),
        (
            "/v1/auth/api-keys/agent",
            json!({"agentId": "agt_1", "rotate": "yes"}),
        ),
    ] {
        let (status, answer) = send(&app, "POST", path, &jwt, Some(body.clone())).await;
        assert_eq!(status, 422, "{path} {body}: {answer}");
        assert_eq!(answer["code"], "validation_failed");
    }
    for (content_type, raw, status) in [
        ("application/json", "{\"name\":", 400),
        ("text/plain", "{\"name\":\"x\"}", 415),
    ] {
        let res = app
            .client
            .post("/v1/auth/api-keys")
            .bearer_auth(&jwt)
            .header("content-type", content_type)
            .body(raw)
            .send()
            .await
            .expect("send");
        assert_eq!(json(res).await.0, status, "{raw}");
    }
    for id in ["nope", "ak_doesnotexist", "ak_a%3Ab"] {
        let (status, body) = send(
            &app,
            "DELETE",
            &format!("/v1/auth/api-keys/{id}"),
            &jwt,
            None,
        )
        .await;
        assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    }
    let (status, _) = send(&app, "GET", "/v1/auth/api-keys", "djb_notakey", None).await;
    assert_eq!(status, 401);
    assert_eq!(count_keys(&app).await, 0);
}

#[tokio::test]
async fn service_keys_need_an_admin_and_open_only_service_endpoints() {
    let app = spawn().await;
    let owner = access(&register(&app, "owner@x.io").await);
    send(
        &app,
        "POST",
        "/v1/users/",
        &owner,
        Some(json!({"email": "m@x.io", "password": PASSWORD})),
    )
    .await;
    let member = access(&login(&app, "m@x.io", PASSWORD).await.1);
    let (status, _) = send(
        &app,
        "POST",
        "/v1/auth/api-keys/service",
        &member,
        Some(json!({"name": "ci"})),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        send(&app, "GET", "/v1/auth/api-keys/all", &member, None)
            .await
            .0,
        403
    );
    create_key(&app, &member, "/v1/auth/api-keys", "mine").await;

    let service = create_key(&app, &owner, "/v1/auth/api-keys/service", "engine").await;
    let secret = key(&service);
    assert!(secret.starts_with("djb_svc_"));
    assert_eq!(service["keyPrefix"].as_str(), Some(&secret[..16]));
    assert_eq!(service["kind"], "service");
    let (_, all) = send(&app, "GET", "/v1/auth/api-keys/all", &owner, None).await;
    let kinds: Vec<_> = all
        .as_array()
        .expect("list")
        .iter()
        .map(|k| k["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds.len(), 2, "{all}");
    assert!(kinds.contains(&"service") && kinds.contains(&"user"));
    assert!(!all.to_string().contains(&secret[16..]));
    // The owner's own list holds only the owner's user keys.
    let (_, mine) = send(&app, "GET", "/v1/auth/api-keys", &owner, None).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(0));

    // A service key is not a user, and opens the endpoints that take services.
    let (status, body) = send(&app, "GET", "/v1/auth/me", &secret, None).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = ensure_agent(&app, &secret, json!({"agentId": "agt_runner"})).await;
    assert_eq!(
        (status, body["created"].as_bool()),
        (201, Some(true)),
        "{body}"
    );
    let answer = introspect(&app, &secret).await;
    assert_eq!(
        (answer["kind"].as_str(), answer["isAdmin"].as_bool()),
        (Some("service"), Some(false))
    );
}

#[tokio::test]
async fn agent_keys_are_ensured_idempotently_and_rotated() {
    let app = spawn().await;
    let owner = access(&register(&app, "owner@x.io").await);
    let (status, first) = ensure_agent(&app, &owner, json!({"agentId": "agt_finn"})).await;
    assert_eq!(status, 201, "{first}");
    let first_key = key(&first);
    assert!(first_key.starts_with("djb_agent_"));
    assert_eq!(
        (first["created"].as_bool(), first["agentId"].as_str()),
        (Some(true), Some("agt_finn"))
    );
    let (status, again) = ensure_agent(&app, &owner, json!({"agentId": "agt_finn"})).await;
    assert_eq!(status, 200);
    assert_eq!(
        (&again["id"], again["created"].as_bool(), again.get("key")),
        (&first["id"], Some(false), None)
    );
    let answer = introspect(&app, &first_key).await;
    assert_eq!(
        (
            answer["active"].as_bool(),
            answer["kind"].as_str(),
            answer["agentId"].as_str(),
            answer["sub"].as_str()
        ),
        (
            Some(true),
            Some("agent"),
            Some("agt_finn"),
            Some("agt_finn")
        )
    );

    let (status, rotated) =
        ensure_agent(&app, &owner, json!({"agentId": "agt_finn", "rotate": true})).await;
    assert_eq!((status, rotated["created"].as_bool()), (201, Some(true)));
    assert_ne!(rotated["id"], first["id"]);
    let rotated_key = key(&rotated);
    assert_eq!(introspect(&app, &first_key).await["active"], false);
    assert_eq!(introspect(&app, &rotated_key).await["active"], true);
    assert_eq!(
        count(
            &app,
            "select count(*) from auth.api_keys where agent_id = 'agt_finn' and is_active"
        )
        .await,
        1
    );
    // Another agent gets its own key; agents and user keys cannot issue agent keys.
    assert_eq!(
        ensure_agent(&app, &owner, json!({"agentId": "agt_other"}))
            .await
            .0,
        201
    );
    assert_eq!(
        ensure_agent(&app, &rotated_key, json!({"agentId": "agt_x"}))
            .await
            .0,
        403
    );
    let user_key = key(&create_key(&app, &owner, "/v1/auth/api-keys", "cli").await);
    assert_eq!(
        ensure_agent(&app, &user_key, json!({"agentId": "agt_x"}))
            .await
            .0,
        403
    );
    assert_eq!(count_keys(&app).await, 4);
}

#[tokio::test]
async fn introspection_needs_an_internal_service_token_and_records_use() {
    let app = spawn().await;
    let owner = register(&app, "owner@x.io").await;
    let jwt = access(&owner);
    let secret = key(&create_key(&app, &jwt, "/v1/auth/api-keys", "ci").await);
    let body = Some(json!({ "key": secret }));
    let path = "/internal/auth/introspect";
    let (status, _) = post(&app, path, json!({ "key": secret })).await;
    assert_eq!(status, 401);
    // Tenant credentials are not service tokens: a user JWT is the wrong kind, a key no JWT.
    for (token, want) in [(jwt.as_str(), 403), (secret.as_str(), 401)] {
        let (status, answer) = send(&app, "POST", path, token, body.clone()).await;
        assert_eq!(status, want, "{answer}");
    }
    let answer = introspect(&app, &secret).await;
    assert_eq!(answer["active"], true);
    assert_eq!(answer["tenantId"], owner["tenantId"]);
    assert_eq!(answer["sub"], owner["user"]["id"]);
    assert_eq!(
        (answer["kind"].as_str(), answer["isAdmin"].as_bool()),
        (Some("user"), Some(true))
    );
    let used = "select coalesce(max(last_used_at), 0) from auth.api_keys";
    let first_use = count(&app, used).await;
    assert!(first_use > 0);
    introspect(&app, &secret).await;
    assert_eq!(count(&app, used).await, first_use, "at most once a minute");
    for unknown in ["djb_0000", "eyJ.not.akey", "x"] {
        assert_eq!(
            introspect(&app, unknown).await,
            json!({"active": false, "isAdmin": false})
        );
    }
    let (status, _) = send(
        &app,
        "POST",
        path,
        &internal_token(&app),
        Some(json!({ "key": "x".repeat(201) })),
    )
    .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn expired_keys_and_keys_of_disabled_users_are_inactive() {
    let app = spawn().await;
    let jwt = access(&register(&app, "owner@x.io").await);
    let (_, created) = send(
        &app,
        "POST",
        "/v1/auth/api-keys",
        &jwt,
        Some(json!({"name": "short", "expiresInDays": 1})),
    )
    .await;
    assert!(created["expiresAt"].as_i64().is_some());
    sqlx::query("update auth.api_keys set expires_at = 1000")
        .execute(&app.db.admin)
        .await
        .expect("expire");
    assert_eq!(introspect(&app, &key(&created)).await["active"], false);
    let (status, _) = send(&app, "GET", "/v1/auth/me", &key(&created), None).await;
    assert_eq!(status, 401);

    let live = key(&create_key(&app, &jwt, "/v1/auth/api-keys", "live").await);
    sqlx::query("update auth.users set is_active = false")
        .execute(&app.db.admin)
        .await
        .expect("disable");
    assert_eq!(introspect(&app, &live).await["active"], false);
}
