//! AGENT_DELETED from agent-svc: the tenant's projects drop the agent; other tenants' events
//! change nothing, and a redelivered event is applied once.

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
    tokio::spawn(project_svc::workers::agent_cleanup::run(
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

/// Puts `agent` on `project` (through the API, checked).
async fn join(app: &kit::testing::TestApp, token: &str, project: &str, agent: &str) {
    let (status, body) = send(
        app,
        "POST",
        &format!("/v1/projects/{project}/agents"),
        token,
        Some(j!({"agentId": agent})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

async fn members(app: &kit::testing::TestApp, project: &str) -> Vec<String> {
    sqlx::query_scalar(
        "select agent_id from project.project_agents where project_id = $1 order by agent_id",
    )
    .bind(project)
    .fetch_all(&app.db.admin)
    .await
    .expect("members")
}

#[tokio::test]
async fn a_redelivered_agent_deleted_is_applied_once() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
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
    join(&app, &a.token, p, AGENT).await;

    let stop = CancellationToken::new();
    tokio::spawn(project_svc::workers::agent_cleanup::run(
        app.platform.clone(),
        stop.clone(),
    ));
    let publisher = app.platform.publisher();
    let event = deleted(&a.id);
    publisher.publish_event(&event).await.expect("publish");
    let mut removed = false;
    for _ in 0..100 {
        if members(&app, p).await.is_empty() {
            removed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(removed, "the first delivery removes the agent");

    // An agent of that id joins again; the same event delivered again must not remove it.
    // A second agent's deletion, published after it, shows when the redelivery was handled.
    join(&app, &a.token, p, AGENT).await;
    join(&app, &a.token, p, "agt_marker0000001").await;
    publisher.publish_event(&event).await.expect("redeliver");
    let marker = EventEnvelope::new(
        a.id.clone(),
        None,
        Event::AgentDeleted(AgentDeleted {
            agent_id: AgentId::parse("agt_marker0000001").expect("id"),
        }),
    );
    publisher.publish_event(&marker).await.expect("publish");
    for _ in 0..100 {
        if members(&app, p).await == vec![AGENT.to_owned()] {
            stop.cancel();
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("members: {:?}", members(&app, p).await);
}
