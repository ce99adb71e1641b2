//! `AGENT_STATE_CHANGED` follows each step's runtime: working when its attempt begins, idle when
//! it ends (completed, failed or cancelled while running), with the platform `agt_` id that
//! agent-svc's activity and fleet status read.

use engine_svc::flows::steps;
use serde_json::{Value, json};

use crate::support::{engine, failed, ok, pipeline};

const TWO: &str =
    "  - {id: A, agent: a, input: first, onComplete: B}\n  - {id: B, agent: b, input: second}\n";

/// `(agentId, stepId, previousState → newState)` of the run's AGENT_STATE_CHANGED, in order.
fn changes(events: &[Value]) -> Vec<(String, String, String)> {
    events
        .iter()
        .filter(|e| e["type"] == "AGENT_STATE_CHANGED")
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            (
                s("agentId"),
                s("stepId"),
                format!("{} → {}", s("previousState"), s("newState")),
            )
        })
        .collect()
}

#[tokio::test]
async fn each_step_makes_its_agent_working_then_idle() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e.pipeline(&t.id, &pipeline("two", TWO)).await;
    let run = e.start(&t, &id, "t").await;
    e.act(&t.id, &run, ok(&[])).await;
    e.act(&t.id, &run, failed("no luck")).await;

    let (a, b) = (e.agents.id(&t.id, "a"), e.agents.id(&t.id, "b"));
    assert!(a.starts_with("agt_"), "{a}");
    let at = |agent: &str, step: &str, change: &str| {
        (agent.to_owned(), step.to_owned(), change.to_owned())
    };
    let mut want = vec![
        at(&a, "A", "idle → working"),
        at(&a, "A", "working → idle"),
        at(&b, "B", "idle → working"),
        at(&b, "B", "working → idle"),
    ];
    let got = changes(&e.events(&run).await);
    // B's failure is retried: its next attempt starts working again.
    assert!(got.len() >= want.len(), "{got:?}");
    want.truncate(got.len());
    assert_eq!(got[..4], want[..], "{got:?}");
}

#[tokio::test]
async fn cancelling_a_running_step_makes_its_agent_idle_and_a_queued_one_changes_nothing() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e.pipeline(&t.id, &pipeline("two", TWO)).await;
    let api = e.app.client.bearer(&t.token);

    let queued = e.start(&t, &id, "t").await;
    let (status, _) = api
        .post(&format!("/v1/runs/{queued}/cancel"), json!({}))
        .await;
    assert_eq!(status.as_u16(), 200);
    assert!(changes(&e.events(&queued).await).is_empty(), "never worked");

    let running = e.start(&t, &id, "t").await;
    let now = e.app.platform.clock.now_ms();
    steps::begin_attempt(&e.app.platform.db, &t.id, &running, "A", 1, 3, "i", now)
        .await
        .expect("begin");
    let (status, _) = api
        .post(&format!("/v1/runs/{running}/cancel"), json!({}))
        .await;
    assert_eq!(status.as_u16(), 200);
    let a = e.agents.id(&t.id, "a");
    assert_eq!(
        changes(&e.events(&running).await),
        [
            (a.clone(), "A".to_owned(), "idle → working".to_owned()),
            (a, "A".to_owned(), "working → idle".to_owned()),
        ]
    );
    let events = e.events(&running).await;
    let ended = events
        .iter()
        .find(|e| e["type"] == "SESSION_STATUS_CHANGED")
        .expect("the running session's end");
    assert_eq!(
        (ended["sessionId"].as_str(), ended["status"].as_str()),
        (Some(format!("{running}_A_1").as_str()), Some("cancelled"))
    );
}
