//! Workflows: defaults, validation, deletion, and the module group's routes (the policy is in
//! `workflow_policy.rs`).

use kit::TokenKind;
use kit::testing::Method;
use serde_json::json as j;

use crate::helpers::{assert_error, board, send, spawn, task_row, tenant};
use crate::wf_support::{count, events_of, set_task};

fn wf_path(project: &str) -> String {
    format!("/v1/projects/{project}/workflows")
}

#[tokio::test]
async fn making_a_workflow_default_takes_the_default_from_the_previous_one() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "Board").await;
    let (s, first) = send(
        &app,
        "POST",
        &wf_path(&p),
        &a.token,
        Some(j!({
            "name": "Engineering", "pipelineId": "engineering", "isDefault": true,
            "taskFilter": {"tags": ["api"], "priority": ["P0", "P1"]}
        })),
    )
    .await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(first["pipeline_id"], "engineering");
    assert_eq!(first["is_default"], true);
    assert_eq!(first["trigger"], "manual");
    assert_eq!(
        first["task_filter"],
        j!({"tags": ["api"], "priority": ["P0", "P1"]})
    );
    assert!(first["id"].as_str().expect("id").starts_with("wf_"));

    let (s, second) = send(
        &app,
        "POST",
        &wf_path(&p),
        &a.token,
        Some(j!({
            "name": "Docs", "pipelineId": "docs", "isDefault": true, "trigger": "auto"
        })),
    )
    .await;
    assert_eq!(s, 200, "{second}");
    let list = app
        .client
        .setup(Method::GET, &wf_path(&p), &a.token, None)
        .await;
    let defaults: Vec<_> = list
        .as_array()
        .expect("list")
        .iter()
        .filter(|w| w["is_default"] == true)
        .map(|w| w["id"].clone())
        .collect();
    assert_eq!(defaults, vec![second["id"].clone()]);

    // Back to the first one, with a new name and filter.
    let first_id = first["id"].as_str().expect("id");
    let (s, body) = send(
        &app,
        "PUT",
        &format!("{}/{first_id}", wf_path(&p)),
        &a.token,
        Some(j!({
            "isDefault": true, "name": "Eng", "taskFilter": {"work_type": ["feature"]}
        })),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["status"], "updated");
    assert_eq!(body["workflow"]["name"], "Eng");
    assert_eq!(body["workflow"]["pipeline_id"], "engineering");
    assert_eq!(
        body["workflow"]["task_filter"],
        j!({"work_type": ["feature"]})
    );
    let defaults = count(
        &app,
        "select count(*) from project.project_workflows where project_id = $1 and is_default",
        &p,
    )
    .await;
    assert_eq!(defaults, 1);
    let list = app
        .client
        .setup(Method::GET, &wf_path(&p), &a.token, None)
        .await;
    assert_eq!(list[0]["is_default"], true);
    assert_eq!(list[1]["is_default"], false);

    let second_id = second["id"].as_str().expect("id");
    let (s, body) = send(
        &app,
        "DELETE",
        &format!("{}/{second_id}", wf_path(&p)),
        &a.token,
        None,
    )
    .await;
    assert_eq!((s, body), (200, j!({"status": "deleted"})));
    let (s, body) = send(
        &app,
        "DELETE",
        &format!("{}/{second_id}", wf_path(&p)),
        &a.token,
        None,
    )
    .await;
    assert_error(s, &body, 404, "workflow_not_found");
    let (s, body) = send(
        &app,
        "PUT",
        &format!("{}/{second_id}", wf_path(&p)),
        &a.token,
        Some(j!({"name": "x"})),
    )
    .await;
    assert_error(s, &body, 404, "workflow_not_found");

    // Two creates, one update, one delete; the refused ones announced nothing.
    let updates = events_of(&app, &a, "PROJECT_UPDATED").await;
    assert_eq!(updates.len(), 4, "{updates:?}");
    assert!(updates.iter().all(|e| e["projectId"] == j!(p)));
}

