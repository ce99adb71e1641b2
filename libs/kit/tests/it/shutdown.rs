//! SIGTERM semantics: stop accepting, finish what is in flight, then exit.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use kit::testing::TestApp;

use crate::app::SVC;

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_millis(500)).await;
    "done"
}

#[tokio::test]
async fn in_flight_requests_finish_after_shutdown_starts() {
    let app = TestApp::spawn(SVC, |platform| {
        let routes = Router::new().route("/slow", get(slow));
        kit::http::service_router(platform, routes, utoipa::openapi::OpenApi::default())
    })
    .await;
    let client = app.client.clone();
    let in_flight = tokio::spawn(async move { client.get("/slow").send().await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    app.stop();
    let res = in_flight
        .await
        .expect("join")
        .expect("in-flight request completes");
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.expect("body"), "done");
    // New connections are refused once draining has finished.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(app.client.get("/health").send().await.is_err());
}
