//! First run: the platform administrator from configuration, `setupComplete`, and the setup token
//! that keeps a fresh install from being claimed over the network.

use auth_svc::flows::first_run::{Bootstrap, bootstrap_admin};
use auth_svc::{AppState, SERVICE, router};
use kit::testing::{TestApp, assert_error};
use serde_json::{Value, json};

use crate::helpers::*;

const SETUP_TOKEN: &str = "first-run-setup-token-0123456789";

/// auth-svc as outside dev mode, with auth-svc settings `extra`.
async fn spawn_production(extra: Value) -> TestApp {
    let config = auth_config(extra);
    TestApp::spawn_with(
        SERVICE,
        |c| c.djb_dev_mode = false,
        move |platform| router(AppState::new(platform, config).expect("state")),
    )
    .await
}

async fn setup_complete(app: &TestApp) -> Value {
    let (status, body) = kit::testing::json(
        app.client
            .get("/v1/auth/status")
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["setupComplete"].clone()
}

fn setup_body(token: Option<&str>) -> Value {
    let mut body = json!({"email": "root@first.run", "password": PASSWORD});
    if let Some(token) = token {
        body["setupToken"] = json!(token);
    }
    body
}

#[tokio::test]
async fn setup_complete_is_true_once_any_account_exists() {
    let app = spawn().await;
    assert_eq!(setup_complete(&app).await, false);
    register(&app, "first@tenant.io").await;
    // The reference's meaning (users > 0): the CLI offers a login as soon as accounts exist.
    assert_eq!(setup_complete(&app).await, true);
    let (status, body) = post(&app, "/v1/auth/setup", setup_body(None)).await;
    assert_error(status, &body, 409, "setup_complete");
    assert_eq!(
        count(&app, "select count(*) from auth.users where platform_admin").await,
        0
    );
}

#[tokio::test]
async fn outside_dev_mode_setup_needs_the_configured_token() {
    let app = spawn_production(json!({"setup_token": SETUP_TOKEN})).await;
    for token in [None, Some(""), Some("wrong-token"), Some(&SETUP_TOKEN[1..])] {
        let (status, body) = post(&app, "/v1/auth/setup", setup_body(token)).await;
        assert_error(status, &body, 401, "setup_token_invalid");
    }
    assert_eq!(count(&app, "select count(*) from auth.users").await, 0);
    assert_eq!(setup_complete(&app).await, false);

    let (status, tokens) = post(&app, "/v1/auth/setup", setup_body(Some(SETUP_TOKEN))).await;
    assert_eq!(status, 201, "{tokens}");
    assert_eq!(tokens["user"]["platformAdmin"], true);
    // One-time: once set up, the token opens nothing and setup answers as for any finished install.
    let again =
        json!({"email": "second@first.run", "password": PASSWORD, "setupToken": SETUP_TOKEN});
    let (status, body) = post(&app, "/v1/auth/setup", again).await;
    assert_error(status, &body, 409, "setup_complete");
    assert_eq!(setup_complete(&app).await, true);
}

#[tokio::test]
async fn outside_dev_mode_without_a_setup_token_setup_is_closed() {
    let app = spawn_production(json!({})).await;
    let (status, body) = post(&app, "/v1/auth/setup", setup_body(Some("anything"))).await;
    assert_error(status, &body, 403, "setup_disabled");
    assert_eq!(count(&app, "select count(*) from auth.users").await, 0);
}

#[tokio::test]
async fn dev_mode_setup_needs_a_token_only_when_one_is_configured() {
    let app = spawn_with(json!({"setup_token": SETUP_TOKEN})).await;
    let (status, body) = post(&app, "/v1/auth/setup", setup_body(None)).await;
    assert_error(status, &body, 401, "setup_token_invalid");
    let (status, _) = post(&app, "/v1/auth/setup", setup_body(Some(SETUP_TOKEN))).await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn bootstrap_creates_one_platform_admin_when_two_replicas_start_at_once() {
    let app = spawn().await;
    let config = auth_config(json!({
        "bootstrap_admin_email": "Admin@Djinn.Local", "bootstrap_admin_password": PASSWORD,
    }));
    let admin = config
        .bootstrap_admin()
        .expect("valid")
        .expect("configured");
    let hasher = config.hasher().expect("hasher");
    let pool = app.platform.db.pool();
    let (a, b) = tokio::join!(
        bootstrap_admin(pool, &hasher, &admin),
        bootstrap_admin(pool, &hasher, &admin)
    );
    let outcomes = [a.expect("first replica"), b.expect("second replica")];
    let created = outcomes
        .iter()
        .filter(|o| matches!(o, Bootstrap::Created { .. }))
        .count();
    assert_eq!(created, 1, "{outcomes:?}");
    assert!(outcomes.contains(&Bootstrap::AlreadyThere));
    assert_eq!(
        count(&app, "select count(*) from auth.users where platform_admin").await,
        1
    );
    assert_eq!(count(&app, "select count(*) from auth.tenants").await, 1);
    assert_eq!(
        count(&app, "select count(*) from auth.installation").await,
        1
    );
    // A restart changes nothing.
    assert_eq!(
        bootstrap_admin(pool, &hasher, &admin)
            .await
            .expect("restart"),
        Bootstrap::AlreadyThere
    );

    assert_eq!(setup_complete(&app).await, true);
    let (status, tokens) = login(&app, "admin@djinn.local", PASSWORD).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["user"]["platformAdmin"], true);
    assert_eq!(tokens["user"]["isAdmin"], true);
    let (status, body) = post(&app, "/v1/auth/setup", setup_body(None)).await;
    assert_error(status, &body, 409, "setup_complete");
}

#[tokio::test]
async fn bootstrap_after_a_setup_leaves_the_existing_admin_alone() {
    let app = spawn().await;
    let (status, _) = post(&app, "/v1/auth/setup", setup_body(None)).await;
    assert_eq!(status, 201);
    let config = auth_config(json!({
        "bootstrap_admin_email": "admin@djinn.local", "bootstrap_admin_password": PASSWORD,
    }));
    let admin = config
        .bootstrap_admin()
        .expect("valid")
        .expect("configured");
    let outcome = bootstrap_admin(
        app.platform.db.pool(),
        &config.hasher().expect("hasher"),
        &admin,
    )
    .await
    .expect("bootstrap");
    assert_eq!(outcome, Bootstrap::AlreadyThere);
    assert_eq!(count(&app, "select count(*) from auth.users").await, 1);
}

#[tokio::test]
async fn bootstrap_refuses_an_email_that_an_ordinary_account_holds() {
    let app = spawn().await;
    register(&app, "admin@djinn.local").await;
    let config = auth_config(json!({
        "bootstrap_admin_email": "admin@djinn.local", "bootstrap_admin_password": PASSWORD,
    }));
    let admin = config
        .bootstrap_admin()
        .expect("valid")
        .expect("configured");
    let err = bootstrap_admin(
        app.platform.db.pool(),
        &config.hasher().expect("hasher"),
        &admin,
    )
    .await
    .expect_err("the email is taken");
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(
        count(&app, "select count(*) from auth.users where platform_admin").await,
        0
    );
}

#[test]
fn bootstrap_settings_are_checked_and_the_password_never_shows() {
    let only_email = auth_config(json!({"bootstrap_admin_email": "admin@djinn.local"}));
    assert!(only_email.bootstrap_admin().is_err());
    let short = auth_config(json!({
        "bootstrap_admin_email": "admin@djinn.local", "bootstrap_admin_password": "short",
    }));
    assert!(short.bootstrap_admin().is_err());
    let bad_email = auth_config(json!({
        "bootstrap_admin_email": "not-an-email", "bootstrap_admin_password": PASSWORD,
    }));
    assert!(bad_email.bootstrap_admin().is_err());
    assert!(
        auth_config(json!({}))
            .bootstrap_admin()
            .expect("none")
            .is_none()
    );

    let config = auth_config(json!({
        "bootstrap_admin_email": "admin@djinn.local", "bootstrap_admin_password": PASSWORD,
        "setup_token": SETUP_TOKEN,
    }));
    let admin = config
        .bootstrap_admin()
        .expect("valid")
        .expect("configured");
    for shown in [format!("{config:?}"), format!("{admin:?}")] {
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert!(!shown.contains(SETUP_TOKEN), "{shown}");
    }
}
