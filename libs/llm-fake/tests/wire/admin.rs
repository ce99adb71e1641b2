//! The `/_fake` admin API, the limits, and the `djb-llm-fake` binary.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use llm_fake::{Limits, LlmFake};
use serde_json::{Value, json};

use crate::support::{ANTHROPIC_KEY, OPENAI_KEY, client, model, post};

async fn admin(method: reqwest::Method, url: String, body: Option<Value>) -> (u16, Value) {
    let mut request = client().request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the fake answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("admin answers JSON"))
}

#[tokio::test]
async fn scripts_auto_settings_and_records_travel_over_http() {
    let fake = LlmFake::start().await;
    let base = fake.base_url();
    let m = model();
    let script = json!({"model": m, "replies": [
        {"kind": "tool_calls", "calls": [{"name": "write", "arguments": {"path": "a"}}]},
        {"kind": "error", "status": 429, "message": "slow", "retry_after": 4, "error_type": "insufficient_quota"},
    ]});
    let (status, body) = admin(
        reqwest::Method::POST,
        format!("{base}/_fake/script"),
        Some(script),
    )
    .await;
    assert_eq!((status, body["queued"].as_u64()), (200, Some(2)));

    let request = json!({"model": m, "messages": []});
    let (_, response) = post(
        &fake.openai_base_url(),
        "/chat/completions",
        OPENAI_KEY,
        &request,
    )
    .await;
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(
        answer["choices"][0]["message"]["tool_calls"][0]["function"]["name"],
        "write"
    );
    let (_, response) = post(
        &fake.openai_base_url(),
        "/chat/completions",
        OPENAI_KEY,
        &request,
    )
    .await;
    assert_eq!(response.headers()["retry-after"], "4");
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(answer["error"]["type"], "insufficient_quota");

    let auto = json!({"model": m, "outputs": {"summary_file": "out.md"}, "json": {"n": 1}});
    let (status, body) = admin(
        reqwest::Method::PUT,
        format!("{base}/_fake/auto"),
        Some(auto),
    )
    .await;
    assert_eq!(
        (status, &body["outputs"]),
        (200, &json!({"summary_file": "out.md"}))
    );
    let with_tool =
        json!({"model": m, "max_tokens": 9, "messages": [], "tools": [{"name": "complete"}]});
    let (_, response) = post(&base, "/v1/messages", ANTHROPIC_KEY, &with_tool).await;
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(
        answer["content"][0]["input"]["outputs"],
        json!({"summary_file": "out.md"})
    );

    let (status, recorded) = admin(
        reqwest::Method::GET,
        format!("{base}/_fake/requests?model={m}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let recorded = recorded.as_array().expect("an array");
    assert_eq!(recorded.len(), 3);
    assert_eq!(
        recorded[0]["headers"]["authorization"],
        "Bearer sk-test-openai"
    );
    assert_eq!(recorded[1]["status"], 429);
    assert_eq!(recorded[2]["wire"], "anthropic");

    let (status, body) = admin(
        reqwest::Method::DELETE,
        format!("{base}/_fake/requests?model={m}"),
        None,
    )
    .await;
    assert_eq!((status, body["dropped"].as_u64()), (200, Some(3)));
    assert!(fake.requests(&m).is_empty());
}

#[tokio::test]
async fn deleting_a_script_drops_its_queue_and_auto_settings() {
    let fake = LlmFake::start().await;
    let m = model();
    fake.script(&m, vec![llm_fake::Reply::text("never said"); 3]);
    fake.auto_json(&m, json!({"gone": true}));
    let (status, body) = admin(
        reqwest::Method::DELETE,
        format!("{}/_fake/script?model={m}", fake.base_url()),
        None,
    )
    .await;
    assert_eq!((status, body["dropped"].as_u64()), (200, Some(3)));
    let request = json!({"model": m, "messages": [], "response_format": {"type": "json_schema"}});
    let (_, response) = post(
        &fake.openai_base_url(),
        "/chat/completions",
        OPENAI_KEY,
        &request,
    )
    .await;
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(
        answer["choices"][0]["message"]["content"], "{}",
        "back to the default"
    );
}

#[tokio::test]
async fn bad_admin_input_is_a_400_with_a_json_error() {
    let fake = LlmFake::start().await;
    let base = fake.base_url();
    let cases = [
        json!("not an object"),
        json!({"replies": []}),
        json!({"model": "", "replies": []}),
        json!({"model": "m", "replies": [{"kind": "sing"}]}),
        json!({"model": "m", "replies": [{"kind": "error", "status": 200, "message": "ok?"}]}),
        json!({"model": "m", "replies": [{"kind": "error", "status": 70000, "message": "big"}]}),
        json!({"model": "m", "replies": [{"kind": "tool_calls", "calls": []}]}),
        json!({"model": "m", "replies": [{"kind": "tool_calls", "calls": [{"name": "x", "arguments": [1]}]}]}),
        json!({"model": "m", "replies": [{"kind": "text", "text": "x", "delay_ms": 99_999_999}]}),
        json!({"model": "m", "replies": [], "extra": 1}),
    ];
    for case in cases {
        let (status, body) = admin(
            reqwest::Method::POST,
            format!("{base}/_fake/script"),
            Some(case.clone()),
        )
        .await;
        assert_eq!(status, 400, "{case}");
        assert_eq!(body["code"], "invalid_request", "{case}");
        assert!(
            body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{case}"
        );
    }
    let raw = client()
        .post(format!("{base}/_fake/script"))
        .body("{oops")
        .send()
        .await
        .expect("answer");
    assert_eq!(raw.status().as_u16(), 400);
    let (status, _) = admin(
        reqwest::Method::PUT,
        format!("{base}/_fake/auto"),
        Some(json!({"model": "m", "outputs": [1]})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = admin(reqwest::Method::GET, format!("{base}/_fake/requests"), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, body) = admin(reqwest::Method::GET, format!("{base}/nowhere"), None).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    assert!(fake.requests("m").is_empty() && fake.try_script("m", Vec::new()).is_ok());
}

#[tokio::test]
async fn queues_models_records_and_bodies_are_bounded() {
    let limits = Limits {
        max_body_bytes: 4096,
        max_queue: 3,
        max_models: 2,
        max_recorded: 4,
        max_recorded_bytes: 3000,
    };
    let fake = LlmFake::bind(SocketAddr::from(([127, 0, 0, 1], 0)), limits)
        .await
        .expect("bind");
    let text = || llm_fake::Reply::text("x");
    assert_eq!(fake.try_script("a", vec![text(), text()]), Ok(2));
    assert!(
        fake.try_script("a", vec![text(), text()]).is_err(),
        "a fourth reply overflows"
    );
    assert_eq!(fake.try_script("b", vec![text()]), Ok(1));
    assert!(
        fake.try_script("c", vec![text()]).is_err(),
        "a third model is one too many"
    );
    let script = json!({"model": "a", "replies": [{"kind": "text", "text": "y"}, {"kind": "text", "text": "z"}]});
    let (status, _) = admin(
        reqwest::Method::POST,
        format!("{}/_fake/script", fake.base_url()),
        Some(script),
    )
    .await;
    assert_eq!(status, 400);

    // The record keeps the newest requests over all models.
    for m in ["r1", "r2", "r1", "r2", "r1", "r2"] {
        post(
            &fake.openai_base_url(),
            "/chat/completions",
            OPENAI_KEY,
            &json!({"model": m, "messages": []}),
        )
        .await;
    }
    assert_eq!(fake.requests("r1").len() + fake.requests("r2").len(), 4);
    assert_eq!(fake.requests("r2").len(), 2, "the newest stay");

    // ... and at most so many body bytes: three 1.2 kB bodies leave room for two.
    for turn in 0..3 {
        let body = json!({"model": "big", "messages": [{"role": "user", "content": format!("{turn}{}", "y".repeat(1200))}]});
        post(
            &fake.openai_base_url(),
            "/chat/completions",
            OPENAI_KEY,
            &body,
        )
        .await;
    }
    let big = fake.requests("big");
    assert_eq!(big.len(), 2);
    assert!(
        big[1].body["messages"][0]["content"]
            .as_str()
            .is_some_and(|c| c.starts_with('2'))
    );
    assert!(fake.requests("r1").is_empty() && fake.requests("r2").len() <= 1);

    let huge = json!({"model": "a", "messages": [{"role": "user", "content": "x".repeat(8000)}]});
    let (_, response) = post(
        &fake.openai_base_url(),
        "/chat/completions",
        OPENAI_KEY,
        &huge,
    )
    .await;
    assert_eq!(response.status().as_u16(), 413);
    let body: Value = response.json().await.expect("the wire's JSON error");
    assert_eq!(body["error"]["type"], "invalid_request_error");
    let (_, response) = post(&fake.base_url(), "/v1/messages", ANTHROPIC_KEY, &huge).await;
    let body: Value = response.json().await.expect("the wire's JSON error");
    assert_eq!(body["error"]["type"], "request_too_large");
    fake.stop().await;
}

#[tokio::test]
async fn the_binary_prints_its_url_and_serves_both_wires() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_djb-llm-fake"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .expect("reader")
    .expect("a line");
    let base = line.trim().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let (status, _) = admin(reqwest::Method::GET, format!("{base}/_fake/health"), None).await;
    assert_eq!(status, 200);
    let (_, response) = post(
        &format!("{base}/v1"),
        "/chat/completions",
        OPENAI_KEY,
        &json!({"model": "demo", "messages": []}),
    )
    .await;
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(answer["choices"][0]["message"]["content"], "ok");
    child.kill().expect("stop the child");
    child.wait().expect("reap the child");

    let refused = Command::new(env!("CARGO_BIN_EXE_djb-llm-fake"))
        .args(["--listen", "nonsense"])
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2));
}
