//! A user's first minutes, through HAProxy to the real auth-svc binary.

use e2e::{Options, Stack};
use serde_json::{Value, json};

async fn post(stack: &Stack, path: &str, body: Value) -> (u16, Value) {
    let res = stack
        .http
        .post(format!("{}{path}", stack.base))
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn register_login_me_and_refresh_through_haproxy() {
    let stack = Stack::start(Options::default()).await;
    let (status, status_body) = {
        let res = stack.get("/v1/auth/status").send().await.expect("send");
        (
            res.status().as_u16(),
            res.json::<Value>().await.expect("json"),
        )
    };
    assert_eq!(
        (status, &status_body["setupComplete"]),
        (200, &json!(false))
    );

    let creds = json!({"email": "ada@example.com", "password": "correct horse battery"});
    let (status, tokens) = post(&stack, "/v1/auth/register", creds.clone()).await;
    assert_eq!(status, 201, "{tokens}");
    let (status, login) = post(&stack, "/v1/auth/login", creds).await;
    assert_eq!(status, 200, "{login}");
    let access = login["accessToken"].as_str().expect("token");
    let me: Value = stack
        .get("/v1/auth/me")
        .bearer_auth(access)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(me["email"], "ada@example.com");
    assert_eq!(me["tenantId"], tokens["tenantId"]);

    let (status, refreshed) = post(
        &stack,
        "/v1/auth/refresh",
        json!({"refreshToken": login["refreshToken"]}),
    )
    .await;
    assert_eq!(status, 200, "{refreshed}");
    // The session recorded the client address HAProxy forwarded.
    let ips: Vec<Option<String>> = sqlx::query_scalar("select ip_address from auth.user_sessions")
        .fetch_all(&stack.db.admin)
        .await
        .expect("sessions");
    assert!(
        ips.iter().all(|ip| ip.as_deref() == Some("127.0.0.1")),
        "{ips:?}"
    );
}
