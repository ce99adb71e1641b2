//! The engine's side of the protocol against the real agent-runtime.

use std::time::Duration;

use engine_svc::runtimes::session::{RuntimeSession, SessionError};
use shared_schemas::ids::{RunId, TenantId};
use shared_schemas::runtime::{AgentStep, RuntimeCommand, RuntimeMessage, Shutdown};

use crate::{harness, start_request};

fn step(request: &str) -> RuntimeCommand {
    RuntimeCommand::AgentStep(AgentStep {
        request_id: request.into(),
        prompt: "hello".into(),
        tools: Vec::new(),
        max_steps: 3,
        attachments: None,
        model: None,
        system_prompt: None,
        timestamp: 0,
    })
}

#[tokio::test]
async fn an_unacknowledged_command_is_sent_once_more_then_reported() {
    let h = harness(|_| {}, None).await;
    let (tenant, run) = (TenantId::generate(), RunId::generate());
    h.rt.start(start_request(&tenant, &run))
        .await
        .expect("start");
    let mut session = RuntimeSession::open(&h.rt, &tenant, &run)
        .await
        .expect("session");
    session.wait_ready().await.expect("ready");
    // This runtime answers requests with an error, never `busy`: two sends, two answers.
    let sent = session.send(&step("req-1")).await;
    assert!(
        matches!(sent, Err(SessionError::NotAcknowledged(ref id)) if id == "req-1"),
        "{sent:?}"
    );
    let mut answers = 0;
    while let Some(message) = session
        .next(Duration::from_millis(500))
        .await
        .expect("read")
    {
        if let RuntimeMessage::Error(err) = message {
            assert_eq!(err.request_id.as_deref(), Some("req-1"));
            answers += 1;
        }
    }
    assert_eq!(answers, 2, "the command was published twice");
    h.rt.stop(&run).await.expect("stop");
}

#[tokio::test]
async fn a_new_session_resumes_after_the_last_message_read() {
    let h = harness(|_| {}, None).await;
    let (tenant, run) = (TenantId::generate(), RunId::generate());
    h.rt.start(start_request(&tenant, &run))
        .await
        .expect("start");
    let mut first = RuntimeSession::open(&h.rt, &tenant, &run)
        .await
        .expect("session");
    first.wait_ready().await.expect("ready");
    let read_to = first.last_id().to_owned();
    let entry =
        h.rt.registry()
            .get(&run)
            .await
            .expect("get")
            .expect("entry");
    assert_eq!(entry.last_stream_id.as_deref(), Some(read_to.as_str()));
    drop(first);

    // Another reader (a replica that took the run over) starts where the first stopped.
    let mut second = RuntimeSession::open(&h.rt, &tenant, &run)
        .await
        .expect("session");
    assert_eq!(second.last_id(), read_to);
    second
        .send(&RuntimeCommand::Shutdown(Shutdown {
            graceful: true,
            timestamp: 0,
        }))
        .await
        .expect("send");
    let next = second.next(Duration::from_secs(10)).await.expect("read");
    assert!(
        matches!(next, Some(RuntimeMessage::Exiting(_))),
        "not `ready` again: {next:?}"
    );
    // And a session on a runtime that has exited says so instead of waiting forever.
    let ended = second.next(Duration::from_secs(10)).await;
    assert!(matches!(ended, Err(SessionError::Ended(_))), "{ended:?}");
    h.rt.stop(&run).await.expect("stop");
}

/// Plays the runtime's side of one request on the real channels (the process itself sleeps):
/// `ready`, then for the first command `busy`, a message of another request, `stepStart`,
/// `stdout`, `stepEnd` and `idle`.
async fn play_runtime(h: &crate::Harness, tenant: &TenantId, run: &RunId) {
    use futures_util::StreamExt as _;
    let client = redis::Client::open(crate::redis_url()).expect("client");
    let mut pubsub = client.get_async_pubsub().await.expect("pubsub");
    pubsub
        .subscribe(h.keys.run_commands(tenant, run))
        .await
        .expect("subscribe");
    let stream = h.keys.run_runtime(tenant, run);
    let mut conn = h.redis.clone();
    let run_id = run.to_string();
    let mut xadd = async move |message: serde_json::Value| {
        redis::cmd("XADD")
            .arg(&stream)
            .arg("*")
            .arg("data")
            .arg(message.to_string())
            .query_async::<String>(&mut conn)
            .await
            .expect("xadd");
    };
    xadd(serde_json::json!({"type": "ready", "runId": run_id})).await;
    tokio::spawn(async move {
        let mut commands = pubsub.into_on_message();
        let Some(command) = commands.next().await else {
            return;
        };
        let command: serde_json::Value =
            serde_json::from_str(&command.get_payload::<String>().expect("text")).expect("json");
        let request = command["requestId"]
            .as_str()
            .expect("request id")
            .to_owned();
        for message in [
            serde_json::json!({"type": "busy", "runId": run_id, "requestId": request}),
            serde_json::json!({"type": "stdout", "requestId": "someone-else", "data": "x"}),
            serde_json::json!({"type": "stepStart", "requestId": request, "stepNumber": 1}),
            serde_json::json!({"type": "stdout", "requestId": request, "data": "hello"}),
            serde_json::json!({"type": "stepEnd", "requestId": request, "stepNumber": 1,
                "result": "done", "success": true}),
            serde_json::json!({"type": "idle", "runId": run_id, "requestId": request}),
        ] {
            xadd(message).await;
        }
    });
}

#[tokio::test]
async fn a_request_is_acknowledged_once_and_read_until_its_idle() {
    let dir = crate::scratch();
    let bin = crate::script(&dir, "sleeper", "exec sleep 300");
    let h = harness(|c| c.agent_runtime_bin = Some(bin), None).await;
    let (tenant, run) = (TenantId::generate(), RunId::generate());
    h.rt.start(start_request(&tenant, &run))
        .await
        .expect("start");
    let mut session = RuntimeSession::open(&h.rt, &tenant, &run)
        .await
        .expect("session");
    play_runtime(&h, &tenant, &run).await;
    session.wait_ready().await.expect("ready");
    session.send(&step("req-7")).await.expect("acknowledged");
    let mut kinds = Vec::new();
    while let Some(message) = session
        .next_for("req-7", Duration::from_secs(5))
        .await
        .expect("read")
    {
        kinds.push(
            serde_json::to_value(&message).expect("json")["type"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    assert_eq!(kinds, ["busy", "stepStart", "stdout", "stepEnd", "idle"]);
    h.rt.stop(&run).await.expect("stop");
    let _ = std::fs::remove_dir_all(dir);
}
