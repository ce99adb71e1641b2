//! Tenant B's credentials on tenant A's projects, tasks, workflows, agents and mappings: every
//! route answers 404, no run is requested, and A's rows are as they were.

use kit::TokenKind;
use kit::testing::{Method, id_of};
use serde_json::{Value, json as j};

use crate::helpers::{board, run_requests, send, spawn, task_row, tenant};
use crate::wf_support::events;

async fn snapshot(app: &kit::testing::TestApp, tenant: &str) -> Value {
    let row: (Value,) = sqlx::query_as(
        "select jsonb_build_object(
            'workflows', (select coalesce(jsonb_agg(w order by w.id), '[]') from project.project_workflows w where w.tenant_id = $1),
            'policies', (select coalesce(jsonb_agg(x order by x.id), '[]') from project.workflow_policies x where x.tenant_id = $1),
            'agents', (select coalesce(jsonb_agg(g order by g.agent_id), '[]') from project.project_agents g where g.tenant_id = $1),
            'routines', (select coalesce(jsonb_agg(r order by r.id), '[]') from project.project_agent_routines r where r.tenant_id = $1),
            'runs', (select coalesce(jsonb_agg(u order by u.id), '[]') from project.task_runs u where u.tenant_id = $1),
            'tasks', (select coalesce(jsonb_agg(t order by t.id), '[]') from project.tasks t where t.tenant_id = $1))",
    )
    .bind(tenant)
    .fetch_one(&app.db.admin)
    .await
    .expect("snapshot");
    row.0
}

