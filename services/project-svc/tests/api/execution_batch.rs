//! Execution beyond one task: every ready task at once, the engine reporting a run's end,
//! planning runs, and starts rolled back.

use kit::TokenKind;
use kit::testing::Method;
use serde_json::json as j;

use crate::helpers::{assert_error, board, run_requests, send, spawn, task_row, tenant};
use crate::wf_support::{count, dependency, events_of, set_project, set_task, task_state};

#[tokio::test]
async fn execute_ready_starts_unblocked_tasks_one_per_agent() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    set_project(&app, &p, "default_pipeline_id", "engineering").await;
    let free = task_row(&app, &a, &p, &cols[1], "free", "ready").await;
    let done = task_row(&app, &a, &p, &cols[3], "done", "done").await;
    let after_done = task_row(&app, &a, &p, &cols[1], "after done", "ready").await;
    let running = task_row(&app, &a, &p, &cols[2], "running", "in_progress").await;
    let after_running = task_row(&app, &a, &p, &cols[1], "after running", "ready").await;
    dependency(&app, &a, &p, &done, &after_done).await;
    dependency(&app, &a, &p, &running, &after_running).await;
    set_task(&app, &running, "assigned_agent", "agt_busy").await;
    let busy_task = task_row(&app, &a, &p, &cols[1], "busy", "ready").await;
    set_task(&app, &busy_task, "assigned_agent", "agt_busy").await;

    let path = format!("/v1/projects/{p}/execute-ready");
    for bad in ["?max_tasks=0", "?max_tasks=51", "?max_tasks=lots"] {
        let (s, res) = send(&app, "POST", &format!("{path}{bad}"), &a.token, None).await;
        assert_error(s, &res, 422, "validation_failed");
    }
    let (s, body) = send(
        &app,
        "POST",
        &format!("{path}?max_tasks=10"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["status"], "requested");
    assert_eq!(body["executed"], 2);
    assert_eq!(body["skipped"], 1);
    let mut started: Vec<String> = body["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|x| x["task_id"].as_str().expect("id").to_owned())
        .collect();
    started.sort();
    let mut want = vec![free.clone(), after_done.clone()];
    want.sort();
    assert_eq!(started, want);
    assert_eq!(
        body["skipped_tasks"],
        j!([{"task_id": busy_task, "reason": "agent agt_busy is busy"}])
    );
    let requests = run_requests(&app).await;
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r["tenantId"] == a.id.as_str()));
    assert_eq!(task_state(&app, &after_running).await.0, "ready");
    assert_eq!(events_of(&app, &a, "TASK_EXECUTION_STARTED").await.len(), 2);
    assert_eq!(
        count(
            &app,
            "select count(*) from project.task_runs where project_id = $1",
            &p
        )
        .await,
        2
    );

    // Only the busy agent's task is left: nothing starts.
    let again = app.client.setup(Method::POST, &path, &a.token, None).await;
    assert_eq!(again["executed"], 0);
}

