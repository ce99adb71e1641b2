use serde_json::json;

use crate::helpers::*;

pub async fn refresh(app: &kit::testing::TestApp, token: &str) -> (u16, serde_json::Value) {
    post(app, "/v1/auth/refresh", json!({"refreshToken": token})).await
}

#[tokio::test]
async fn refresh_rotates_and_the_new_pair_works() {
    let app = spawn().await;
    let first = register(&app, "ada@x.io").await;
    let (status, second) = refresh(&app, &refresh_token(&first)).await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(refresh_token(&first), refresh_token(&second));
    assert_eq!(
        send(&app, "GET", "/v1/auth/me", &access(&second), None)
            .await
            .0,
        200
    );
    let (status, third) = refresh(&app, &refresh_token(&second)).await;
    assert_eq!(status, 200, "{third}");
    let hashes = count(
        &app,
        "select count(*) from auth.user_sessions where refresh_token_hash like 'djr_%'",
    )
    .await;
    assert_eq!(hashes, 0, "only hashes are stored");
}

#[tokio::test]
async fn logout_and_expiry_end_sessions() {
    let app = spawn().await;
    let tokens = register(&app, "ada@x.io").await;
    let (status, _) = post(
        &app,
        "/v1/auth/logout",
        json!({"refreshToken": refresh_token(&tokens)}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(refresh(&app, &refresh_token(&tokens)).await.0, 401);
    // Logging out with an unknown token is not an error.
    assert_eq!(
        post(
            &app,
            "/v1/auth/logout",
            json!({"refreshToken": "djr_unknown"})
        )
        .await
        .0,
        200
    );

    let short = spawn_with(json!({"auth_refresh_token_ttl": 0})).await;
    let tokens = register(&short, "ada@x.io").await;
    assert_eq!(refresh(&short, &refresh_token(&tokens)).await.0, 401);
    let (status, body) = refresh(&short, "garbage").await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
}