#[tokio::test]
async fn tenant_b_reaches_none_of_tenant_as_workflows_agents_or_runs() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let t = task_row(&app, &a, &p, &cols[1], "one", "ready").await;
    let setup = |method, path: String, body| {
        let (client, token) = (&app.client, a.token.clone());
        async move { client.setup(method, &path, &token, body).await }
    };
    let wf = id_of(
        &setup(
            Method::POST,
            format!("/v1/projects/{p}/workflows"),
            Some(j!({"name": "E", "pipelineId": "eng", "isDefault": true})),
        )
        .await,
    );
    setup(
        Method::PUT,
        format!("/v1/projects/{p}/workflow-policy"),
        Some(j!({"stageRules": {"feature": [{"stage": "spec", "disposition": "required"}]}})),
    )
    .await;
    setup(
        Method::POST,
        format!("/v1/projects/{p}/agents"),
        Some(j!({"agentId": "agt_ada"})),
    )
    .await;
    let m = id_of(
        &setup(
            Method::POST,
            format!("/v1/projects/{p}/agents/agt_ada/routines"),
            Some(j!({"routineId": "pr_daily"})),
        )
        .await,
    );
    let (s, started) = send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/tasks/{t}/execute"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(s, 200, "{started}");
    let run = started["run_id"].as_str().expect("run id").to_owned();
    let before = snapshot(&app, a.id.as_str()).await;
    let requests_before = run_requests(&app).await;
    let a_events = events(&app, &a).await.len();

    let b_service = app.token(&b.id, "svc:engine-svc", TokenKind::Service);
    let pp = format!("/v1/projects/{p}");
    let routes: Vec<(&str, String, Option<Value>, &str)> = vec![
        ("GET", format!("{pp}/workflows"), None, "project_not_found"),
        (
            "POST",
            format!("{pp}/workflows"),
            Some(j!({"name": "x", "pipelineId": "x", "isDefault": true})),
            "project_not_found",
        ),
        (
            "PUT",
            format!("{pp}/workflows/{wf}"),
            Some(j!({"isDefault": false})),
            "project_not_found",
        ),
        (
            "DELETE",
            format!("{pp}/workflows/{wf}"),
            None,
            "project_not_found",
        ),
        (
            "GET",
            format!("{pp}/workflow-policy"),
            None,
            "project_not_found",
        ),
        (
            "PUT",
            format!("{pp}/workflow-policy"),
            Some(j!({"stageRules": {}})),
            "project_not_found",
        ),
        (
            "GET",
            format!("{pp}/tasks/{t}/workflow"),
            None,
            "project_not_found",
        ),
        ("GET", format!("{pp}/agents"), None, "project_not_found"),
        (
            "POST",
            format!("{pp}/agents"),
            Some(j!({"agentId": "agt_eve", "role": "lead"})),
            "project_not_found",
        ),
        (
            "PUT",
            format!("{pp}/agents/agt_ada"),
            Some(j!({"role": "lead"})),
            "project_not_found",
        ),
        (
            "DELETE",
            format!("{pp}/agents/agt_ada"),
            None,
            "project_not_found",
        ),
        (
            "GET",
            format!("{pp}/agents/agt_ada/routines"),
            None,
            "project_not_found",
        ),
        (
            "POST",
            format!("{pp}/agents/agt_ada/routines"),
            Some(j!({"routineId": "pr_x"})),
            "project_not_found",
        ),
        (
            "PUT",
            format!("{pp}/agents/agt_ada/routines/{m}"),
            Some(j!({"enabled": false})),
            "project_not_found",
        ),
        (
            "DELETE",
            format!("{pp}/agents/agt_ada/routines/{m}"),
            None,
            "project_not_found",
        ),
        (
            "GET",
            format!("{pp}/agents/agt_ada/routines/resolve"),
            None,
            "project_not_found",
        ),
        (
            "POST",
            format!("{pp}/tasks/{t}/execute"),
            Some(j!({"pipelineId": "eng"})),
            "project_not_found",
        ),
        (
            "POST",
            format!("{pp}/tasks/{t}/execute-agent"),
            Some(j!({"agentId": "agt_ada"})),
            "project_not_found",
        ),
        (
            "POST",
            format!("{pp}/execute-ready"),
            None,
            "project_not_found",
        ),
        ("POST", format!("{pp}/plan"), None, "project_not_found"),
    ];
    for (method, path, body, code) in &routes {
        let (s, res) = send(&app, method, path, &b.token, body.clone()).await;
        assert_eq!(
            (s, res["code"].as_str()),
            (404, Some(*code)),
            "{method} {path}: {res}"
        );
    }
    let (s, res) = send(
        &app,
        "POST",
        &format!("{pp}/tasks/{t}/run-completed?run_id={run}&status=completed"),
        &b_service,
        None,
    )
    .await;
    assert_eq!(
        (s, res["code"].as_str()),
        (404, Some("project_not_found")),
        "{res}"
    );

    // B's own project with A's task, workflow and mapping ids: 404 for those too.
    let (bp, _) = board(&app, &b, "Mine").await;
    app.client
        .setup(
            Method::POST,
            &format!("/v1/projects/{bp}/agents"),
            &b.token,
            Some(j!({"agentId": "agt_ada"})),
        )
        .await;
    for (method, path, body, code) in [
        (
            "PUT",
            format!("/v1/projects/{bp}/workflows/{wf}"),
            Some(j!({"name": "x"})),
            "workflow_not_found",
        ),
        (
            "DELETE",
            format!("/v1/projects/{bp}/workflows/{wf}"),
            None,
            "workflow_not_found",
        ),
        (
            "GET",
            format!("/v1/projects/{bp}/tasks/{t}/workflow"),
            None,
            "task_not_found",
        ),
        (
            "POST",
            format!("/v1/projects/{bp}/tasks/{t}/execute"),
            Some(j!({"pipelineId": "eng"})),
            "task_not_found",
        ),
        (
            "POST",
            format!("/v1/projects/{bp}/tasks/{t}/execute-agent"),
            Some(j!({"agentId": "agt_ada"})),
            "task_not_found",
        ),
        (
            "PUT",
            format!("/v1/projects/{bp}/agents/agt_ada/routines/{m}"),
            Some(j!({"enabled": false})),
            "routine_mapping_not_found",
        ),
        (
            "DELETE",
            format!("/v1/projects/{bp}/agents/agt_ada/routines/{m}"),
            None,
            "routine_mapping_not_found",
        ),
        (
            "POST",
            format!("/v1/projects/{bp}/agents/agt_ada/routines"),
            Some(j!({"routineId": "pr_y", "columnIds": [cols[0]]})),
            "validation_failed",
        ),
    ] {
        let (s, res) = send(&app, method, &path, &b.token, body).await;
        assert_eq!(
            res["code"].as_str(),
            Some(code),
            "{method} {path}: {s} {res}"
        );
    }

    assert_eq!(snapshot(&app, a.id.as_str()).await, before);
    assert_eq!(
        run_requests(&app).await,
        requests_before,
        "B requested no run"
    );
    assert_eq!(
        events(&app, &a).await.len(),
        a_events,
        "nothing announced on A's stream"
    );
}
