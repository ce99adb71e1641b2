//! engine-svc against real Postgres and Redis.

mod admission;
mod agent_state;
mod control;
mod fixtures;
mod pipelines;
mod pipelines_cache;
mod pipelines_seed;
mod pipelines_start;
mod pipelines_support;
mod pipelines_validate;
mod pipelines_walls;
mod reports;
mod requests;
mod routing;
mod session_events;
mod session_stop;
mod sessions;
mod support;
mod sweep;
mod walk;
mod workers;
mod workspaces;
mod workspaces_git;

use engine_svc::SERVICE;

#[test]
fn openapi_document_matches_the_committed_file() {
    kit::testing::openapi::assert_committed(&SERVICE, &engine_svc::openapi());
}

#[tokio::test]
async fn serves_health_and_its_document() {
    let e = support::engine().await;
    kit::testing::openapi::assert_serves_its_document(&e.app).await;
}
