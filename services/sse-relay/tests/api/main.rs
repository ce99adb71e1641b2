//! sse-relay against real Redis (and Postgres through kit): every stream's frames, resume,
//! tenant walls, and how streams end.

mod endpoints;
mod lifetime;
mod resume;
mod sse;
mod support;
mod walls;

use kit::testing::TestApp;
use sse_relay::SERVICE;

#[test]
fn openapi_document_matches_the_committed_file() {
    kit::testing::openapi::assert_committed(&SERVICE, &sse_relay::openapi());
}

#[tokio::test]
async fn serves_health_and_its_document() {
    let relay = support::relay().await;
    let app: &TestApp = &relay.app;
    kit::testing::openapi::assert_serves_its_document(app).await;
}
