//! Requesting runs: the start request handed to engine-svc (`RUN_REQUESTED` on the global
//! stream, for the caller's tenant, with the run id project-svc chose), what is recorded with
//! it, and that a start rolled back leaves neither a run nor an event.

use kit::TokenKind;
use kit::testing::Method;
use serde_json::{Value, json as j};

use crate::helpers::{assert_error, board, run_requests, send, spawn, task_row, tenant};
use crate::wf_support::{count, events_of, set_project, set_task, task_state};

#[tokio::test]
async fn executing_a_task_requests_its_run_for_the_callers_tenant_and_records_it() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    set_project(&app, &p, "default_pipeline_id", "engineering").await;
    let t = task_row(&app, &a, &p, &cols[1], "Build the API", "ready").await;

    let (s, body) = send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/tasks/{t}/execute"),
        &a.token,
        Some(j!({"context": "use axum", "modelOverride": "gpt-x"})),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let run = body["run_id"].as_str().expect("run id").to_owned();
    assert!(run.starts_with("run_"), "{run}");
    assert_eq!(
        body,
        j!({"status": "requested", "task_id": t, "run_id": run, "pipeline_id": "engineering"})
    );

    let requests = run_requests(&app).await;
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(request["tenantId"], j!(a.id.as_str()));
    assert_eq!(request["runId"], j!(run));
    assert_eq!(request["pipelineId"], "engineering");
    assert_eq!(request["projectId"], j!(p));
    assert_eq!(request["taskId"], j!(t));
    assert_eq!(request["context"], "use axum");
    assert_eq!(request["modelOverride"], "gpt-x");
    assert_eq!(request["keyUserId"], j!(a.user));
    let prompt = request["task"].as_str().expect("task");
    assert!(
        prompt.contains("Build the API") && prompt.contains("[Project: Board]"),
        "{prompt}"
    );

    let (status, column, run_id, pipeline, _) = task_state(&app, &t).await;
    assert_eq!(
        (status.as_str(), column.as_str()),
        ("in_progress", cols[2].as_str())
    );
    assert_eq!(run_id.as_deref(), Some(run.as_str()));
    assert_eq!(pipeline.as_deref(), Some("engineering"));
    let runs: Vec<(String, String, String, Value)> = sqlx::query_as(
        "select run_id, pipeline_id, status, request from project.task_runs where task_id = $1",
    )
    .bind(&t)
    .fetch_all(&app.db.admin)
    .await
    .expect("runs");
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].0.as_str(), runs[0].1.as_str(), runs[0].2.as_str()),
        (run.as_str(), "engineering", "requested")
    );
    assert_eq!(runs[0].3["taskId"], j!(t));
    assert_eq!(runs[0].3["task"], request["task"]);

    let started = events_of(&app, &a, "TASK_EXECUTION_STARTED").await;
    assert_eq!(started.len(), 1, "{started:?}");
    assert_eq!(started[0]["runId"], j!(run));
    assert_eq!(started[0]["taskId"], j!(t));
    assert_eq!(started[0]["pipelineId"], "engineering");

    // Running now: a second start is refused and requests nothing.
    let (s, body) = send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/tasks/{t}/execute"),
        &a.token,
        None,
    )
    .await;
    assert_error(s, &body, 409, "task_not_executable");
    assert_eq!(run_requests(&app).await.len(), 1);
}

