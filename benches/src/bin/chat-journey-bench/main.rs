//! Chat as a user meets it: `POST /v1/agents/{a}/chat/start` and the first message through
//! HAProxy, with every real service (agent-svc stores the session and hands the commands to the
//! engine through its outbox; engine-svc starts the session's runtime), to the first `output`
//! frame on the session's stream. `BENCH_CHAT_SESSIONS` (50) sessions, one after the other.

#[path = "../engine-bench/tenant.rs"]
#[allow(dead_code)]
mod tenant;

use std::time::{Duration, Instant};

use bus::Keys;
use e2e::{Options, Stack};
use llm_fake::{LlmFake, Reply};
use serde_json::json;
use shared_schemas::ids::TenantId;
use tenant::Tenant;

fn pct(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.99))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sessions: usize = std::env::var("BENCH_CHAT_SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let fake = LlmFake::start().await;
    let prefix = format!("bench-{}", uuid::Uuid::new_v4().simple());
    let stack = Stack::start(Options {
        env: vec![
            ("OUTBOUND_ALLOW".to_owned(), fake.addr().to_string()),
            ("REDIS_PREFIX".to_owned(), prefix.clone()),
        ],
        tenant_rate_limit: Some(1_000_000),
        ..Options::default()
    })
    .await;
    let keys = Keys::new(prefix);
    let t = Tenant::create(&stack, &fake, 5).await?;
    // A user's chat uses their own key or an admin's share (strict resolution).
    let share = json!({"providerId": "custom-fake"});
    t.call(
        &stack,
        "POST",
        "/v1/admin/shared-providers",
        Some(share),
        &[201],
    )
    .await?;
    let tenant = TenantId::parse(t.id.clone())?;
    let mut redis = redis::Client::open(std::env::var("DJB_TEST_REDIS_URL")?)?
        .get_multiplexed_async_connection()
        .await?;

    let (mut to_accepted, mut to_first) = (Vec::new(), Vec::new());
    for i in 0..sessions {
        let model = format!("journey-{i}");
        fake.script(&model, vec![Reply::text("hello from the bench")]);
        let t0 = Instant::now();
        let body = json!({"model": format!("custom-fake/{model}")});
        let (started, _) = t
            .call(
                &stack,
                "POST",
                "/v1/agents/engineer/chat/start",
                Some(body),
                &[200],
            )
            .await?;
        let s = started["sessionId"].as_str().unwrap_or_default().to_owned();
        let path = format!("/v1/agents/engineer/chat/{s}/message");
        t.call(
            &stack,
            "POST",
            &path,
            Some(json!({"message": "hi"})),
            &[200],
        )
        .await?;
        to_accepted.push(t0.elapsed().as_secs_f64() * 1000.0);
        let stream = keys.session_stream(&tenant, &s);
        loop {
            let frames: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
                .arg(&stream)
                .arg("-")
                .arg("+")
                .query_async(&mut redis)
                .await?;
            let output = frames
                .iter()
                .flat_map(|(_, fields)| fields)
                .any(|(_, v)| v.contains("\"type\":\"output\""));
            if output {
                break;
            }
            anyhow::ensure!(t0.elapsed() < Duration::from_secs(60), "no output for {s}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        to_first.push(t0.elapsed().as_secs_f64() * 1000.0);
        let end = format!("/v1/agents/engineer/chat/{s}/end");
        t.call(&stack, "POST", &end, None, &[200]).await?;
    }
    let (a50, a99) = pct(to_accepted);
    let (f50, f99) = pct(to_first.clone());
    println!("| chat through HAProxy, every real service (fake LLM) | value |\n|---|---|");
    println!("| `chat/start` + first message accepted, p50 / p99 | {a50:.0} / {a99:.0} ms |");
    println!(
        "| `chat/start` → first `output` frame, p50 / p99 (n={}) | {f50:.0} / {f99:.0} ms |",
        to_first.len()
    );
    drop(stack);
    Ok(())
}
