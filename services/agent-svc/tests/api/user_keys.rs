//! Users' own provider keys: encrypted at rest, masked, resolved for the engine.

use kit::crypto::SecretBox;
use serde_json::json as j;

use crate::creds;
use crate::helpers::{KEY, assert_error, send, spawn, tenant};

#[tokio::test]
async fn users_keep_their_own_keys_encrypted() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let key = "sk-user-own-0123456789abcdef";
    let (status, p) = send(
        &app,
        "PUT",
        "/v1/users/me/providers/openai",
        &a.token,
        Some(j!({"apiKey": key})),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        (p["configured"].clone(), p["sharedByAdmin"].clone()),
        (j!(true), j!(false))
    );
    assert!(!p.to_string().contains(key));
    let raw: String = sqlx::query_scalar(
        "select api_key_enc from agent.user_model_providers where tenant_id = $1 and user_id = $2",
    )
    .bind(a.id.as_str())
    .bind(&a.user)
    .fetch_one(&app.db.admin)
    .await
    .expect("raw");
    assert!(!raw.contains(key));
    assert_eq!(
        SecretBox::from_hex(KEY)
            .expect("key")
            .decrypt(&raw)
            .as_deref(),
        Ok(key)
    );
    let (_, list) = send(&app, "GET", "/v1/users/me/providers", &a.token, None).await;
    assert_eq!(list.as_array().expect("list").len(), 1);
    assert!(!list.to_string().contains(key));
    let (status, err) = send(
        &app,
        "PUT",
        "/v1/users/me/providers/nope",
        &a.token,
        Some(j!({"apiKey": "k"})),
    )
    .await;
    assert_error(status, &err, 404, "provider_not_found");
    let (status, _) = send(
        &app,
        "PUT",
        "/v1/users/me/providers/openai",
        &creds::service(&app, &a),
        Some(j!({"apiKey": "k"})),
    )
    .await;
    assert_eq!(status, 403, "services have no user keys");
    let (status, _) = send(
        &app,
        "DELETE",
        "/v1/users/me/providers/openai",
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, err) = send(
        &app,
        "DELETE",
        "/v1/users/me/providers/openai",
        &a.token,
        None,
    )
    .await;
    assert_error(status, &err, 404, "provider_not_found");
}
