//! The egress guard on provider calls: a base URL on an internal address (loopback, the cloud
//! metadata address, a name that resolves there) is refused before anything is sent, unless
//! `OUTBOUND_ALLOW` lists it for that port; a refusal ends the request at once, never retried.

use std::time::{Duration, Instant};

use crate::common::{Harness, allow_fake, check_order};
use llm_fake::{LlmFake, Reply, ToolCall};
use serde_json::json;

fn done() -> Vec<Reply> {
    vec![Reply::tool_calls(vec![ToolCall::new(
        "complete",
        json!({"outputs": {"ok": "yes"}}),
    )])]
}

/// The fake's variables without its allow entry, plus `extra`.
fn env_without_allow(
    fake: &LlmFake,
    extra: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    let mut env: Vec<_> = crate::common::fake_env(fake)
        .into_iter()
        .filter(|(name, _)| *name != "OUTBOUND_ALLOW")
        .collect();
    env.extend(extra.iter().cloned());
    env
}

/// Sends an `agentStep` for `model` and returns its `stepEnd`, checking it came at once.
async fn step(rt: &mut Harness, id: &str, model: &str) -> shared_schemas::runtime::StepEnd {
    let started = Instant::now();
    rt.send(json!({"type": "agentStep", "requestId": id, "prompt": "go", "model": model}))
        .await;
    let end = check_order(&rt.until_idle(id).await, id);
    // Retries would wait 0.5 + 1 + 2 s: a refusal is not retried.
    assert!(started.elapsed() < Duration::from_millis(1500), "{end:?}");
    end
}

#[tokio::test]
async fn without_an_allow_entry_internal_providers_are_refused_and_never_contacted() {
    let fake = LlmFake::start().await;
    let port = fake.addr().port();
    for model in ["m-literal", "m-name", "claude-x"] {
        fake.script(model, done());
    }
    let extra = [
        (
            "CUSTOM_BYNAME_BASE_URL",
            format!("http://localhost:{port}/v1"),
        ),
        (
            "CUSTOM_META_BASE_URL",
            "http://169.254.169.254/latest".to_owned(),
        ),
        ("CUSTOM_PRIVATE_BASE_URL", "https://10.0.0.1/v1".to_owned()),
    ];
    let mut rt = Harness::start("custom-fake/m-literal", &env_without_allow(&fake, &extra)).await;
    let cases = [
        ("r1", "custom-fake/m-literal", format!("127.0.0.1:{port}")),
        ("r2", "custom-byname/m-name", format!("localhost:{port}")),
        ("r3", "anthropic/claude-x", format!("127.0.0.1:{port}")),
        ("r4", "custom-meta/m", "169.254.169.254:80".to_owned()),
        ("r5", "custom-private/m", "10.0.0.1:443".to_owned()),
    ];
    for (id, model, address) in cases {
        let end = step(&mut rt, id, model).await;
        assert!(!end.success, "{model}: {end:?}");
        let error = end.error.expect("error");
        assert_eq!(
            error,
            format!(
                "the provider address {address} is not allowed: it is internal and \
                 OUTBOUND_ALLOW does not list it"
            ),
            "{model}"
        );
    }
    for model in ["m-literal", "m-name", "claude-x"] {
        assert!(fake.requests(model).is_empty(), "{model} was contacted");
    }
    rt.shutdown().await;
}

#[tokio::test]
async fn an_entry_for_the_fakes_port_lets_the_call_through() {
    let fake = LlmFake::start().await;
    fake.script("m-ok", done());
    let mut rt = Harness::start(
        "custom-fake/m-ok",
        &env_without_allow(&fake, &[allow_fake(&fake)]),
    )
    .await;
    let end = step(&mut rt, "r1", "custom-fake/m-ok").await;
    assert!(end.success, "{end:?}");
    assert_eq!(fake.requests("m-ok").len(), 1);
    rt.shutdown().await;
}

#[tokio::test]
async fn an_entry_for_another_port_does_not_allow_it() {
    let fake = LlmFake::start().await;
    let other = LlmFake::start().await;
    fake.script("m-port", done());
    let allow_other = (
        "OUTBOUND_ALLOW",
        format!("127.0.0.1:{}", other.addr().port()),
    );
    let mut rt = Harness::start(
        "custom-fake/m-port",
        &env_without_allow(&fake, &[allow_other]),
    )
    .await;
    let end = step(&mut rt, "r1", "custom-fake/m-port").await;
    assert!(!end.success, "{end:?}");
    assert!(
        end.error
            .as_deref()
            .is_some_and(|e| e.contains("is not allowed")),
        "{end:?}"
    );
    assert!(fake.requests("m-port").is_empty());
    rt.shutdown().await;
}
