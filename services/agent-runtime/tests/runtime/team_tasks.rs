//! The project task tools against the real project-svc (which asks the real agent-svc about
//! agents): the agent lists its tasks, claims one, moves it and comments on it; another
//! tenant's task is out of its reach.

use llm_fake::{LlmFake, Reply, ToolCall};
use serde_json::{Value, json};
use shared_schemas::ids::RunId;

use crate::common::{Harness, check_order, fake_env, tool_ends};
use crate::services::Services;

fn call(name: &str, args: Value) -> Reply {
    Reply::tool_calls(vec![ToolCall::new(name, args)])
}

/// A project of the tenant with `agent` on it and one ready task; `(project, task)`.
async fn project_with_task(svc: &Services, token: &str, agent: Option<&str>) -> (String, String) {
    let (status, project) = svc
        .call(
            "POST",
            format!("{}/v1/projects/", svc.project_svc),
            token,
            Some(json!({"name": "Board"})),
        )
        .await;
    assert_eq!(status, 201, "{project}");
    let p = project["id"].as_str().expect("id").to_owned();
    if let Some(agent) = agent {
        let (status, body) = svc
            .call(
                "POST",
                format!("{}/v1/projects/{p}/agents", svc.project_svc),
                token,
                Some(json!({"agentId": agent, "role": "member"})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, task) = svc
        .call(
            "POST",
            format!("{}/v1/projects/{p}/tasks", svc.project_svc),
            token,
            Some(json!({"title": "Implement OAuth", "status": "ready"})),
        )
        .await;
    assert_eq!(status, 201, "{task}");
    (p, task["id"].as_str().expect("id").to_owned())
}

#[tokio::test]
async fn the_agent_lists_claims_moves_and_comments_on_its_task() {
    let svc = Services::start().await;
    let (tenant, owner) = svc.tenant("Alpha").await;
    let (_, other_owner) = svc.tenant("Beta").await;
    let coder = svc.agent(&owner, "coder").await;
    let (p, task) = project_with_task(&svc, &owner, Some(&coder)).await;
    let (bp, btask) = project_with_task(&svc, &other_owner, None).await;
    let ids = json!({"project_id": p, "task_id": task});
    let with = |extra: Value| {
        let mut args = ids.clone();
        for (k, v) in extra.as_object().expect("object") {
            args[k] = v.clone();
        }
        args
    };
    let fake = LlmFake::start().await;
    fake.script(
        "m-tasks",
        vec![
            call("list_tasks", json!({})),
            call("claim_task", ids.clone()),
            call(
                "transition_task",
                with(json!({"status": "in_progress", "note": "starting"})),
            ),
            call(
                "comment_task",
                with(json!({"comment": "the callback URL needs HTTPS"})),
            ),
            call("claim_task", json!({"project_id": bp, "task_id": btask})),
            call("transition_task", ids.clone()),
            call("complete", json!({"outputs": {}})),
        ],
    );
    let run = RunId::generate();
    let mut env = fake_env(&fake);
    env.extend(svc.runtime_env(&coder, svc.agent_token(&tenant, &coder, &run)));
    let mut rt = Harness::start_as(tenant.clone(), run, "custom-fake/m-tasks", &env).await;
    rt.send(json!({"type": "agentStep", "requestId": "r1", "prompt": "work", "timestamp": 1}))
        .await;
    let messages = rt.until_idle("r1").await;
    assert!(check_order(&messages, "r1").success);
    let ends = tool_ends(&messages);
    assert!(
        ends[0].2 && ends[0].1.contains(&task) && ends[0].1.contains("Implement OAuth"),
        "{ends:?}"
    );
    assert!(ends[1].2 && ends[1].1.contains("claimed"), "{ends:?}");
    assert!(
        ends[2].2 && ends[2].1.contains("now in_progress"),
        "{ends:?}"
    );
    assert!(ends[3].2 && ends[3].1.contains("comment added"), "{ends:?}");
    assert!(
        !ends[4].2 && ends[4].1.contains("HTTP 404"),
        "another tenant's task: {ends:?}"
    );
    assert!(
        !ends[5].2 && ends[5].1.contains("`status` or `column_id`"),
        "{ends:?}"
    );

    let (_, row) = svc
        .call(
            "GET",
            format!("{}/v1/projects/{p}/tasks/{task}", svc.project_svc),
            &owner,
            None,
        )
        .await;
    assert_eq!(
        row["assigned_agent"]
            .as_str()
            .or(row["assignedAgent"].as_str()),
        Some(coder.as_str()),
        "{row}"
    );
    assert_eq!(row["status"], "in_progress", "{row}");
    assert!(
        row["metadata"]["transition_notes"]
            .to_string()
            .contains("the callback URL needs HTTPS"),
        "{row}"
    );
    // B's task is untouched.
    let (_, brow) = svc
        .call(
            "GET",
            format!("{}/v1/projects/{bp}/tasks/{btask}", svc.project_svc),
            &other_owner,
            None,
        )
        .await;
    assert!(
        brow["assigned_agent"].is_null() && brow["assignedAgent"].is_null(),
        "{brow}"
    );
    rt.shutdown().await;
}
