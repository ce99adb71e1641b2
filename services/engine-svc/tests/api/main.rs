//! engine-svc against real Postgres and Redis.

mod pipelines;
mod pipelines_cache;
mod pipelines_seed;
mod pipelines_start;
mod pipelines_support;
mod pipelines_validate;
mod pipelines_walls;

use engine_svc::{AppState, SERVICE};
use kit::testing::TestApp;

#[test]
fn openapi_document_matches_the_committed_file() {
    kit::testing::openapi::assert_committed(&SERVICE, &engine_svc::openapi());
}

#[tokio::test]
async fn serves_health_and_its_document() {
    let app = TestApp::spawn(SERVICE, |platform| {
        let config = Default::default();
        engine_svc::router(AppState { platform, config })
    })
    .await;
    kit::testing::openapi::assert_serves_its_document(&app).await;
}
