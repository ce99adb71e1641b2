//! memory-svc against real Postgres and Redis.

use kit::testing::TestApp;
use memory_svc::{AppState, SERVICE};

#[test]
fn openapi_document_matches_the_committed_file() {
    kit::testing::openapi::assert_committed(&SERVICE, &memory_svc::openapi());
}

#[tokio::test]
async fn serves_health_and_its_document() {
    let app = TestApp::spawn(SERVICE, |platform| {
        memory_svc::router(AppState {
            platform,
            config: Default::default(),
        })
    })
    .await;
    let (status, _) =
        kit::testing::json(app.client.get("/health/ready").send().await.expect("ready")).await;
    assert_eq!(status, 200);
    let (status, doc) = kit::testing::json(
        app.client
            .get("/openapi.json")
            .send()
            .await
            .expect("document"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(doc["info"]["title"], format!("DjinnBot {}", SERVICE.name));
}
