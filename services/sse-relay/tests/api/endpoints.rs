//! Each endpoint's frames, as the monolith's clients read them.

use std::time::Duration;

use serde_json::json;

use crate::support::{open, relay};

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn run_stream_sends_message_frames_with_ids_and_named_heartbeats() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    let first = r
        .publish(
            &a.id,
            Some("run_one"),
            json!({"type": "RUN_CREATED", "runId": "run_one"}),
        )
        .await;
    let mut s = open(&r.url("/v1/events/stream/run_one"), &a.token).await;
    assert_eq!(s.status, 200);
    assert_eq!(s.headers["content-type"], "text/event-stream");
    assert_eq!(s.headers["cache-control"], "no-cache");
    assert_eq!(s.headers["x-accel-buffering"], "no");
    let replayed = s.next(WAIT).await.expect("replayed frame");
    assert_eq!(replayed.event.as_deref(), Some("message"));
    assert_eq!(replayed.id.as_deref(), Some(first.as_str()));
    assert_eq!(replayed.json()["type"], "RUN_CREATED");
    let live = r
        .publish(
            &a.id,
            Some("run_one"),
            json!({"type": "STEP_OUTPUT", "runId": "run_one", "chunk": "hi"}),
        )
        .await;
    let frame = s.next(WAIT).await.expect("live frame");
    assert_eq!(
        (frame.id.as_deref(), frame.json()["chunk"].as_str()),
        (Some(live.as_str()), Some("hi"))
    );
    // Idle: the monolith's named heartbeat (the test relay beats every second).
    let beat = s.next_any(Duration::from_secs(3)).await.expect("heartbeat");
    assert_eq!(beat.event.as_deref(), Some("heartbeat"));
    assert_eq!(
        beat.json(),
        json!({"run_id": "run_one", "status": "connected"})
    );
}

#[tokio::test]
async fn tenant_wide_streams_select_their_event_types() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    let mut all = open(&r.url("/v1/events/stream"), &a.token).await;
    let mut lifecycle = open(&r.url("/v1/events/events"), &a.token).await;
    let mut llm = open(&r.url("/v1/events/llm-calls"), &a.token).await;
    let mut sessions = open(&r.url("/v1/events/sessions"), &a.token).await;
    let mut chats = open(&r.url("/v1/events/chat-sessions"), &a.token).await;
    r.publish(
        &a.id,
        None,
        json!({"type": "PROJECT_CREATED", "projectId": "prj_1"}),
    )
    .await;
    r.publish(
        &a.id,
        None,
        json!({"type": "AGENT_STATE_CHANGED", "agentId": "agt_x", "newState": "working"}),
    )
    .await;
    r.publish(
        &a.id,
        None,
        json!({"type": "LLM_CALL_RECORDED", "agentId": "agt_x", "model": "m"}),
    )
    .await;
    r.publish(
        &a.id,
        None,
        json!({"type": "SESSION_CREATED", "sessionId": "s1", "agentId": "agt_x"}),
    )
    .await;
    r.publish(
        &a.id,
        None,
        json!({"type": "CHAT_SESSION_DELETED", "sessionId": "c1"}),
    )
    .await;

    let types: Vec<String> = all
        .take(5)
        .await
        .iter()
        .map(|f| f.json()["type"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "PROJECT_CREATED",
            "AGENT_STATE_CHANGED",
            "LLM_CALL_RECORDED",
            "SESSION_CREATED",
            "CHAT_SESSION_DELETED"
        ]
    );
    let f = lifecycle.next(WAIT).await.expect("lifecycle");
    assert_eq!(
        (f.event.as_deref(), f.json()["newState"].as_str()),
        (None, Some("working"))
    );
    assert_eq!(llm.next(WAIT).await.expect("llm").json()["model"], "m");
    let created = sessions.next(WAIT).await.expect("session").json();
    assert_eq!(
        (created["type"].as_str(), created["sessionId"].as_str()),
        (Some("created"), Some("s1"))
    );
    assert_eq!(
        chats.next(WAIT).await.expect("chat").json()["type"],
        "deleted"
    );
    // Nothing else reached the filtered streams.
    for s in [&mut lifecycle, &mut llm, &mut sessions, &mut chats] {
        assert_eq!(s.next(Duration::from_millis(500)).await, None);
    }
}

