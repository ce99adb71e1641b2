//! The workflow policy and a task's resolved route.

use kit::TokenKind;
use kit::testing::Method;
use serde_json::json as j;

use crate::helpers::{assert_error, board, send, spawn, task_row, tenant};
use crate::wf_support::{events_of, set_task, set_task_json};

#[tokio::test]
async fn a_policy_is_created_replaced_and_checked() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "Board").await;
    let path = format!("/v1/projects/{p}/workflow-policy");
    let (s, body) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(
        (s, body),
        (
            200,
            j!({"exists": false, "project_id": p, "stage_rules": {}})
        )
    );

    let rules = j!({"feature": [
        {"stage": "spec", "disposition": "optional", "agent_role": "po"},
        {"stage": "implement", "disposition": "required"},
        {"stage": "review", "disposition": "required"},
        {"stage": "ux", "disposition": "skip"}
    ]});
    let (s, put) = send(
        &app,
        "PUT",
        &path,
        &a.token,
        Some(j!({"stageRules": rules})),
    )
    .await;
    assert_eq!(s, 200, "{put}");
    assert_eq!(put["stage_rules"], rules);
    let got = app.client.setup(Method::GET, &path, &a.token, None).await;
    assert_eq!(got["exists"], true);
    assert_eq!(got["id"], put["id"]);
    assert_eq!(got["stage_rules"], rules);

    let replaced = j!({"bugfix": [{"stage": "implement", "disposition": "required"}]});
    let (_, again) = send(
        &app,
        "PUT",
        &path,
        &a.token,
        Some(j!({"stageRules": replaced})),
    )
    .await;
    assert_eq!(again["id"], put["id"], "one policy per project");
    assert_eq!(again["stage_rules"], replaced);

    for (bad, field) in [
        (
            j!({"feature": [{"stage": "dance", "disposition": "required"}]}),
            "stageRules.feature[0].stage",
        ),
        (
            j!({"feature": [{"stage": "spec", "disposition": "maybe"}]}),
            "stageRules.feature[0].disposition",
        ),
        (
            j!({"feature": [{"stage": "spec", "disposition": "skip"}, {"stage": "spec", "disposition": "skip"}]}),
            "stageRules.feature[1].stage",
        ),
        (j!({"Feature Type": []}), "stageRules.Feature Type"),
        (j!({"feature": "all"}), "stageRules.feature"),
    ] {
        let (s, res) = send(&app, "PUT", &path, &a.token, Some(j!({"stageRules": bad}))).await;
        assert_error(s, &res, 422, "validation_failed");
        assert!(res.to_string().contains(field), "{res}");
    }
    let still = app.client.setup(Method::GET, &path, &a.token, None).await;
    assert_eq!(still["stage_rules"], replaced);
    assert_eq!(events_of(&app, &a, "PROJECT_UPDATED").await.len(), 2);
}

#[tokio::test]
async fn a_task_route_follows_the_policy_its_work_type_and_completed_stages() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let t = task_row(&app, &a, &p, &cols[2], "build", "in_progress").await;
    let path = format!("/v1/projects/{p}/tasks/{t}/workflow");

    let (s, none) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(s, 200, "{none}");
    assert_eq!(none["has_policy"], false);
    assert_eq!(none["current_stage"], "implement");
    assert_eq!(none["current_status"], "in_progress");
    assert_eq!(none["completed_stages"], j!([]));
    assert!(none["message"].is_string());

    let rules = j!({"feature": [
        {"stage": "spec", "disposition": "optional"},
        {"stage": "implement", "disposition": "required"},
        {"stage": "review", "disposition": "required"},
        {"stage": "ux", "disposition": "skip"},
        {"stage": "test", "disposition": "required"}
    ]});
    send(
        &app,
        "PUT",
        &format!("/v1/projects/{p}/workflow-policy"),
        &a.token,
        Some(j!({"stageRules": rules})),
    )
    .await;
    set_task(&app, &t, "work_type", "feature").await;
    set_task_json(&app, &t, "completed_stages", j!(["spec"])).await;
    let agent = app.token(&a.id, "agt_worker", TokenKind::Agent);
    let (s, route) = send(&app, "GET", &path, &agent, None).await;
    assert_eq!(s, 200, "{route}");
    assert_eq!(route["has_policy"], true);
    assert_eq!(route["work_type"], "feature");
    assert_eq!(route["task_id"], j!(t));
    assert_eq!(route["current_stage"], "implement");
    assert_eq!(
        route["required_stages"],
        j!(["implement", "review", "test"])
    );
    assert_eq!(route["skipped_stages"], j!(["ux"]));
    assert_eq!(route["completed_stages"], j!(["spec"]));
    assert_eq!(route["next_required_stage"], "review");
    assert_eq!(route["next_valid_stages"], j!(["review", "test"]));
    assert!(route.get("message").is_none());

    let (s, body) = send(
        &app,
        "GET",
        &format!("/v1/projects/{p}/tasks/tsk_nope/workflow"),
        &a.token,
        None,
    )
    .await;
    assert_error(s, &body, 404, "task_not_found");
}
