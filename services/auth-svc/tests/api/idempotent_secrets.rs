//! An `Idempotency-Key` never leaves a secret in Redis (security review L1): the answers of
//! `POST /v1/auth/api-keys` and `/v1/auth/totp/setup` are not kept, and a replay says so.

use kit::testing::TestApp;
use serde_json::{Value, json};

use crate::helpers::*;

/// Every string value and stream entry under the test's prefix, as text.
async fn everything_in_redis(app: &TestApp) -> String {
    let mut conn = app.platform.redis.clone();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:*", app.platform.keys.prefix()))
        .query_async(&mut conn)
        .await
        .expect("keys");
    let mut all = String::new();
    for key in keys {
        let kind: String = redis::cmd("TYPE")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .expect("type");
        let value: redis::Value = match kind.as_str() {
            "string" => redis::cmd("GET").arg(&key).query_async(&mut conn).await,
            "stream" => {
                redis::cmd("XRANGE")
                    .arg(&key)
                    .arg("-")
                    .arg("+")
                    .query_async(&mut conn)
                    .await
            }
            "hash" => redis::cmd("HGETALL").arg(&key).query_async(&mut conn).await,
            _ => Ok(redis::Value::Nil),
        }
        .expect("read");
        all.push_str(&format!("{key} = {value:?}\n"));
    }
    all
}

async fn keyed_post(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    let key = format!("key-for-{path}");
    let res = app
        .client
        .post(path)
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&body)
        .send()
        .await
        .expect("send");
    kit::testing::json(res).await
}

#[tokio::test]
async fn a_keyed_api_key_create_leaves_no_secret_in_redis() {
    let app = spawn().await;
    let token = access(&register(&app, "owner@x.io").await);
    let (status, created) =
        keyed_post(&app, "/v1/auth/api-keys", &token, json!({"name": "ci"})).await;
    assert_eq!(status, 201, "{created}");
    let secret = created["key"].as_str().expect("key").to_owned();
    let stored = everything_in_redis(&app).await;
    assert!(
        !stored.contains(&secret),
        "the new key sits in Redis:\n{stored}"
    );
    assert!(
        !stored.contains(&secret[..12]),
        "a djb_ key or part of it sits in Redis:\n{stored}"
    );
    // The same request again creates nothing and does not hand the secret out again.
    let (status, body) = keyed_post(&app, "/v1/auth/api-keys", &token, json!({"name": "ci"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("idempotency_response_withheld"))
    );
    assert_eq!(count(&app, "select count(*) from auth.api_keys").await, 1);

    let (status, setup) = keyed_post(&app, "/v1/auth/totp/setup", &token, json!({})).await;
    assert_eq!(status, 200, "{setup}");
    let totp_secret = setup["secret"].as_str().expect("secret");
    assert!(!everything_in_redis(&app).await.contains(totp_secret));
}