#[tokio::test]
async fn agent_streams_follow_one_agent() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    r.agents.add(&a.id, "agt_eric", "eric");
    r.publish(
        &a.id,
        None,
        json!({"type": "AGENT_STATE_CHANGED", "agentId": "agt_eric", "newState": "idle"}),
    )
    .await;
    r.publish(
        &a.id,
        None,
        json!({"type": "STEP_STARTED", "agentId": "agt_eric", "stepId": "plan"}),
    )
    .await;
    r.publish(
        &a.id,
        None,
        json!({"type": "STEP_STARTED", "agentId": "agt_other"}),
    )
    .await;

    let mut activity = open(&r.url("/v1/events/activity/eric?limit=5"), &a.token).await;
    assert_eq!(activity.status, 200);
    let opening = activity.take(4).await;
    let kinds: Vec<(String, String)> = opening
        .iter()
        .map(|f| {
            (
                f.json()["type"].as_str().unwrap_or("").to_owned(),
                f.json()["phase"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(kinds[0], ("AGENT_STATE_CHANGED".into(), "backfill".into()));
    assert_eq!(kinds[1], ("STEP_STARTED".into(), "backfill".into()));
    assert_eq!(kinds[2], ("current_state".into(), "backfill".into()));
    assert_eq!(opening[2].json()["data"]["state"], "idle");
    assert_eq!(
        opening[3].json(),
        json!({"type": "connected", "agentId": "agt_eric"})
    );

    let mut locks = open(&r.url("/v1/events/work-locks/agt_eric"), &a.token).await;
    let mut sessions = open(&r.url("/v1/events/sessions/eric"), &a.token).await;
    r.publish(
        &a.id,
        None,
        json!({"type": "WORK_LOCK_ACQUIRED", "agentId": "agt_other", "lockId": "l0"}),
    )
    .await;
    r.publish(
        &a.id,
        None,
        json!({"type": "WORK_LOCK_ACQUIRED", "agentId": "agt_eric", "lockId": "l1"}),
    )
    .await;
    r.publish(
        &a.id,
        None,
        json!({"type": "SESSION_COMPLETED", "agentId": "agt_eric", "sessionId": "s9"}),
    )
    .await;
    let lock = locks.next(WAIT).await.expect("lock").json();
    assert_eq!(
        (lock["type"].as_str(), lock["lockId"].as_str()),
        (Some("lock_acquired"), Some("l1"))
    );
    assert_eq!(
        sessions.next(WAIT).await.expect("session").json()["type"],
        "completed"
    );
    let live = activity.next(WAIT).await.expect("live activity").json();
    assert_eq!(
        (live["lockId"].as_str(), live["phase"].as_str()),
        (Some("l1"), Some("live"))
    );
}

#[tokio::test]
async fn session_streams_replay_with_stream_ids_then_connect() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    r.agents.add(&a.id, "agt_eric", "eric");
    r.agents.chat(&a.id, "agt_eric", "chat_eric_2");
    for (session, path) in [
        ("chat_eric_1", "/v1/events/sessions/chat_eric_1/events"),
        ("chat_eric_2", "/v1/agents/eric/chat/chat_eric_2/stream"),
    ] {
        let key = r.app.platform.keys.session_stream(&a.id, session);
        let first = r
            .xadd(&key, &json!({"type": "step_start", "timestamp": 1}))
            .await;
        let mut s = open(&r.url(path), &a.token).await;
        assert_eq!(s.status, 200, "{path}");
        let replayed = s.next(WAIT).await.expect("replay");
        assert_eq!(replayed.json()["stream_id"], first.as_str(), "{path}");
        assert_eq!(replayed.id.as_deref(), Some(first.as_str()));
        assert_eq!(
            s.next(WAIT).await.expect("connected").json(),
            json!({"type": "connected", "session_id": session})
        );
        let out = r
            .xadd(&key, &json!({"type": "output", "data": {"content": "tok"}}))
            .await;
        let live = s.next(WAIT).await.expect("live").json();
        assert_eq!(
            (live["type"].as_str(), live["stream_id"].as_str()),
            (Some("output"), Some(out.as_str()))
        );
    }
    // The engine's session stream: live only unless resumed, plain frames.
    let key = r.app.platform.keys.session_stream(&a.id, "chat_eric_1");
    let mut s = open(&r.url("/v1/sessions/chat_eric_1/stream"), &a.token).await;
    assert_eq!(s.status, 200);
    let id = r.xadd(&key, &json!({"type": "turn_end"})).await;
    let f = s.next(WAIT).await.expect("live");
    assert_eq!(
        (f.id.as_deref(), f.json()["type"].as_str()),
        (Some(id.as_str()), Some("turn_end"))
    );
}

#[tokio::test]
async fn swarm_stream_sends_its_state_then_progress_and_ends_with_the_swarm() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    let keys = &r.app.platform.keys;
    let state = json!({"swarm_id": "sw_1", "status": "running"});
    let _: () = redis::cmd("SET")
        .arg(keys.swarm_state(&a.id, "sw_1"))
        .arg(state.to_string())
        .query_async(&mut r.producer.clone())
        .await
        .expect("set");
    let mut s = open(&r.url("/v1/internal/swarm/sw_1/stream"), &a.token).await;
    assert_eq!(s.status, 200);
    let first = s.next(WAIT).await.expect("state");
    assert_eq!(
        (first.event.as_deref(), first.json()),
        (Some("state"), state)
    );
    let progress = keys.swarm_progress(&a.id, "sw_1");
    r.xadd(
        &progress,
        &json!({"type": "swarm:task_started", "task": "t1"}),
    )
    .await;
    assert_eq!(
        s.next(WAIT).await.expect("progress").json()["type"],
        "swarm:task_started"
    );
    r.xadd(&progress, &json!({"type": "swarm:completed"})).await;
    let tail = s
        .ends_within(WAIT)
        .await
        .expect("the stream ends with the swarm");
    assert!(
        tail.iter().any(|f| f.data.contains("swarm:completed")),
        "{tail:?}"
    );
}

#[tokio::test]
async fn mcp_logs_are_the_tenants_own() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    let b = r.app.tenant("b").await;
    let mut s = open(&r.url("/v1/mcp/logs/stream"), &a.token).await;
    assert_eq!(s.status, 200);
    assert_eq!(
        s.next(WAIT).await.expect("connected").event.as_deref(),
        Some("connected")
    );
    r.xadd_fields(
        &r.app.platform.keys.mcp_logs(&b.id),
        &[("line", "b secret"), ("level", "info"), ("ts", "1")],
    )
    .await;
    r.xadd_fields(
        &r.app.platform.keys.mcp_logs(&a.id),
        &[("line", "a line"), ("level", "info"), ("ts", "2")],
    )
    .await;
    let log = s.next(WAIT).await.expect("log");
    assert_eq!(log.event.as_deref(), Some("log"));
    assert_eq!(
        log.json(),
        json!({"line": "a line", "level": "info", "ts": "2"})
    );
}