#[tokio::test]
async fn the_pipeline_is_the_one_named_then_the_workflow_then_the_default() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let exec = |t: &str| format!("/v1/projects/{p}/tasks/{t}/execute");
    let last_pipeline = || async {
        run_requests(&app)
            .await
            .last()
            .and_then(|r| r["pipelineId"].as_str().map(str::to_owned))
    };

    // No pipeline anywhere: 422, nothing requested, nothing written.
    let t1 = task_row(&app, &a, &p, &cols[0], "one", "backlog").await;
    let (s, body) = send(&app, "POST", &exec(&t1), &a.token, None).await;
    assert_error(s, &body, 422, "no_pipeline");
    assert!(run_requests(&app).await.is_empty());
    assert_eq!(
        count(
            &app,
            "select count(*) from project.task_runs where task_id = $1",
            &t1
        )
        .await,
        0
    );

    set_project(&app, &p, "default_pipeline_id", "proj-default").await;
    let wfs = format!("/v1/projects/{p}/workflows");
    let (_, default_wf) = send(
        &app,
        "POST",
        &wfs,
        &a.token,
        Some(j!({"name": "D", "pipelineId": "wf-default", "isDefault": true})),
    )
    .await;
    let (_, api_wf) = send(
        &app,
        "POST",
        &wfs,
        &a.token,
        Some(j!({"name": "A", "pipelineId": "wf-api", "taskFilter": {"tags": ["api"]}})),
    )
    .await;
    let (_, named_wf) = send(
        &app,
        "POST",
        &wfs,
        &a.token,
        Some(j!({"name": "N", "pipelineId": "wf-named"})),
    )
    .await;
    assert!(default_wf["id"].is_string() && api_wf["id"].is_string());

    let (s, _) = send(&app, "POST", &exec(&t1), &a.token, None).await;
    assert_eq!(s, 200);
    assert_eq!(last_pipeline().await.as_deref(), Some("wf-default"));

    let t2 = task_row(&app, &a, &p, &cols[0], "two", "backlog").await;
    sqlx::query("update project.tasks set tags = '[\"api\"]' where id = $1")
        .bind(&t2)
        .execute(&app.db.admin)
        .await
        .expect("tags");
    app.client
        .setup(Method::POST, &exec(&t2), &a.token, None)
        .await;
    assert_eq!(last_pipeline().await.as_deref(), Some("wf-api"));

    let t3 = task_row(&app, &a, &p, &cols[0], "three", "backlog").await;
    set_task(
        &app,
        &t3,
        "workflow_id",
        named_wf["id"].as_str().expect("id"),
    )
    .await;
    app.client
        .setup(Method::POST, &exec(&t3), &a.token, None)
        .await;
    assert_eq!(last_pipeline().await.as_deref(), Some("wf-named"));

    let t4 = task_row(&app, &a, &p, &cols[0], "four", "backlog").await;
    send(
        &app,
        "POST",
        &exec(&t4),
        &a.token,
        Some(j!({"workflowId": api_wf["id"]})),
    )
    .await;
    assert_eq!(last_pipeline().await.as_deref(), Some("wf-api"));
    let t5 = task_row(&app, &a, &p, &cols[0], "five", "backlog").await;
    send(
        &app,
        "POST",
        &exec(&t5),
        &a.token,
        Some(j!({"pipelineId": "explicit", "workflowId": api_wf["id"]})),
    )
    .await;
    assert_eq!(last_pipeline().await.as_deref(), Some("explicit"));

    // Without the workflows the project's default pipeline remains.
    sqlx::query("delete from project.project_workflows where project_id = $1")
        .bind(&p)
        .execute(&app.db.admin)
        .await
        .expect("delete");
    let t6 = task_row(&app, &a, &p, &cols[0], "six", "backlog").await;
    app.client
        .setup(Method::POST, &exec(&t6), &a.token, None)
        .await;
    assert_eq!(last_pipeline().await.as_deref(), Some("proj-default"));

    let t7 = task_row(&app, &a, &p, &cols[0], "seven", "backlog").await;
    let (s, body) = send(
        &app,
        "POST",
        &exec(&t7),
        &a.token,
        Some(j!({"workflowId": "wf_gone"})),
    )
    .await;
    assert_error(s, &body, 404, "workflow_not_found");
    for (bad, field) in [
        (j!({"pipelineId": "a b"}), "pipelineId"),
        (j!({"keyUserId": "someone"}), "keyUserId"),
        (j!({"modelOverride": ""}), "modelOverride"),
        (j!({"runAs": "root"}), "runAs"),
    ] {
        let (s, res) = send(&app, "POST", &exec(&t7), &a.token, Some(bad)).await;
        assert_error(s, &res, 422, "validation_failed");
        assert!(res.to_string().contains(field), "{res}");
    }
    assert_eq!(task_state(&app, &t7).await.0, "backlog");
    assert_eq!(events_of(&app, &a, "TASK_EXECUTION_STARTED").await.len(), 6);
}

