//! AGENT_DELETED from agent-svc: the tenant's projects drop the agent; other tenants' events
//! change nothing.

use std::time::Duration;

use serde_json::json as j;
use shared_schemas::events::platform::AgentDeleted;
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::{AgentId, TenantId};
use tokio_util::sync::CancellationToken;

use crate::helpers::{send, spawn, tenant};

const AGENT: &str = "agt_leaving000001";

fn deleted(tenant: &TenantId) -> EventEnvelope {
    let agent_id = AgentId::parse(AGENT).expect("id");
    EventEnvelope::new(
        tenant.clone(),
        None,
        Event::AgentDeleted(AgentDeleted { agent_id }),
    )
}

async fn state(app: &kit::testing::TestApp, project: &str) -> (i64, i64) {
    sqlx::query_as(
        "select (select count(*) from project.project_agents where project_id = $1),
                (select count(*) from project.tasks where project_id = $1 and assigned_agent is not null)",
    )
    .bind(project)
    .fetch_one(&app.db.admin)
    .await
    .expect("state")
}

#[tokio::test]
async fn a_deleted_agent_leaves_its_tenants_projects_only() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let (status, project) = send(
        &app,
        "POST",
        "/v1/projects/",
        &a.token,
        Some(j!({"name": "P"})),
    )
    .await;
    assert_eq!(status, 201, "{project}");
    let p = project["id"].as_str().expect("id");
    let (status, body) = send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/agents"),
        &a.token,
        Some(j!({"agentId": AGENT})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/tasks"),
        &a.token,
        Some(j!({"title": "t", "assignedAgent": AGENT})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(state(&app, p).await, (1, 1));

    let stop = CancellationToken::new();
    tokio::spawn(project_svc::cleanup::run(
        app.platform.clone(),
        stop.clone(),
    ));
    let publisher = app.platform.publisher();
    // Tenant B announcing the deletion of an agent with that id changes nothing of A's.
    publisher
        .publish_event(&deleted(&b.id))
        .await
        .expect("publish");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(state(&app, p).await, (1, 1));

    publisher
        .publish_event(&deleted(&a.id))
        .await
        .expect("publish");
    for _ in 0..100 {
        if state(&app, p).await == (0, 0) {
            stop.cancel();
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the agent was not removed: {:?}", state(&app, p).await);
}