#[tokio::test]
async fn bad_workflows_are_refused_with_their_field_and_nothing_is_written() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "Board").await;
    let cases = [
        (j!({"name": "x", "pipelineId": "a/b"}), "pipelineId"),
        (j!({"name": "  ", "pipelineId": "eng"}), "name"),
        (
            j!({"name": "x", "pipelineId": "eng", "trigger": "cron"}),
            "trigger",
        ),
        (
            j!({"name": "x", "pipelineId": "eng", "taskFilter": {"priority": ["P9"]}}),
            "taskFilter.priority[0]",
        ),
        (
            j!({"name": "x", "pipelineId": "eng", "taskFilter": {"colour": ["red"]}}),
            "taskFilter",
        ),
        (
            j!({"name": "x", "pipelineId": "eng", "taskFilter": {"tags": [""]}}),
            "taskFilter.tags[0]",
        ),
        (
            j!({"name": "x", "pipelineId": "eng", "owner": "me"}),
            "owner",
        ),
        (j!({"name": "x"}), "body"),
    ];
    for (body, field) in cases {
        let (s, res) = send(&app, "POST", &wf_path(&p), &a.token, Some(body.clone())).await;
        assert_error(s, &res, 422, "validation_failed");
        assert!(res.to_string().contains(field), "{body} → {res}");
    }
    // Malformed JSON and an agent's credential.
    let res = app
        .client
        .post(&wf_path(&p))
        .bearer_auth(&a.token)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 400);
    let agent = app.token(&a.id, "agt_worker", TokenKind::Agent);
    let (s, res) = send(
        &app,
        "POST",
        &wf_path(&p),
        &agent,
        Some(j!({"name": "x", "pipelineId": "eng"})),
    )
    .await;
    assert_error(s, &res, 403, "forbidden");
    assert_eq!(
        count(
            &app,
            "select count(*) from project.project_workflows where project_id = $1",
            &p
        )
        .await,
        0
    );
    assert!(events_of(&app, &a, "PROJECT_UPDATED").await.is_empty());
    // An agent reads.
    let (s, _) = send(&app, "GET", &wf_path(&p), &agent, None).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn deleting_a_workflow_unlinks_the_tasks_that_named_it() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let (_, wf) = send(
        &app,
        "POST",
        &wf_path(&p),
        &a.token,
        Some(j!({"name": "E", "pipelineId": "eng"})),
    )
    .await;
    let id = wf["id"].as_str().expect("id");
    let t = task_row(&app, &a, &p, &cols[0], "one", "backlog").await;
    set_task(&app, &t, "workflow_id", id).await;
    let (s, _) = send(
        &app,
        "DELETE",
        &format!("{}/{id}", wf_path(&p)),
        &a.token,
        None,
    )
    .await;
    assert_eq!(s, 200);
    let linked = count(
        &app,
        "select count(*) from project.tasks where id = $1 and workflow_id is not null",
        &t,
    )
    .await;
    assert_eq!(linked, 0);
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_of_this_module_group() {
    let doc = project_svc::openapi();
    let json = serde_json::to_value(&doc).expect("json");
    for path in [
        "/v1/projects/{project_id}/workflows",
        "/v1/projects/{project_id}/workflows/{workflow_id}",
        "/v1/projects/{project_id}/workflow-policy",
        "/v1/projects/{project_id}/tasks/{task_id}/workflow",
        "/v1/projects/{project_id}/agents",
        "/v1/projects/{project_id}/agents/{agent_id}",
        "/v1/projects/{project_id}/agents/{agent_id}/routines",
        "/v1/projects/{project_id}/agents/{agent_id}/routines/{mapping_id}",
        "/v1/projects/{project_id}/agents/{agent_id}/routines/resolve",
        "/v1/projects/{project_id}/tasks/{task_id}/execute",
        "/v1/projects/{project_id}/tasks/{task_id}/execute-agent",
        "/v1/projects/{project_id}/execute-ready",
        "/v1/projects/{project_id}/tasks/{task_id}/run-completed",
        "/v1/projects/{project_id}/plan",
    ] {
        let item = &json["paths"][path];
        assert!(item.is_object(), "{path} missing");
        for (_, op) in item.as_object().expect("ops") {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for segment in path.split('/').filter(|s| s.starts_with('{')) {
                let name = segment.trim_matches(|c| c == '{' || c == '}');
                assert!(
                    params
                        .iter()
                        .any(|p| p["name"] == name && p["in"] == "path"),
                    "{path}: {name}"
                );
            }
        }
    }
}
