//! sse-relay under load: one relay process (the release binary, reached directly on its port,
//! not through HAProxy) holding `BENCH_STREAMS` (10 000) concurrent SSE streams over
//! `BENCH_RUNS` (2 000) run streams of `BENCH_TENANTS` (100) tenants, while the bench appends
//! `BENCH_RATE` (5 000) events per second spread over the runs for `BENCH_SECS` (20) seconds.
//! Prints publish → deliver latency (p50/p95/p99/max), the relay's resident memory idle and per
//! 1 000 streams, and the Redis connections it holds. Redis is `make test`'s (`DJB_TEST_REDIS_URL`,
//! a fresh key prefix); the relay binary comes from `DJB_BIN_DIR`. Not part of `make test`.

mod client;
mod proc;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bus::publish::Publisher;
use futures_util::future::join_all;
use kit::auth::JwtKeys;
use kit::{Claims, ServiceInfo, TokenKind};
use serde_json::json;
use shared_schemas::ids::{RunId, TenantId, random_body};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

const RELAY: ServiceInfo = ServiceInfo {
    name: "sse-relay",
    default_port: 8040,
    db_role: "sse_relay",
};

fn var(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[at]) / 1000.0
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let (streams, runs, tenants) = (
        var("BENCH_STREAMS", 10_000),
        var("BENCH_RUNS", 2_000),
        var("BENCH_TENANTS", 100),
    );
    let (rate, secs) = (var("BENCH_RATE", 5_000), var("BENCH_SECS", 20));
    let shards = var("SSE_READER_SHARDS", 8);
    let config = kit::testing::dev_config(&RELAY);
    let redis_url = kit::testing::redis_url();
    let redis_port: u16 = redis_url
        .rsplit(':')
        .next()
        .and_then(|p| p.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or(56379);
    let bin_dir = std::env::var("DJB_BIN_DIR").unwrap_or_else(|_| {
        let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
        format!("{target}/release")
    });
    let port = free_port()?;
    let mut relay = std::process::Command::new(format!("{bin_dir}/sse-relay"))
        .env("DJB_DEV_MODE", "true")
        .env("PORT", port.to_string())
        .env("REDIS_URL", &redis_url)
        .env("REDIS_PREFIX", &config.redis_prefix)
        .env("AUTH_SECRET_KEY", config.auth_secret())
        .env(
            "DATABASE_URL",
            std::env::var("DJB_TEST_PG_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:55432/postgres".into()),
        )
        .env("TENANT_RATE_LIMIT", "100000000")
        .env("SSE_MAX_STREAMS_PER_USER", "1000000")
        .env("SSE_MAX_STREAMS_PER_TENANT", "1000000")
        .env("SSE_READER_SHARDS", shards.to_string())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()?;
    let pid = relay.id();
    let addr = format!("127.0.0.1:{port}");
    let result = run(
        &addr, pid, redis_port, &config, streams, runs, tenants, rate, secs, shards,
    )
    .await;
    let _ = relay.kill();
    let _ = relay.wait();
    result
}

