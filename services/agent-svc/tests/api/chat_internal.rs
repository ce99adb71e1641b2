//! The engine's chat API: only a service credential of the session's tenant; status reports
//! follow the state machine, completing an answer is idempotent.

use serde_json::json as j;

use crate::chat::{session_events, start};
use crate::creds;
use crate::helpers::{agent, assert_error, send, spawn, tenant};

#[tokio::test]
async fn only_the_tenants_services_call_the_internal_chat_api() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let coder = agent(&app, &a, "coder").await;
    let session = start(&app, &a.token, &coder, j!({})).await;
    let agent_token = creds::agent(&app, &a, &coder);
    let calls = [
        ("GET", "/v1/internal/chat/sessions".to_owned(), None),
        (
            "PATCH",
            format!("/v1/internal/chat/sessions/{session}/container"),
            Some(j!({"container_id": "c1", "status": "running"})),
        ),
        (
            "PUT",
            format!("/v1/internal/chat/sessions/{session}/ensure"),
            Some(j!({"agent_id": coder, "model": "a/b"})),
        ),
        (
            "POST",
            format!("/v1/internal/chat/sessions/{session}/messages"),
            Some(j!({"role": "system", "content": "x"})),
        ),
        (
            "PATCH",
            format!("/v1/internal/chat/sessions/{session}/messages/latest-user"),
            Some(j!({"content": "x"})),
        ),
        (
            "PATCH",
            "/v1/internal/chat/messages/msg_abc/complete".to_owned(),
            Some(j!({"content": "x"})),
        ),
    ];
    for token in [&a.token, &agent_token] {
        for (method, path, body) in &calls {
            let (status, out) = send(&app, method, path, token, body.clone()).await;
            assert_eq!(status, 403, "{method} {path}: {out}");
        }
    }
    let (_, out) = send(
        &app,
        "GET",
        &format!("/v1/chat/sessions/{session}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(
        (out["status"].clone(), out["message_count"].clone()),
        (j!("starting"), j!(0))
    );
}

