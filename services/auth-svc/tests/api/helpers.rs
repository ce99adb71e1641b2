use auth_svc::config::AuthConfig;
use auth_svc::{AppState, SERVICE, router};
use kit::testing::{TestApp, json};
use serde_json::{Value, json as j};

pub const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
pub const PASSWORD: &str = "correct horse battery";

pub fn auth_config(extra: Value) -> AuthConfig {
    // Throttles far above what a test sends: tests/api/throttle.rs checks the real defaults.
    let mut base = j!({
        "secret_encryption_key": KEY,
        "register_max_per_ip": 100_000,
        "login_max_per_ip": 100_000,
        "login_max_per_account": 100_000,
        "refresh_max_per_ip": 100_000,
    });
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    serde_json::from_value(base).expect("auth config")
}

pub async fn spawn() -> TestApp {
    spawn_with(j!({})).await
}

/// With auth-svc settings overridden, e.g. `{"registration_enabled": false}`.
pub async fn spawn_with(extra: Value) -> TestApp {
    let config = auth_config(extra);
    TestApp::spawn(SERVICE, move |platform| {
        router(AppState::new(platform, config).expect("state"))
    })
    .await
}

pub async fn post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    json(
        app.client
            .post(path)
            .json(&body)
            .send()
            .await
            .expect("send"),
    )
    .await
}

pub async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    app.client.send(method, path, token, body).await
}

/// Registers a new tenant with its owner; returns the token response.
pub async fn register(app: &TestApp, email: &str) -> Value {
    let (status, body) = post(
        app,
        "/v1/auth/register",
        j!({"email": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

pub fn access(tokens: &Value) -> String {
    tokens["accessToken"]
        .as_str()
        .expect("access token")
        .to_owned()
}

pub fn refresh_token(tokens: &Value) -> String {
    tokens["refreshToken"]
        .as_str()
        .expect("refresh token")
        .to_owned()
}

pub async fn login(app: &TestApp, email: &str, password: &str) -> (u16, Value) {
    post(
        app,
        "/v1/auth/login",
        j!({"email": email, "password": password}),
    )
    .await
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.admin)
        .await
        .expect("count")
}
