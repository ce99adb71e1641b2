//! Who reaches a chat session: an agent credential only its own agent's sessions, another
//! tenant's credentials none at all (404, nothing changed, nothing announced).

use serde_json::json as j;

use crate::chat::{events, message, start};
use crate::creds;
use crate::helpers::{agent, send, spawn, tenant};

#[tokio::test]
async fn agent_credentials_reach_only_their_own_agents_sessions() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let coder = agent(&app, &a, "coder").await;
    let writer = agent(&app, &a, "writer").await;
    let session = start(&app, &a.token, &coder, j!({})).await;
    let own = creds::agent(&app, &a, &coder);
    let foreign = creds::agent(&app, &a, &writer);

    let (status, _) = send(
        &app,
        "GET",
        &format!("/v1/chat/sessions/{session}"),
        &own,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, out) = message(&app, &own, &coder, &session, "note to self").await;
    assert_eq!(status, 200, "{out}");
    for (method, path) in [
        ("GET", format!("/v1/chat/sessions/{session}")),
        ("DELETE", format!("/v1/chat/sessions/{session}")),
        ("POST", format!("/v1/agents/{coder}/chat/{session}/end")),
        ("POST", format!("/v1/agents/{coder}/chat/start")),
        ("GET", format!("/v1/agents/{coder}/chat/sessions")),
    ] {
        let (status, out) = send(&app, method, &path, &foreign, None).await;
        assert_eq!(status, 403, "{method} {path}: {out}");
    }
    let (_, out) = send(
        &app,
        "GET",
        &format!("/v1/chat/sessions/{session}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(out["status"], "starting", "nothing changed");
}

#[tokio::test]
async fn tenant_b_cannot_see_or_drive_tenant_as_sessions() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let coder = agent(&app, &a, "coder").await;
    agent(&app, &b, "coder").await;
    let session = start(&app, &a.token, &coder, j!({})).await;
    let before = events(&app, &a).await.len();
    let b_service = creds::service(&app, &b);
    for token in [&b.token, &b_service] {
        for (method, path, body) in [
            ("GET", format!("/v1/chat/sessions/{session}"), None),
            (
                "PATCH",
                format!("/v1/chat/sessions/{session}"),
                Some(j!({"status": "failed"})),
            ),
            ("DELETE", format!("/v1/chat/sessions/{session}"), None),
            (
                "POST",
                format!("/v1/agents/coder/chat/{session}/message"),
                Some(j!({"message": "hi"})),
            ),
            ("POST", format!("/v1/agents/coder/chat/{session}/end"), None),
            (
                "POST",
                format!("/v1/agents/coder/chat/{session}/stop"),
                None,
            ),
            (
                "POST",
                format!("/v1/agents/coder/chat/{session}/restart"),
                None,
            ),
            (
                "GET",
                format!("/v1/agents/coder/chat/{session}/status"),
                None,
            ),
            (
                "PATCH",
                format!("/v1/agents/coder/chat/{session}/model?model=a/b"),
                None,
            ),
            ("GET", format!("/v1/agents/{coder}/chat/sessions"), None),
        ] {
            let (status, out) = send(&app, method, &path, token, body).await;
            assert_eq!(status, 404, "{method} {path}: {out}");
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
    assert_eq!(
        events(&app, &a).await.len(),
        before,
        "nothing announced for A"
    );
}
