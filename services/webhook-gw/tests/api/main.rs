//! webhook-gw against real Postgres and Redis.

use kit::testing::TestApp;
use webhook_gw::{AppState, SERVICE};

#[test]
fn openapi_document_matches_the_committed_file() {
    kit::testing::openapi::assert_committed(&SERVICE, &webhook_gw::openapi());
}

#[tokio::test]
async fn serves_health_and_its_document() {
    let app = TestApp::spawn(SERVICE, |platform| {
        let config = Default::default();
        webhook_gw::router(AppState { platform, config })
    })
    .await;
    kit::testing::openapi::assert_serves_its_document(&app).await;
}
