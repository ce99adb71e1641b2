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