#[allow(clippy::too_many_arguments)]
async fn run(
    addr: &str,
    pid: u32,
    redis_port: u16,
    config: &kit::CommonConfig,
    streams: usize,
    runs: usize,
    tenants: usize,
    rate: usize,
    secs: usize,
    shards: usize,
) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http
            .get(format!("http://{addr}/health/live"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let redis = kit::platform::connect_redis(&kit::testing::redis_url()).await?;
    let keys = bus::Keys::new(config.redis_prefix.clone());
    let publisher = Publisher::new(redis, keys, 10_000);
    let jwt = JwtKeys::from_config(config)?;
    let tenant_ids: Vec<TenantId> = (0..tenants)
        .map(|_| TenantId::parse(format!("ten_{}", random_body())))
        .collect::<Result<_, _>>()?;
    let tokens: Vec<String> = tenant_ids
        .iter()
        .map(|t| {
            jwt.mint(&Claims::access(
                "usr_bench",
                t.clone(),
                TokenKind::User,
                Duration::from_secs(3600),
            ))
        })
        .collect::<Result<_, _>>()?;
    let run_ids: Vec<(usize, RunId)> = (0..runs)
        .map(|i| (i % tenants, RunId::generate()))
        .collect();
    for (t, run) in &run_ids {
        publisher
            .publish_live(
                &tenant_ids[*t],
                run,
                &json!({"type": "RUN_CREATED", "runId": run.as_str()}),
            )
            .await?;
    }
    let rss_idle = proc::rss_kib(pid);

    // Ramp up: open every stream, 200 at a time.
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = CancellationToken::new();
    let gate = Arc::new(Semaphore::new(200));
    let started = Instant::now();
    let mut opened = Vec::with_capacity(streams);
    for i in 0..streams {
        let (t, run) = &run_ids[i % runs];
        let path = format!("/v1/events/stream/{}?since=$", run.as_str());
        let token = tokens[*t].clone();
        let (addr, gate) = (addr.to_owned(), gate.clone());
        opened.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await;
            client::connect(&addr, &path, &token).await
        }));
    }
    let mut followers = Vec::with_capacity(streams);
    let mut refused = 0;
    for handle in opened {
        match handle.await? {
            Ok((sock, rest)) => followers.push(tokio::spawn(client::follow(
                sock,
                rest,
                measuring.clone(),
                stop.clone(),
            ))),
            Err(err) => {
                refused += 1;
                if refused < 5 {
                    eprintln!("stream refused: {err}");
                }
            }
        }
    }
    let ramp = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_streams = proc::rss_kib(pid);
    let redis_conns = proc::connections_to(pid, redis_port);
    let metrics = http
        .get(format!("http://{addr}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    let gauge = |name: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(' ').next())
            .unwrap_or("?")
            .to_owned()
    };
    let (readers, open) = (gauge("sse_live_readers"), gauge("sse_streams_open"));

    // Load: `rate` events per second, in 10 ms ticks, round-robin over the runs.
    measuring.store(true, Ordering::Relaxed);
    let per_tick = (rate / 100).max(1);
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    let load_start = Instant::now();
    let mut published = 0usize;
    let mut next = 0usize;
    let mut rss_peak = 0;
    while load_start.elapsed() < Duration::from_secs(secs as u64) {
        tick.tick().await;
        let batch = (0..per_tick).map(|_| {
            let (t, run) = &run_ids[next % runs];
            next += 1;
            let event = json!({"type": "STEP_OUTPUT", "runId": run.as_str(), "chunk": "token ", "sentAt": client::now_us()});
            let (tenant, publisher) = (&tenant_ids[*t], &publisher);
            async move { publisher.publish_live(tenant, run, &event).await }
        });
        published += join_all(batch)
            .await
            .into_iter()
            .filter(Result::is_ok)
            .count();
        if published % (rate * 2) < per_tick {
            rss_peak = rss_peak.max(proc::rss_kib(pid));
        }
    }
    let load_secs = load_start.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    measuring.store(false, Ordering::Relaxed);
    rss_peak = rss_peak.max(proc::rss_kib(pid));
    stop.cancel();
    let mut latencies = Vec::new();
    let mut frames = 0;
    for f in followers {
        let seen = f.await?;
        frames += seen.frames;
        latencies.extend(seen.latencies);
    }
    latencies.sort_unstable();
    let connected = streams - refused;
    let expected = published as f64 * connected as f64 / runs as f64;
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let profile = std::env::var("BENCH_PROFILE").unwrap_or_else(|_| "release".into());
    println!(
        "sse-relay ({profile} build, direct to the relay, {shards} reader shards, {cores} cores)\n"
    );
    println!("| measure | value |\n|---|---|");
    println!(
        "| streams open / refused | {connected} / {refused} (over {runs} run streams, {tenants} tenants) |"
    );
    println!(
        "| ramp-up (200 connects at a time) | {:.1} s |",
        ramp.as_secs_f64()
    );
    println!(
        "| events published | {published} in {load_secs:.1} s = {:.0}/s |",
        published as f64 / load_secs
    );
    println!("| frames delivered (expected ≈{expected:.0}) | {frames} |");
    println!(
        "| publish → deliver p50 / p95 / p99 / max | {:.1} / {:.1} / {:.1} / {:.1} ms (n={}) |",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
        latencies.len()
    );
    println!(
        "| relay RSS idle / with streams / peak under load | {:.1} / {:.1} / {:.1} MiB |",
        rss_idle as f64 / 1024.0,
        rss_streams as f64 / 1024.0,
        rss_peak as f64 / 1024.0
    );
    println!(
        "| relay RSS per 1 000 streams | {:.2} MiB |",
        (rss_streams.saturating_sub(rss_idle)) as f64 / 1024.0 / (connected.max(1) as f64 / 1000.0)
    );
    println!(
        "| live readers (`sse_live_readers`) / streams open (`sse_streams_open`) | {readers} / {open} (run streams: {runs}) |"
    );
    println!(
        "| Redis connections held by the relay | {redis_conns} (readers: {shards} shards + the shared connection) |"
    );
    Ok(())
}
