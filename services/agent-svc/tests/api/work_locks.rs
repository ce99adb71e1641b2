//! Work locks (`/v1/agents/{agent}/work-locks`): one live holder per key and agent, expiry
//! takeover, an agent token for its own agent only, other tenants 404, and the
//! WORK_LOCK_ACQUIRED / _RELEASED events on the tenant stream.

use std::time::Duration;

use serde_json::json as j;

use crate::helpers::{Tenant, agent, assert_error, send, spawn, tenant};
use crate::pulses::tenant_events;

/// A runtime's token: `agent_id`, scoped to `run`.
fn run_token(app: &kit::testing::TestApp, t: &Tenant, agent_id: &str, run: &str) -> String {
    let mut claims = kit::Claims::access(
        agent_id,
        t.id.clone(),
        kit::TokenKind::Agent,
        Duration::from_secs(900),
    );
    claims.agent_id = Some(agent_id.to_owned());
    claims.run_id = Some(run.to_owned());
    app.mint(&claims)
}

const RUN_1: &str = "run_0a1b2c3d4e5f6g71";
const RUN_2: &str = "run_0a1b2c3d4e5f6g72";

#[tokio::test]
async fn one_live_holder_per_key_expiry_takeover_and_events() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let coder = agent(&app, &a, "coder").await;
    let path = format!("/v1/agents/{coder}/work-locks");
    let (first, second) = (
        run_token(&app, &a, &coder, RUN_1),
        run_token(&app, &a, &coder, RUN_2),
    );
    let take = j!({"key": "repo:src/lib.rs", "summary": "refactor", "ttlSeconds": 60,
        "stepId": "implement", "runId": "run_ignored"});
    let (status, got) = send(&app, "POST", &path, &first, Some(take.clone())).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(
        (got["acquired"].clone(), got["lockId"].clone()),
        (j!(true), j!("repo:src/lib.rs"))
    );
    // Another run of the same agent is refused with the holder; the holder renews.
    let (status, held) = send(&app, "POST", &path, &second, Some(take.clone())).await;
    assert_error(status, &held, 409, "work_lock_held");
    assert_eq!(
        held["holder"]["runId"], RUN_1,
        "the token's run, not the body's"
    );
    assert_eq!(held["holder"]["summary"], "refactor");
    let (status, _) = send(&app, "POST", &path, &first, Some(take.clone())).await;
    assert_eq!(status, 200);
    // The ledger shows it.
    let (_, ledger) = send(
        &app,
        "GET",
        &format!("/v1/agents/{coder}/work-ledger"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(ledger["count"], 1, "{ledger}");
    assert_eq!(ledger["locks"][0]["lockId"], "repo:src/lib.rs");
    // Once expired, another holder takes it over.
    app.clock.advance(Duration::from_secs(61));
    let (status, got) = send(&app, "POST", &path, &second, Some(take)).await;
    assert_eq!(status, 200, "{got}");
    let (status, held) = send(
        &app,
        "POST",
        &path,
        &first,
        Some(j!({"key": "repo:src/lib.rs"})),
    )
    .await;
    assert_error(status, &held, 409, "work_lock_held");
    assert_eq!(held["holder"]["runId"], RUN_2);
    // Release: idempotent, only a removal is announced.
    let key = format!("{path}/repo:src%2Flib.rs");
    let (status, gone) = send(&app, "DELETE", &key, &second, None).await;
    assert_eq!(
        (status, gone["released"].clone()),
        (200, j!(true)),
        "{gone}"
    );
    let (status, gone) = send(&app, "DELETE", &key, &second, None).await;
    assert_eq!((status, gone["released"].clone()), (200, j!(false)));
    let (_, ledger) = send(
        &app,
        "GET",
        &format!("/v1/agents/{coder}/work-ledger"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(ledger["count"], 0, "{ledger}");

    let events = tenant_events(&app, &a).await;
    let kinds: Vec<&str> = events
        .iter()
        .filter_map(|e| e["type"].as_str())
        .filter(|t| t.starts_with("WORK_LOCK_"))
        .collect();
    assert_eq!(
        kinds,
        [
            "WORK_LOCK_ACQUIRED",
            "WORK_LOCK_ACQUIRED",
            "WORK_LOCK_ACQUIRED",
            "WORK_LOCK_RELEASED"
        ]
    );
    let acquired = events
        .iter()
        .find(|e| e["type"] == "WORK_LOCK_ACQUIRED")
        .expect("event");
    assert_eq!(
        (
            acquired["agentId"].clone(),
            acquired["lockId"].clone(),
            acquired["stepId"].clone()
        ),
        (j!(coder), j!("repo:src/lib.rs"), j!("implement"))
    );
    assert!(acquired["expiresAt"].is_i64());
}

#[tokio::test]
async fn an_agent_locks_only_for_itself_and_other_tenants_see_nothing() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let coder = agent(&app, &a, "coder").await;
    let writer = agent(&app, &a, "writer").await;
    let path = format!("/v1/agents/{coder}/work-locks");
    let body = j!({"key": "task:1", "summary": "s"});
    // The writer's token cannot take or release the coder's locks.
    let writer_token = run_token(&app, &a, &writer, RUN_1);
    let (status, err) = send(&app, "POST", &path, &writer_token, Some(body.clone())).await;
    assert_eq!(status, 403, "{err}");
    // Tenant B's user: 404 for A's agent, by id and by slug, on both routes.
    for p in [path.clone(), "/v1/agents/coder/work-locks".to_owned()] {
        let (status, err) = send(&app, "POST", &p, &b.token, Some(body.clone())).await;
        assert_error(status, &err, 404, "agent_not_found");
        let (status, err) = send(&app, "DELETE", &format!("{p}/task:1"), &b.token, None).await;
        assert_error(status, &err, 404, "agent_not_found");
    }
    // A's user may lock for the agent (by slug); the writer cannot release it.
    let (status, got) = send(
        &app,
        "POST",
        "/v1/agents/coder/work-locks",
        &a.token,
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    let (status, _) = send(
        &app,
        "DELETE",
        &format!("{path}/task:1"),
        &writer_token,
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (_, ledger) = send(
        &app,
        "GET",
        &format!("/v1/agents/{coder}/work-ledger"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(ledger["count"], 1, "nothing changed: {ledger}");
    assert!(
        tenant_events(&app, &b)
            .await
            .iter()
            .all(|e| !e["type"].as_str().unwrap_or("").starts_with("WORK_LOCK")),
        "B's stream carries nothing of A's locks"
    );
    // Bad input: clear 422s.
    for bad in [
        j!({"key": ""}),
        j!({"key": "k", "ttlSeconds": 3601}),
        j!({"key": "k", "ttlSeconds": 0}),
        j!({"key": "a\u{0}b"}),
    ] {
        let (status, err) = send(&app, "POST", &path, &a.token, Some(bad)).await;
        assert_eq!(status, 422, "{err}");
    }
}
