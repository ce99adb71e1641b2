//! An agent's view of the projects: the projects it is on and its (or nobody's) tasks there,
//! with the agent confirmed in agent-svc (a fake here) for the caller's tenant.

use std::time::Duration;

use kit::{Claims, TokenKind};
use serde_json::json as j;
use shared_schemas::ids::TenantId;

use crate::fake_agent_svc::spawn_with_agents;
use crate::helpers::{assert_error, board, send, tenant};
use crate::task_support::create;
use crate::wf_support::count;

fn agent_token(app: &kit::testing::TestApp, tenant: &TenantId, agent: &str) -> String {
    let mut claims = Claims::access(
        format!("agent:{agent}"),
        tenant.clone(),
        TokenKind::Agent,
        Duration::from_secs(600),
    );
    claims.agent_id = Some(agent.to_owned());
    app.mint(&claims)
}

const ERIC: &str = "agt_eric00000000000";
const FINN: &str = "agt_finn00000000000";

#[tokio::test]
async fn an_agent_lists_its_projects_and_tasks_in_its_tenant_only() {
    let (app, fake) = spawn_with_agents().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    for (key, id) in [("eric", ERIC), (ERIC, ERIC), ("finn", FINN), (FINN, FINN)] {
        fake.add(&a.id, key, id);
    }
    let (p, _) = board(&app, &a, "Board").await;
    let (other, _) = board(&app, &a, "Other").await;
    let assign = |role: &str, agent: &str| Some(j!({"agentId": agent, "role": role}));
    for (project, agent, role) in [
        (&p, ERIC, "lead"),
        (&other, ERIC, "member"),
        (&p, FINN, "member"),
    ] {
        let path = format!("/v1/projects/{project}/agents");
        let (s, body) = send(&app, "POST", &path, &a.token, assign(role, agent)).await;
        assert_eq!(s, 200, "{body}");
    }
    let mine = create(
        &app,
        &a,
        &p,
        j!({"title": "Mine", "assignedAgent": ERIC, "priority": "P1"}),
    )
    .await;
    let open = create(&app, &a, &p, j!({"title": "Anyone's", "priority": "P0"})).await;
    create(&app, &a, &p, j!({"title": "Finn's", "assignedAgent": FINN})).await;

    // By slug or id: both projects, the lead role first.
    for agent in ["eric", ERIC] {
        let (s, list) = send(
            &app,
            "GET",
            &format!("/v1/agents/{agent}/projects"),
            &a.token,
            None,
        )
        .await;
        assert_eq!(s, 200, "{list}");
        assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
        assert_eq!(
            (list[0]["project_id"].as_str(), list[0]["role"].as_str()),
            (Some(p.as_str()), Some("lead"))
        );
        assert_eq!(list[0]["project_name"], "Board");
    }
    let tasks = format!("/v1/agents/eric/projects/{p}/tasks");
    let (s, list) = send(&app, "GET", &tasks, &a.token, None).await;
    assert_eq!(s, 200, "{list}");
    let ids: Vec<_> = list
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    assert_eq!(
        ids,
        vec![open["id"].clone(), mine["id"].clone()],
        "P0 first; Finn's left out"
    );
    let (_, none) = send(&app, "GET", &format!("{tasks}?status=done"), &a.token, None).await;
    assert_eq!(none, j!([]));

    // Its own agent credential reads; another agent's does not.
    let eric_token = agent_token(&app, &a.id, ERIC);
    let (s, _) = send(&app, "GET", &tasks, &eric_token, None).await;
    assert_eq!(s, 200);
    let finn_token = agent_token(&app, &a.id, FINN);
    let (s, _) = send(&app, "GET", &tasks, &finn_token, None).await;
    assert_eq!(s, 403);

    // An agent not on the project, bad input, unknown agents.
    let (s, body) = send(
        &app,
        "GET",
        &format!("/v1/agents/finn/projects/{other}/tasks"),
        &a.token,
        None,
    )
    .await;
    assert_error(s, &body, 403, "agent_not_on_project");
    let (s, body) = send(
        &app,
        "GET",
        &format!("{tasks}?status=Not%20A%20Status"),
        &a.token,
        None,
    )
    .await;
    assert_error(s, &body, 422, "validation_failed");
    let (s, body) = send(&app, "GET", "/v1/agents/nobody/projects", &a.token, None).await;
    assert_error(s, &body, 404, "agent_not_found");

    // Tenant B: A's agent (by id or slug) and A's project are not found; nothing changes.
    let tasks_of = "select count(*) from project.tasks where tenant_id = $1";
    let before = count(&app, tasks_of, a.id.as_str()).await;
    for path in [
        format!("/v1/agents/{ERIC}/projects"),
        "/v1/agents/eric/projects".to_owned(),
        format!("/v1/agents/{ERIC}/projects/{p}/tasks"),
    ] {
        let (s, body) = send(&app, "GET", &path, &b.token, None).await;
        assert_error(s, &body, 404, "agent_not_found");
    }
    assert_eq!(count(&app, tasks_of, a.id.as_str()).await, before);
}
