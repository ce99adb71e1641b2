//! sse-relay against real Postgres and Redis.

use kit::testing::TestApp;
use sse_relay::{AppState, SERVICE};

#[test]
fn openapi_document_matches_the_committed_file() {
    kit::testing::openapi::assert_committed(&SERVICE, &sse_relay::openapi());
}

#[tokio::test]
async fn serves_health_and_its_document() {
    let app = TestApp::spawn(SERVICE, |platform| {
        let config = Default::default();
        sse_relay::router(AppState { platform, config })
    })
    .await;
    kit::testing::openapi::assert_serves_its_document(&app).await;
}
