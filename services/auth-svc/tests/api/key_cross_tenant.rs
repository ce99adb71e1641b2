//! Tenant B against tenant A's keys, and A's keys against B's resources: 404 or refused, and
//! nothing changes.

use serde_json::json;

use crate::api_keys::{create_key, ensure_agent, introspect, key};
use crate::helpers::*;

#[tokio::test]
async fn tenant_b_admin_cannot_list_or_revoke_tenant_a_keys() {
    let app = spawn().await;
    let a = access(&register(&app, "a@x.io").await);
    let b = access(&register(&app, "b@x.io").await);
    let user = create_key(&app, &a, "/v1/auth/api-keys", "a-user").await;
    let service = create_key(&app, &a, "/v1/auth/api-keys/service", "a-svc").await;
    let (_, agent) = ensure_agent(&app, &a, json!({"agentId": "agt_a"})).await;

    let (status, all) = send(&app, "GET", "/v1/auth/api-keys/all", &b, None).await;
    assert_eq!((status, all.as_array().map(Vec::len)), (200, Some(0)));
    let (_, mine) = send(&app, "GET", "/v1/auth/api-keys", &b, None).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(0));
    for body in [&user, &service, &agent] {
        let path = format!("/v1/auth/api-keys/{}", body["id"].as_str().expect("id"));
        let (status, answer) = send(&app, "DELETE", &path, &b, None).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (404, Some("not_found")),
            "{path}"
        );
    }
    // B ensuring the same agent id gets B's own key, never A's.
    let (status, b_agent) = ensure_agent(&app, &b, json!({"agentId": "agt_a"})).await;
    assert_eq!((status, b_agent["created"].as_bool()), (201, Some(true)));
    assert_ne!(b_agent["id"], agent["id"]);
    assert_eq!(
        count(
            &app,
            "select count(*) from auth.api_keys where is_active and revoked_at is null"
        )
        .await,
        4
    );
    for secret in [key(&user), key(&service), key(&agent)] {
        assert_eq!(introspect(&app, &secret).await["active"], true);
    }
}

#[tokio::test]
async fn tenant_a_keys_are_refused_on_tenant_b_resources() {
    let app = spawn().await;
    let a_tokens = register(&app, "a@x.io").await;
    let b_tokens = register(&app, "b@x.io").await;
    let a = access(&a_tokens);
    let user_key = key(&create_key(&app, &a, "/v1/auth/api-keys", "a-user").await);
    let (_, agent) = ensure_agent(&app, &a, json!({"agentId": "agt_a"})).await;
    let agent_key = key(&agent);
    let b_user = format!("/v1/users/{}", b_tokens["user"]["id"].as_str().expect("id"));
    let before = count(&app, "select max(updated_at) from auth.users").await;

    // A's admin key acts as A's admin: B's user does not exist for it.
    let (status, body) = send(&app, "GET", &b_user, &user_key, None).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, _) = send(
        &app,
        "PUT",
        &b_user,
        &user_key,
        Some(json!({"displayName": "pwned"})),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(send(&app, "DELETE", &b_user, &user_key, None).await.0, 404);
    let (_, tenant) = send(&app, "GET", "/v1/tenants/me", &user_key, None).await;
    assert_eq!(tenant["id"], a_tokens["tenantId"]);

    // A's agent key is no user at all: refused before any lookup.
    for method in ["GET", "PUT", "DELETE"] {
        let body = (method == "PUT").then(|| json!({"displayName": "pwned"}));
        let (status, answer) = send(&app, method, &b_user, &agent_key, body).await;
        assert_eq!(status, 403, "{method}: {answer}");
    }
    assert_eq!(
        send(&app, "GET", "/v1/tenants/me", &agent_key, None)
            .await
            .0,
        403
    );
    assert_eq!(
        count(&app, "select max(updated_at) from auth.users").await,
        before
    );
    assert_eq!(count(&app, "select count(*) from auth.users").await, 2);
}