#[tokio::test]
async fn every_start_answers_requested_without_engine_svc() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    set_project(&app, &p, "default_pipeline_id", "engineering").await;
    let one = task_row(&app, &a, &p, &cols[1], "one", "ready").await;
    let two = task_row(&app, &a, &p, &cols[1], "two", "ready").await;
    let three = task_row(&app, &a, &p, &cols[1], "three", "ready").await;
    let (s, res) = send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/agents"),
        &a.token,
        Some(j!({"agentId": "agt_ada"})),
    )
    .await;
    assert_eq!(s, 200, "{res}");

    let mut answered = Vec::new();
    for (path, body) in [
        (format!("/v1/projects/{p}/tasks/{one}/execute"), None),
        (
            format!("/v1/projects/{p}/tasks/{two}/execute-agent"),
            Some(j!({"agentId": "agt_ada"})),
        ),
        (format!("/v1/projects/{p}/execute-ready"), None),
        (format!("/v1/projects/{p}/plan"), None),
    ] {
        let (s, res) = send(&app, "POST", &path, &a.token, body).await;
        assert_eq!(
            (s, res["status"].as_str()),
            (200, Some("requested")),
            "{path}: {res}"
        );
        match res["tasks"].as_array() {
            Some(tasks) => answered.extend(tasks.iter().map(|t| t["run_id"].clone())),
            None => answered.push(res["run_id"].clone()),
        }
    }
    assert_eq!(answered.len(), 4, "{answered:?}");
    let requested: Vec<Value> = run_requests(&app)
        .await
        .iter()
        .map(|r| r["runId"].clone())
        .collect();
    assert_eq!(
        requested, answered,
        "one RUN_REQUESTED per answered run, in order"
    );
    assert_eq!(task_state(&app, &three).await.0, "in_progress");
}

#[tokio::test]
async fn executing_as_an_agent_needs_the_agent_on_the_project() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let t = task_row(&app, &a, &p, &cols[0], "one", "backlog").await;
    let path = format!("/v1/projects/{p}/tasks/{t}/execute-agent");
    let (s, res) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"agentId": "agt_ada"})),
    )
    .await;
    assert_error(s, &res, 404, "project_agent_not_found");
    let (s, res) = send(&app, "POST", &path, &a.token, Some(j!({"agentId": "ada"}))).await;
    assert_error(s, &res, 422, "validation_failed");
    send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/agents"),
        &a.token,
        Some(j!({"agentId": "agt_ada"})),
    )
    .await;
    // Agents do not start runs through this endpoint; users do.
    let agent = app.token(&a.id, "agt_ada", TokenKind::Agent);
    let (s, res) = send(
        &app,
        "POST",
        &path,
        &agent,
        Some(j!({"agentId": "agt_ada"})),
    )
    .await;
    assert_error(s, &res, 403, "forbidden");

    let (s, body) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"agentId": "agt_ada", "keyUserId": "usr_other"})),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["agent_id"], "agt_ada");
    assert_eq!(body["pipeline_id"], "execute");
    let requests = run_requests(&app).await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["tenantId"], j!(a.id.as_str()));
    assert_eq!(requests[0]["runId"], body["run_id"]);
    assert_eq!(requests[0]["agentId"], "agt_ada");
    assert_eq!(requests[0]["keyUserId"], "usr_other");
    let (status, _, _, pipeline, agent_id) = task_state(&app, &t).await;
    assert_eq!(status, "in_progress");
    assert_eq!(pipeline.as_deref(), Some("execute"));
    assert_eq!(agent_id.as_deref(), Some("agt_ada"));
    assert_eq!(events_of(&app, &a, "TASK_EXECUTION_STARTED").await.len(), 1);
}
