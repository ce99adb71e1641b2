//! The work queue: services enqueue, users and the agent read and cancel, the consumer takes.

use serde_json::{Value, json as j};

use crate::helpers::{agent, assert_error, send, set_up, spawn, tenant};
use crate::tokens::{agent_token, service_token};

fn step(step: &str) -> Value {
    j!({"kind": "step", "title": format!("Run {step}"), "runId": "run_abc", "step": step,
        "payload": {"input": step}, "priority": "high", "estimatedDuration": 60000})
}

#[tokio::test]
async fn items_queue_in_order_and_are_cancelled_taken_and_cleared() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "eric").await;
    let svc = service_token(&app, &a);
    let path = format!("/v1/agents/{id}/queue");

    let (status, first) = send(&app, "POST", &path, &svc, Some(step("SPEC"))).await;
    assert_eq!(status, 201, "{first}");
    assert!(first["id"].as_str().expect("id").starts_with("qi_"));
    assert_eq!(first["runId"], "run_abc");
    assert_eq!(first["priority"], "high");
    assert_eq!(first["payload"], j!({"input": "SPEC"}));
    assert!(first["queuedAt"].is_i64());
    let (_, second) = send(&app, "POST", &path, &svc, Some(j!({"kind": "pulse"}))).await;
    assert_eq!(second["priority"], "normal");
    assert_eq!(second["payload"], j!({}));
    assert!(second["runId"].is_null());

    let (status, queue) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(status, 200);
    assert_eq!(queue["length"], 2);
    assert_eq!(queue["items"][0], first);
    assert_eq!(queue["items"][1]["id"], second["id"]);

    let cancel = format!("{path}/cancel");
    let (_, res) = send(
        &app,
        "POST",
        &cancel,
        &a.token,
        Some(j!({"itemId": first["id"]})),
    )
    .await;
    assert_eq!(res, j!({"cancelled": true}));
    let (_, res) = send(
        &app,
        "POST",
        &cancel,
        &a.token,
        Some(j!({"itemId": first["id"]})),
    )
    .await;
    assert_eq!(res, j!({"cancelled": false}));
    let (_, res) = send(
        &app,
        "POST",
        &cancel,
        &a.token,
        Some(j!({"itemId": "qi_nope"})),
    )
    .await;
    assert_eq!(res, j!({"cancelled": false}));

    let take = format!("{path}/{}", second["id"].as_str().expect("id"));
    let (status, _) = send(&app, "DELETE", &take, &svc, None).await;
    assert_eq!(status, 204);
    let (status, err) = send(&app, "DELETE", &take, &svc, None).await;
    assert_error(status, &err, 404, "queue_item_not_found");
    let (_, queue) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(queue, j!({"items": [], "length": 0}));

    set_up(&app, "POST", &path, &svc, Some(step("IMPLEMENT"))).await;
    set_up(&app, "POST", &path, &svc, Some(step("REVIEW"))).await;
    let clear = format!("{path}/clear");
    let (status, err) = send(&app, "POST", &clear, &a.token, Some(j!({"confirm": false}))).await;
    assert_error(status, &err, 400, "confirm_required");
    let (_, queue) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(queue["length"], 2, "nothing cleared without confirm");
    let (_, res) = send(&app, "POST", &clear, &a.token, Some(j!({"confirm": true}))).await;
    assert_eq!(res, j!({"cleared": 2}));
    let (_, queue) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(queue["length"], 0);
}

#[tokio::test]
async fn only_services_enqueue_and_bad_items_are_refused() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "eric").await;
    let path = format!("/v1/agents/{id}/queue");
    for token in [a.token.clone(), agent_token(&app, &a, &id)] {
        let (status, _) = send(&app, "POST", &path, &token, Some(step("SPEC"))).await;
        assert_eq!(status, 403);
    }
    let svc = service_token(&app, &a);
    for (body, field) in [
        (j!({"kind": "Not A Kind"}), "kind"),
        (j!({"kind": "step", "payload": [1, 2]}), "payload"),
        (
            j!({"kind": "step", "estimatedDuration": -1}),
            "estimatedDuration",
        ),
        (j!({"kind": "step", "priority": "whenever"}), "priority"),
        (j!({"kind": "step", "runId": ""}), "runId"),
        (j!({"kind": "step", "colour": "red"}), "colour"),
        (j!({"title": "no kind"}), "kind"),
    ] {
        let (status, err) = send(&app, "POST", &path, &svc, Some(body.clone())).await;
        assert_error(status, &err, 422, "validation_failed");
        assert!(err.to_string().contains(field), "{field} missing in {err}");
    }
    let (status, err) = send(
        &app,
        "POST",
        &format!("{path}/cancel"),
        &a.token,
        Some(j!({})),
    )
    .await;
    assert_error(status, &err, 422, "validation_failed");
    let (status, err) = send(
        &app,
        "POST",
        &format!("{path}/clear"),
        &a.token,
        Some(j!({})),
    )
    .await;
    assert_error(status, &err, 422, "validation_failed");
    let (_, queue) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(queue["length"], 0, "nothing written");
}

#[tokio::test]
async fn an_agent_sees_its_own_queue_only() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "eric").await;
    let other = agent(&app, &a, "finn").await;
    let svc = service_token(&app, &a);
    set_up(
        &app,
        "POST",
        &format!("/v1/agents/{other}/queue"),
        &svc,
        Some(step("X")),
    )
    .await;
    let token = agent_token(&app, &a, &id);
    let (status, _) = send(&app, "GET", &format!("/v1/agents/{id}/queue"), &token, None).await;
    assert_eq!(status, 200);
    let theirs = format!("/v1/agents/{other}/queue");
    let (status, err) = send(&app, "GET", &theirs, &token, None).await;
    assert_error(status, &err, 403, "agent_scope");
    let (status, _) = send(
        &app,
        "POST",
        &format!("{theirs}/clear"),
        &token,
        Some(j!({"confirm": true})),
    )
    .await;
    assert_eq!(status, 403);
    let (_, queue) = send(&app, "GET", &theirs, &a.token, None).await;
    assert_eq!(queue["length"], 1);
}
