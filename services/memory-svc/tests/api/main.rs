//! memory-svc against real Postgres, Redis, files and the real agent-svc.

mod cleanup;
mod files;
mod graph;
mod paths;
mod scores;
mod search;
mod support;
mod tenancy;

use memory_svc::SERVICE;

#[test]
fn openapi_document_matches_the_committed_file() {
    kit::testing::openapi::assert_committed(&SERVICE, &memory_svc::openapi());
}

#[tokio::test]
async fn serves_health_and_its_document() {
    let m = support::spawn().await;
    kit::testing::openapi::assert_serves_its_document(&m.app).await;
}