#[tokio::test]
async fn status_reports_follow_the_state_machine() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let coder = agent(&app, &a, "coder").await;
    let service = creds::service(&app, &a);
    let session = start(&app, &a.token, &coder, j!({})).await;
    let path = format!("/v1/internal/chat/sessions/{session}/container");
    let report = |status: &str| j!({"container_id": "rt-1", "status": status});

    let (status, out) = send(
        &app,
        "PATCH",
        &path,
        &service,
        Some(j!({"status": "dancing"})),
    )
    .await;
    assert_error(status, &out, 422, "validation_failed");
    let (status, out) = send(&app, "PATCH", &path, &service, Some(report("running"))).await;
    assert_eq!((status, out["changed"].clone()), (200, j!(true)), "{out}");
    let (_, again) = send(&app, "PATCH", &path, &service, Some(report("running"))).await;
    assert_eq!(again["changed"], false, "a repeated report changes nothing");
    let (_, detail) = send(
        &app,
        "GET",
        &format!("/v1/chat/sessions/{session}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(detail["container_id"], "rt-1");
    assert!(detail["started_at"].is_i64());

    let failed = j!({"status": "failed", "error": "the runtime died"});
    let (_, out) = send(&app, "PATCH", &path, &service, Some(failed)).await;
    assert_eq!(out["status"], "failed");
    // A late report from the dead runtime does not revive the session.
    let (_, out) = send(&app, "PATCH", &path, &service, Some(report("idle"))).await;
    assert_eq!(
        (out["status"].clone(), out["changed"].clone()),
        (j!("failed"), j!(false))
    );
    let (_, detail) = send(
        &app,
        "GET",
        &format!("/v1/chat/sessions/{session}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(
        (detail["status"].clone(), detail["error"].clone()),
        (j!("failed"), j!("the runtime died"))
    );
    assert!(detail["completed_at"].is_i64());

    let changes: Vec<_> = session_events(&app, &a, &session)
        .await
        .into_iter()
        .filter(|t| t == "CHAT_SESSION_STATUS_CHANGED")
        .collect();
    assert_eq!(changes.len(), 2, "running, failed");

    // The engine lists what it must resume by status.
    let (status, list) = send(
        &app,
        "GET",
        "/v1/internal/chat/sessions?status=failed&status=idle",
        &service,
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 1);
    let (status, out) = send(
        &app,
        "GET",
        "/v1/internal/chat/sessions?status=sleeping",
        &service,
        None,
    )
    .await;
    assert_error(status, &out, 422, "validation_failed");
}

#[tokio::test]
async fn ensure_records_and_completes_messages() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let coder = agent(&app, &a, "coder").await;
    let service = creds::service(&app, &a);
    let b_service = creds::service(&app, &b);

    let session = "chat_agt_legacy_1733650000000";
    let ensure = format!("/v1/internal/chat/sessions/{session}/ensure");
    let body = j!({"agent_id": "coder", "model": "openai/gpt-5"});
    let (status, out) = send(&app, "PUT", &ensure, &service, Some(body.clone())).await;
    assert_eq!((status, out["created"].clone()), (200, j!(true)), "{out}");
    let again = j!({"agent_id": coder, "model": "openai/gpt-5-mini", "status": "idle"});
    let (_, out) = send(&app, "PUT", &ensure, &service, Some(again)).await;
    assert_eq!(out["created"], false);
    // B's service cannot create A's session id in A, nor name A's agent.
    let (status, out) = send(&app, "PUT", &ensure, &b_service, Some(body)).await;
    assert_error(status, &out, 404, "agent_not_found");
    let (_, detail) = send(
        &app,
        "GET",
        &format!("/v1/chat/sessions/{session}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(
        (detail["model"].clone(), detail["status"].clone()),
        (j!("openai/gpt-5-mini"), j!("idle"))
    );

    let add = format!("/v1/internal/chat/sessions/{session}/messages");
    let (status, out) = send(
        &app,
        "POST",
        &add,
        &service,
        Some(j!({"role": "robot", "content": "x"})),
    )
    .await;
    assert_error(status, &out, 422, "validation_failed");
    let greeting = j!({"role": "assistant", "content": "Hi!", "tool_calls": [{"name": "recall"}]});
    let (status, out) = send(&app, "POST", &add, &service, Some(greeting)).await;
    assert_eq!(status, 200, "{out}");
    let latest = format!("/v1/internal/chat/sessions/{session}/messages/latest-user");
    let (status, out) = send(&app, "PATCH", &latest, &service, Some(j!({"content": "x"}))).await;
    assert_error(status, &out, 404, "message_not_found");

    let sent = format!("/v1/agents/coder/chat/{session}/message");
    let (_, queued) = send(
        &app,
        "POST",
        &sent,
        &a.token,
        Some(j!({"message": "[voice note]"})),
    )
    .await;
    let (status, out) = send(
        &app,
        "PATCH",
        &latest,
        &service,
        Some(j!({"content": "transcribed"})),
    )
    .await;
    assert_eq!(
        (status, out["message_id"].clone()),
        (200, queued["userMessageId"].clone()),
        "{out}"
    );

    let answer = queued["assistantMessageId"].as_str().expect("answer");
    let complete = format!("/v1/internal/chat/messages/{answer}/complete");
    // B's service on A's message: 404, nothing changed.
    let (status, out) = send(
        &app,
        "PATCH",
        &complete,
        &b_service,
        Some(j!({"content": "B"})),
    )
    .await;
    assert_error(status, &out, 404, "message_not_found");
    let done = j!({"content": "The answer.", "thinking": "hmm", "aborted": false});
    let (status, out) = send(&app, "PATCH", &complete, &service, Some(done)).await;
    assert_eq!(
        (status, out["already_completed"].clone()),
        (200, j!(false)),
        "{out}"
    );
    let (status, out) = send(
        &app,
        "PATCH",
        &complete,
        &service,
        Some(j!({"content": "Another."})),
    )
    .await;
    assert_eq!(
        (status, out["already_completed"].clone()),
        (200, j!(true)),
        "{out}"
    );

    let (_, detail) = send(
        &app,
        "GET",
        &format!("/v1/chat/sessions/{session}"),
        &a.token,
        None,
    )
    .await;
    let messages = detail["messages"].as_array().expect("messages");
    let contents: Vec<_> = messages.iter().map(|m| m["content"].clone()).collect();
    assert_eq!(contents, [j!("Hi!"), j!("transcribed"), j!("The answer.")]);
    assert_eq!(messages[0]["tool_calls"], j!([{"name": "recall"}]));
    assert_eq!(messages[2]["thinking"], "hmm");

    // The finished answer is announced once (the second complete changed nothing).
    let completed: Vec<_> = crate::chat::events(&app, &a)
        .await
        .into_iter()
        .filter(|e| e["type"] == "CHAT_MESSAGE_COMPLETED")
        .collect();
    assert_eq!(completed.len(), 1, "{completed:?}");
    assert_eq!(
        (
            &completed[0]["messageId"],
            &completed[0]["content"],
            &completed[0]["sessionType"]
        ),
        (&j!(answer), &j!("The answer."), &j!("chat"))
    );
}
