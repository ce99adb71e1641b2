//! Claims: atomic, only for claimable tasks, and exactly one winner among racing agents.

use std::sync::Arc;

use kit::testing::Method;
use serde_json::json as j;

use crate::helpers::{assert_error, board, send, spawn, tenant};
use crate::task_support::{agent_token, create, create_titled, events_of, task_path};

#[tokio::test]
async fn claiming_is_atomic_and_only_for_claimable_tasks() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "Board").await;
    let task = create_titled(&app, &a, &p, "Implement OAuth").await;
    let path = format!("{}/claim", task_path(&p, &task));

    let (status, body) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"agentId": "agt_one"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "claimed");
    let branch = format!("feat/{task}-implement-oauth");
    assert_eq!(body["branch"], j!(branch));
    let (_, again) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"agentId": "agt_one"})),
    )
    .await;
    assert_eq!(again["status"], "already_claimed");
    assert_eq!(again["branch"], j!(branch));
    let (status, res) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"agentId": "agt_two"})),
    )
    .await;
    assert_error(status, &res, 409, "already_claimed");
    let row = app
        .client
        .setup(Method::GET, &task_path(&p, &task), &a.token, None)
        .await;
    assert_eq!(row["assigned_agent"], "agt_one");
    assert_eq!(row["metadata"]["git_branch"], j!(branch));
    let claimed = events_of(&app, &a, "TASK_CLAIMED").await;
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0]["agentId"], "agt_one");

    // An agent claims for itself only; a finished task is not claimable.
    let other = create_titled(&app, &a, &p, "Other").await;
    let other_path = format!("{}/claim", task_path(&p, &other));
    let two = agent_token(&app, &a, "agt_two");
    let (status, res) = send(
        &app,
        "POST",
        &other_path,
        &two,
        Some(j!({"agentId": "agt_one"})),
    )
    .await;
    assert_error(status, &res, 403, "agent_scope");
    let (status, body) = send(
        &app,
        "POST",
        &other_path,
        &two,
        Some(j!({"agentId": "agt_two"})),
    )
    .await;
    assert_eq!((status, body["status"].clone()), (200, j!("claimed")));
    let done = create(&app, &a, &p, j!({"title": "Done", "status": "done"})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (status, res) = send(
        &app,
        "POST",
        &format!("{}/claim", task_path(&p, &done)),
        &a.token,
        Some(j!({"agentId": "agt_one"})),
    )
    .await;
    assert_error(status, &res, 400, "not_claimable");
    for bad in [
        j!({"agentId": "bob"}),
        j!({}),
        j!({"agentId": "agt_x", "extra": 1}),
    ] {
        let (status, res) = send(&app, "POST", &path, &a.token, Some(bad)).await;
        assert_error(status, &res, 422, "validation_failed");
    }
    assert_eq!(events_of(&app, &a, "TASK_CLAIMED").await.len(), 2);
}

#[tokio::test]
async fn of_agents_racing_for_a_task_exactly_one_wins() {
    let app = Arc::new(spawn().await);
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "Board").await;
    let task = create_titled(&app, &a, &p, "Prize").await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (app, token) = (app.clone(), a.token.clone());
        let path = format!("{}/claim", task_path(&p, &task));
        set.spawn(async move {
            send(
                &app,
                "POST",
                &path,
                &token,
                Some(j!({"agentId": format!("agt_racer{i}")})),
            )
            .await
        });
    }
    let mut statuses = Vec::new();
    while let Some(done) = set.join_next().await {
        let (status, body) = done.expect("join");
        if status == 409 {
            assert_eq!(body["code"], "already_claimed");
        }
        statuses.push(status);
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409, 409, 409, 409, 409, 409]);
    assert_eq!(events_of(&app, &a, "TASK_CLAIMED").await.len(), 1);
}
