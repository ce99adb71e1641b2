//! Refresh-token reuse detection (security review M1): the grace window does not slide, a retry
//! inside it gets the successor it lost, a superseded token outside it ends the family, and a
//! family has an absolute lifetime. Time moves with `app.clock`, never with sleeps.

use std::time::Duration;

use kit::testing::TestApp;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::refresh::refresh;

async fn family_rows(app: &TestApp) -> (i64, i64) {
    let live = count(
        app,
        "select count(*) from auth.user_sessions where revoked_at is null",
    )
    .await;
    let reused = count(
        app,
        "select count(*) from auth.user_sessions where revoke_reason = 'reuse'",
    )
    .await;
    (live, reused)
}

async fn rotate(app: &TestApp, tokens: &Value) -> Value {
    let (status, next) = refresh(app, &refresh_token(tokens)).await;
    assert_eq!(status, 200, "{next}");
    next
}

#[tokio::test]
async fn a_retry_inside_the_grace_window_gets_the_same_successor() {
    let app = spawn().await;
    let t1 = register(&app, "ada@x.io").await;
    let t2 = rotate(&app, &t1).await;
    app.clock.advance(Duration::from_secs(5));
    let retry = rotate(&app, &t1).await;
    assert_eq!(
        refresh_token(&retry),
        refresh_token(&t2),
        "the lost response again, not a new token"
    );
    assert_eq!(
        send(&app, "GET", "/v1/auth/me", &access(&retry), None)
            .await
            .0,
        200
    );
    // The successor was not revoked by the retry: the client that holds it carries on.
    let t3 = rotate(&app, &t2).await;
    assert_ne!(refresh_token(&t3), refresh_token(&t2));
}

#[tokio::test]
async fn a_superseded_token_after_the_grace_window_ends_the_whole_family() {
    let app = spawn().await;
    let t1 = register(&app, "ada@x.io").await;
    let t2 = rotate(&app, &t1).await;
    let t3 = rotate(&app, &t2).await;
    app.clock.advance(Duration::from_secs(11));
    let (status, body) = refresh(&app, &refresh_token(&t1)).await;
    assert_eq!(status, 401, "{body}");
    assert!(body["detail"].as_str().expect("detail").contains("reuse"));
    assert_eq!(refresh(&app, &refresh_token(&t3)).await.0, 401);
    assert_eq!(refresh(&app, &refresh_token(&t2)).await.0, 401);
    let (live, reused) = family_rows(&app).await;
    assert_eq!(live, 0, "every token of the family is dead");
    assert!(reused >= 1, "the revocation says why");
}

#[tokio::test]
async fn replays_do_not_slide_the_grace_window() {
    let app = spawn().await;
    let t1 = register(&app, "ada@x.io").await;
    let t2 = rotate(&app, &t1).await;
    for _ in 0..2 {
        app.clock.advance(Duration::from_secs(4));
        let retry = rotate(&app, &t1).await;
        assert_eq!(refresh_token(&retry), refresh_token(&t2));
    }
    // 12 s after the rotation: the grace counted from the first rotation is over.
    app.clock.advance(Duration::from_secs(4));
    let (status, body) = refresh(&app, &refresh_token(&t1)).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(refresh(&app, &refresh_token(&t2)).await.0, 401);
    assert_eq!(family_rows(&app).await.0, 0);
}

#[tokio::test]
async fn a_retry_after_the_successor_was_used_gets_nothing() {
    let app = spawn().await;
    let t1 = register(&app, "ada@x.io").await;
    let t2 = rotate(&app, &t1).await;
    let t3 = rotate(&app, &t2).await;
    // Inside T1's grace, but its successor T2 is already spent: no token is handed out (a
    // second tab of the same client may do this, so the family is left alone until the grace
    // is over).
    let (status, _) = refresh(&app, &refresh_token(&t1)).await;
    assert_eq!(status, 401);
    let t4 = rotate(&app, &t3).await;
    assert_ne!(refresh_token(&t4), refresh_token(&t3));
}

#[tokio::test]
async fn two_concurrent_refreshes_of_one_token_share_one_successor() {
    let app = spawn().await;
    for n in 0..5 {
        let tokens = register(&app, &format!("ada{n}@x.io")).await;
        let presented = refresh_token(&tokens);
        let (a, b) = tokio::join!(refresh(&app, &presented), refresh(&app, &presented));
        let mut got: Vec<String> = [a, b]
            .iter()
            .filter(|(status, _)| *status == 200)
            .map(|(_, body)| refresh_token(body))
            .collect();
        got.dedup();
        assert_eq!(got.len(), 1, "one successor for both tabs: {got:?}");
        // The family survives: the successor rotates normally.
        let next = rotate(&app, &json!({"refreshToken": got[0]})).await;
        assert_eq!(
            send(&app, "GET", "/v1/auth/me", &access(&next), None)
                .await
                .0,
            200
        );
    }
}

#[tokio::test]
async fn a_family_ends_at_its_absolute_lifetime() {
    let app = spawn_with(json!({"auth_refresh_family_max_secs": 60})).await;
    let t1 = register(&app, "ada@x.io").await;
    app.clock.advance(Duration::from_secs(40));
    let t2 = rotate(&app, &t1).await;
    app.clock.advance(Duration::from_secs(21));
    let (status, body) = refresh(&app, &refresh_token(&t2)).await;
    assert_eq!(status, 401, "rotation never extends a family: {body}");
}
