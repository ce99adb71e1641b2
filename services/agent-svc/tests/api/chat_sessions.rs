//! The session resources: an agent's list in pages, one session's detail, PATCH and DELETE.

use serde_json::json as j;

use crate::chat::{session_events, start};
use crate::helpers::{agent, assert_error, send, spawn, tenant};

#[tokio::test]
async fn lists_detail_patch_and_delete_of_sessions() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let agent_id = agent(&app, &a, "coder").await;
    let other = agent(&app, &a, "writer").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(start(&app, &a.token, &agent_id, j!({})).await);
    }
    start(&app, &a.token, &other, j!({})).await;
    let path = "/v1/agents/coder/chat/sessions?limit=2";
    let (status, page) = send(&app, "GET", path, &a.token, None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        (page["total"].clone(), page["has_more"].clone()),
        (j!(3), j!(true))
    );
    let (_, rest) = send(&app, "GET", &format!("{path}&offset=2"), &a.token, None).await;
    let mut seen: Vec<String> = page["sessions"]
        .as_array()
        .into_iter()
        .chain(rest["sessions"].as_array())
        .flatten()
        .map(|s| s["id"].as_str().expect("id").to_owned())
        .collect();
    seen.sort();
    ids.sort();
    assert_eq!(seen, ids, "the pages cover the agent's sessions once");
    let (status, out) = send(
        &app,
        "GET",
        "/v1/agents/coder/chat/sessions?status=asleep",
        &a.token,
        None,
    )
    .await;
    assert_error(status, &out, 422, "validation_failed");

    // A session of another agent under this agent's path: 404.
    let (status, out) = send(
        &app,
        "GET",
        &format!("/v1/agents/{other}/chat/{}/status", ids[0]),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &out, 404, "session_not_found");

    let session = &ids[0];
    let patch = j!({"status": "completed", "key_resolution": "{\"source\": \"user\"}"});
    let (status, out) = send(
        &app,
        "PATCH",
        &format!("/v1/chat/sessions/{session}"),
        &a.token,
        Some(patch),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["status"], "completed");
    assert_eq!(out["key_resolution"], j!({"source": "user"}));
    assert!(out["completed_at"].is_i64());
    let (_, out) = send(
        &app,
        "GET",
        "/v1/agents/coder/chat/sessions?status=completed",
        &a.token,
        None,
    )
    .await;
    assert_eq!(out["total"], 1);
    let revive = j!({"status": "running"});
    let (status, out) = send(
        &app,
        "PATCH",
        &format!("/v1/chat/sessions/{session}"),
        &a.token,
        Some(revive),
    )
    .await;
    assert_error(status, &out, 409, "invalid_status_change");
    let bad = j!({"key_resolution": "not json"});
    let (status, out) = send(
        &app,
        "PATCH",
        &format!("/v1/chat/sessions/{session}"),
        &a.token,
        Some(bad),
    )
    .await;
    assert_error(status, &out, 422, "validation_failed");

    let (status, out) = send(
        &app,
        "DELETE",
        &format!("/v1/chat/sessions/{session}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(
        (status, out["status"].clone()),
        (200, j!("deleted")),
        "{out}"
    );
    let (status, out) = send(
        &app,
        "GET",
        &format!("/v1/chat/sessions/{session}"),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &out, 404, "session_not_found");
    let tail: Vec<String> = session_events(&app, &a, session)
        .await
        .into_iter()
        .rev()
        .take(2)
        .collect();
    assert_eq!(tail, ["CHAT_END_REQUESTED", "CHAT_SESSION_DELETED"]);
}