#[tokio::test]
async fn the_engine_reports_a_runs_end_once() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let t = task_row(&app, &a, &p, &cols[1], "one", "ready").await;
    let (s, started) = send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/tasks/{t}/execute"),
        &a.token,
        Some(j!({"pipelineId": "eng"})),
    )
    .await;
    assert_eq!(s, 200, "{started}");
    let run = started["run_id"].as_str().expect("run id").to_owned();
    let service = app.token(&a.id, "svc:engine-svc", TokenKind::Service);
    let end = |q: &str| format!("/v1/projects/{p}/tasks/{t}/run-completed?{q}");

    let (s, res) = send(
        &app,
        "POST",
        &end(&format!("run_id={run}&status=completed")),
        &a.token,
        None,
    )
    .await;
    assert_error(s, &res, 403, "forbidden");
    let (s, res) = send(
        &app,
        "POST",
        &end("run_id=run_other&status=completed"),
        &service,
        None,
    )
    .await;
    assert_error(s, &res, 404, "task_run_not_found");
    let (s, res) = send(
        &app,
        "POST",
        &end("run_id=nope&status=completed"),
        &service,
        None,
    )
    .await;
    assert_error(s, &res, 422, "validation_failed");
    let (s, res) = send(&app, "POST", &end("status=completed"), &service, None).await;
    assert_error(s, &res, 422, "validation_failed");
    let (s, res) = send(
        &app,
        "POST",
        &end(&format!("run_id={run}&status=paused")),
        &service,
        None,
    )
    .await;
    assert_eq!((s, res["status"].clone()), (200, j!("ignored")));
    assert_eq!(task_state(&app, &t).await.0, "in_progress");

    let (s, res) = send(
        &app,
        "POST",
        &end(&format!("run_id={run}&status=completed")),
        &service,
        None,
    )
    .await;
    assert_eq!(
        (s, res),
        (200, j!({"status": "updated", "task_status": "done"}))
    );
    let (status, column, run_id, _, _) = task_state(&app, &t).await;
    assert_eq!(
        (status.as_str(), column.as_str(), run_id),
        ("done", cols[3].as_str(), None)
    );
    let row: (String, Option<i64>) =
        sqlx::query_as("select status, completed_at from project.task_runs where task_id = $1")
            .bind(&t)
            .fetch_one(&app.db.admin)
            .await
            .expect("run");
    assert_eq!(row.0, "completed");
    assert!(row.1.is_some());

    let (s, res) = send(
        &app,
        "POST",
        &end(&format!("run_id={run}&status=failed")),
        &service,
        None,
    )
    .await;
    assert_eq!((s, res["status"].clone()), (200, j!("already_recorded")));
    assert_eq!(task_state(&app, &t).await.0, "done");
    let changed = events_of(&app, &a, "TASK_STATUS_CHANGED").await;
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0]["status"], "done");
    assert_eq!(changed[0]["runId"], j!(run));
}

#[tokio::test]
async fn planning_requests_a_run_over_the_project() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "Board").await;
    let path = format!("/v1/projects/{p}/plan");
    let (s, res) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"pipelineId": "../x"})),
    )
    .await;
    assert_error(s, &res, 422, "validation_failed");
    let (s, body) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"context": "small steps"})),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let run = body["run_id"].as_str().expect("run id").to_owned();
    assert_eq!(
        body,
        j!({"status": "requested", "project_id": p, "run_id": run, "pipeline_id": "planning"})
    );
    let requests = run_requests(&app).await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["tenantId"], j!(a.id.as_str()));
    assert_eq!(requests[0]["runId"], j!(run));
    assert_eq!(requests[0]["projectId"], j!(p));
    assert!(requests[0].get("taskId").is_none());
    assert_eq!(requests[0]["context"], "small steps");
    let planning = events_of(&app, &a, "PROJECT_PLANNING_STARTED").await;
    assert_eq!(planning.len(), 1);
    assert_eq!(planning[0]["pipelineId"], "planning");
    assert_eq!(planning[0]["runId"], j!(run));
}

/// Makes every change of `task`'s row fail inside the database, after its run was inserted.
async fn fail_updates_of(app: &kit::testing::TestApp, task: &str) {
    for sql in [
        "create function project.refuse_task_update() returns trigger language plpgsql as $$
         begin raise exception 'refused by the test'; end $$",
        &format!(
            "create trigger refuse_task_update before update on project.tasks
             for each row when (old.id = '{task}') execute function project.refuse_task_update()"
        ),
    ] {
        sqlx::query(sql)
            .execute(&app.db.admin)
            .await
            .expect("trigger");
    }
}

#[tokio::test]
async fn a_start_rolled_back_leaves_no_run_and_no_event() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    set_project(&app, &p, "default_pipeline_id", "engineering").await;
    let first = task_row(&app, &a, &p, &cols[1], "first", "ready").await;
    let second = task_row(&app, &a, &p, &cols[1], "second", "ready").await;
    set_task(&app, &first, "priority", "P0").await;
    fail_updates_of(&app, &second).await;

    // The first task's run is recorded before the second one fails: the batch rolls back whole.
    let (s, res) = send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/execute-ready"),
        &a.token,
        None,
    )
    .await;
    assert_error(s, &res, 500, "internal");
    let (s, res) = send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/tasks/{second}/execute"),
        &a.token,
        None,
    )
    .await;
    assert_error(s, &res, 500, "internal");

    assert_eq!(
        count(
            &app,
            "select count(*) from project.task_runs where project_id = $1",
            &p
        )
        .await,
        0
    );
    assert_eq!(task_state(&app, &first).await.0, "ready");
    assert!(run_requests(&app).await.is_empty());
    assert!(
        events_of(&app, &a, "TASK_EXECUTION_STARTED")
            .await
            .is_empty()
    );
}
