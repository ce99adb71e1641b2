//! project-svc's real client drives the engine: a planning run whose task breakdown lands on the
//! project's board, then one of those tasks executed by its agent.

mod engine_support;

use std::time::{Duration, Instant};

use engine_support::*;
use llm_fake::LlmFake;
use serde_json::{Value, json};

async fn tasks(stack: &e2e::Stack, t: &Tenant, project: &str) -> Vec<Value> {
    let path = format!("/v1/projects/{project}/tasks");
    let (status, body) = call(stack, &t.token, "GET", &path, None).await;
    assert_eq!(status, 200, "{body}");
    match body {
        Value::Array(tasks) => tasks,
        other => other["tasks"].as_array().cloned().unwrap_or_default(),
    }
}

/// The status of project-svc's record of `run` (`project.task_runs`), read with admin access.
async fn task_run_status(stack: &e2e::Stack, run: &str) -> Option<String> {
    sqlx::query_scalar("select status from project.task_runs where run_id = $1")
        .bind(run)
        .fetch_optional(&stack.db.admin)
        .await
        .expect("task run")
}

#[tokio::test]
async fn a_planning_run_puts_its_tasks_on_the_board_and_a_task_runs_with_its_agent() {
    let fake = LlmFake::start().await;
    let stack = stack(&fake, 0, &[]).await;
    let t = tenant(&stack, "ada@example.com", &fake, &["planner", "engineer"]).await;
    let model = model();
    // The planner's structured answer; `complete` of the execute step says it is done.
    fake.auto_json(
        &model,
        json!({"summary": "Two tasks.", "task_breakdown_json": [
            {"title": "Add login form", "description": "A form that logs in.", "priority": "P1",
             "estimatedHours": 3, "tags": ["ui"], "dependsOn": []},
            {"title": "Write login tests", "description": "Tests of the form.", "priority": "P2",
             "estimatedHours": 2, "tags": ["test"], "dependsOn": [0]}
        ]}),
    );
    fake.auto_outputs(
        &model,
        json!({"summary": "built the form", "status": "done"}),
    );
    // project-svc starts runs with the caller's keys (strictly): the owner shares the tenant's
    // provider with the tenant's users.
    let share = json!({"providerId": "custom-fake"});
    let (status, body) = call(
        &stack,
        &t.token,
        "POST",
        "/v1/admin/shared-providers",
        Some(share),
    )
    .await;
    assert!(status == 201 || status == 200, "{status} {body}");
    let settings = json!({"defaultWorkingModel": format!("custom-fake/{model}")});
    let (status, body) = call(&stack, &t.token, "PUT", "/v1/settings/", Some(settings)).await;
    assert_eq!(status, 200, "{body}");

    let project = json!({"name": "Login", "description": "Users log in with a password."});
    let (status, body) = call(&stack, &t.token, "POST", "/v1/projects/", Some(project)).await;
    assert_eq!(status, 201, "{body}");
    let p = body["id"].as_str().expect("project id").to_owned();
    for agent in ["planner", "engineer"] {
        let path = format!("/v1/projects/{p}/agents");
        let (status, body) = call(
            &stack,
            &t.token,
            "POST",
            &path,
            Some(json!({"agentId": agent})),
        )
        .await;
        assert!(status == 201 || status == 200, "{status} {body}");
    }

    let path = format!("/v1/projects/{p}/plan");
    let (status, body) = call(&stack, &t.token, "POST", &path, None).await;
    assert_eq!(status, 200, "{body}");
    let plan_run = body["run_id"].as_str().expect("run id").to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    let run = loop {
        let (status, run) = call(
            &stack,
            &t.token,
            "GET",
            &format!("/v1/runs/{plan_run}"),
            None,
        )
        .await;
        if status == 200
            && matches!(
                run["status"].as_str(),
                Some("completed" | "failed" | "cancelled")
            )
        {
            break run;
        }
        assert!(
            Instant::now() < deadline,
            "planning run {plan_run}: {status} {run}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["pipeline_id"], "planning", "{run}");

    // The import is retried until acknowledged: the tasks appear shortly after the run ends.
    let deadline = Instant::now() + Duration::from_secs(20);
    let board = loop {
        let board = tasks(&stack, &t, &p).await;
        if board.len() >= 2 {
            break board;
        }
        assert!(
            Instant::now() < deadline,
            "no tasks on the board: {board:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let titles: Vec<&str> = board.iter().filter_map(|t| t["title"].as_str()).collect();
    assert!(titles.contains(&"Add login form"), "{titles:?}");
    assert!(titles.contains(&"Write login tests"), "{titles:?}");

    let task = board
        .iter()
        .find(|t| t["title"] == "Add login form")
        .expect("task");
    let task_id = task["id"].as_str().expect("task id");
    let path = format!("/v1/projects/{p}/tasks/{task_id}/execute-agent");
    let (status, body) = call(
        &stack,
        &t.token,
        "POST",
        &path,
        Some(json!({"agentId": t.agent("engineer")})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let exec_run = body["run_id"]
        .as_str()
        .or_else(|| body["run"]["run_id"].as_str())
        .expect("run id")
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, run) = call(
            &stack,
            &t.token,
            "GET",
            &format!("/v1/runs/{exec_run}"),
            None,
        )
        .await;
        if status == 200 && run["status"] == "completed" {
            assert_eq!(run["pipeline_id"], "execute", "{run}");
            break;
        }
        assert!(
            Instant::now() < deadline
                && !matches!(run["status"].as_str(), Some("failed" | "cancelled")),
            "execute run {exec_run}: {status} {run}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // engine-svc reports the end to project-svc (retried until acknowledged).
    let deadline = Instant::now() + Duration::from_secs(20);
    while task_run_status(&stack, &exec_run).await.as_deref() != Some("completed") {
        assert!(
            Instant::now() < deadline,
            "project-svc's record of {exec_run}: {:?}",
            task_run_status(&stack, &exec_run).await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    wait_no_runtimes(&stack, Duration::from_secs(5)).await;
}
