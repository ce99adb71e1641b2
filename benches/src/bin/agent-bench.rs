//! agent-svc through HAProxy with many tenants: `BENCH_TENANTS` tenants (default 100) with
//! `BENCH_AGENTS` agents each (default 20), then `GET /v1/agents/` and `POST /v1/agents/`.
//! Workers rotate over the tenants, so every request is a different tenant's RLS-walled read.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use djinnbot_bench::{Settings, measure};
use serde_json::{Value, json};

fn var(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn register(http: &reqwest::Client, base: &str, email: &str) -> anyhow::Result<String> {
    let res = http
        .post(format!("{base}/v1/auth/register"))
        .json(&json!({"email": email, "password": "bench password 123"}))
        .send()
        .await?;
    anyhow::ensure!(res.status().as_u16() == 201, "register: {}", res.status());
    let body: Value = res.json().await?;
    Ok(body["accessToken"].as_str().unwrap_or_default().to_owned())
}

async fn create(http: &reqwest::Client, base: &str, token: &str, slug: &str) -> bool {
    http.post(format!("{base}/v1/agents/"))
        .bearer_auth(token)
        .json(&json!({"name": slug, "slug": slug, "role": "bench",
                      "files": {"SOUL.md": "calm and precise"}}))
        .send()
        .await
        .is_ok_and(|r| r.status().as_u16() == 201)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env();
    let (tenants, agents) = (var("BENCH_TENANTS", 100), var("BENCH_AGENTS", 20));
    let http = djinnbot_bench::http_client()?;
    let base = settings.base.clone();
    let run = uuid::Uuid::new_v4().simple().to_string();

    let mut tokens = Vec::with_capacity(tenants);
    for n in 0..tenants {
        tokens.push(
            register(
                &http,
                &base,
                &format!("agents-{n}-{}@bench.test", &run[..8]),
            )
            .await?,
        );
    }
    let tokens = Arc::new(tokens);

    // Seed: every tenant gets its agents, created concurrently.
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut seeders = Vec::new();
    for _ in 0..settings.concurrency {
        let (http, base, tokens, next) = (http.clone(), base.clone(), tokens.clone(), next.clone());
        seeders.push(tokio::spawn(async move {
            let mut failed = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= tokens.len() * agents {
                    return failed;
                }
                let (tenant, n) = (i % tokens.len(), i / tokens.len());
                failed += usize::from(
                    !create(&http, &base, &tokens[tenant], &format!("agent-{n}")).await,
                );
            }
        }));
    }
    let mut failed = 0;
    for s in seeders {
        failed += s.await.unwrap_or(usize::MAX / 2);
    }
    anyhow::ensure!(failed == 0, "{failed} seed creations failed");
    let seeded = tenants * agents;
    println!(
        "| agents: seed | {:.1} | - | - | 0 | {seeded} POST /v1/agents/ across {tenants} tenants ({:.1}s) |",
        seeded as f64 / started.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64()
    );

    let states = (0..settings.concurrency)
        .map(|w| (http.clone(), tokens.clone(), w))
        .collect();
    let b = base.clone();
    let want = agents;
    let list = measure(
        &settings,
        states,
        move |(http, tokens, i): (reqwest::Client, Arc<Vec<String>>, usize)| {
            let url = format!("{b}/v1/agents/");
            async move {
                let token = &tokens[i % tokens.len()];
                let ok = match http.get(url).bearer_auth(token).send().await {
                    Ok(r) if r.status().is_success() => r
                        .json::<Value>()
                        .await
                        .is_ok_and(|v| v.as_array().is_some_and(|a| a.len() == want)),
                    _ => false,
                };
                ((http, tokens, i + 7), ok)
            }
        },
    )
    .await;
    println!(
        "{}",
        list.row(
            "agents: list",
            &format!("GET /v1/agents/ via HAProxy, {agents} agents per tenant, {tenants} tenants")
        )
    );

    let states = (0..settings.concurrency)
        .map(|w| (http.clone(), tokens.clone(), w, 0usize))
        .collect();
    let b = base.clone();
    let created = measure(
        &settings,
        states,
        move |(http, tokens, w, n): (reqwest::Client, Arc<Vec<String>>, usize, usize)| {
            let b = b.clone();
            async move {
                let token = &tokens[(w + n * 13) % tokens.len()];
                let ok = create(&http, &b, token, &format!("new-{w}-{n}")).await;
                ((http, tokens, w, n + 1), ok)
            }
        },
    )
    .await;
    println!(
        "{}",
        created.row(
            "agents: create",
            "POST /v1/agents/ via HAProxy (insert + unique slug check)"
        )
    );
    Ok(())
}
