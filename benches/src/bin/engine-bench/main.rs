//! The engine end to end: the real stack (every service, HAProxy, engine-svc spawning real
//! agent-runtime processes) started as the end-to-end tests start it, with the fake LLM
//! in-process as the tenants' custom provider. Prints markdown tables: runs per second with one
//! and three engine replicas, `STEP_QUEUED` → runtime `busy` and → `STEP_COMPLETE` latencies
//! (read from Redis), runtime start time and memory, and engine-svc's memory with many runs in
//! flight. Not part of `make test`; `make bench-engine` runs it (see benches/README.md).
//!
//! Settings: `BENCH_RUNS` (100) runs per throughput batch, `BENCH_SEQUENTIAL` (20) runs one
//! at a time for the idle latencies, `BENCH_HOLD_RUNS` (100) runs held open for
//! `BENCH_HOLD_SECS` (60) each; `BENCH_MAX_CONCURRENT_STEPS` sets the throughput stacks'
//! per-replica cap. The service binaries come from `DJB_BIN_DIR`.

mod probe;
mod scenarios;
mod tenant;

use std::time::Duration;

use bus::Keys;
use e2e::{Options, Stack};
use llm_fake::LlmFake;

use probe::percentiles;
use scenarios::{Bench, Held, Throughput};

fn var(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `p50 / p99` of a sample set in ms, with its size.
fn pct(samples: &[f64]) -> String {
    percentiles(samples).map_or_else(
        || "–".to_owned(),
        |(p50, p99)| format!("{p50:.0} / {p99:.0} (n={})", samples.len()),
    )
}

/// One measured batch: its name, engine replicas, steps per run and what it measured.
struct Measured {
    name: String,
    replicas: usize,
    steps: usize,
    t: Throughput,
}

fn row(m: &Measured) -> String {
    let (name, replicas, steps, t) = (&m.name, m.replicas, m.steps, &m.t);
    let per_sec = t.runs as f64 / t.secs;
    let total_steps = (t.runs * steps) as f64;
    format!(
        "| {name} | {replicas} | {} | {} | {:.1} | {:.2} | {:.1} | {} | {} | {:.0} / {:.0} / {:.0} |",
        t.runs,
        t.failed,
        t.secs,
        per_sec,
        per_sec * steps as f64,
        pct(&t.timings.queued_to_busy),
        pct(&t.timings.queued_to_complete),
        t.cpu.engine / total_steps,
        t.cpu.runtimes / total_steps,
        t.cpu.others / total_steps,
    )
}

/// Starts a stack whose engine may reach the fake; `extra` more variables for every service.
async fn stack(fake: &LlmFake, replicas: usize, extra: &[(&str, String)]) -> (Stack, Keys) {
    let prefix = format!("bench-{}", uuid::Uuid::new_v4().simple());
    let mut env = vec![
        ("OUTBOUND_ALLOW".to_owned(), fake.addr().to_string()),
        // Overrides the stack's own prefix, so the bench can name the stack's keys.
        ("REDIS_PREFIX".to_owned(), prefix.clone()),
    ];
    env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let stack = Stack::start(Options {
        env,
        engine_replicas: replicas - 1,
        // The bench measures the engine, not HAProxy's per-tenant limit its polling would meet.
        tenant_rate_limit: Some(1_000_000),
        ..Options::default()
    })
    .await;
    (stack, Keys::new(prefix))
}

/// Drops the stack, then kills any agent-runtime it left behind (killed engines do not reap
/// their children).
fn teardown(stack: Stack) {
    let left = probe::runtime_pids();
    drop(stack);
    for pid in left {
        if std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
        }
    }
}

async fn throughput_rows(
    fake: &LlmFake,
    replicas: usize,
    runs: usize,
    sequential: usize,
) -> anyhow::Result<Vec<Measured>> {
    // `BENCH_MAX_CONCURRENT_STEPS` changes the per-replica cap of the throughput stacks.
    let extra: Vec<(&str, String)> = std::env::var("BENCH_MAX_CONCURRENT_STEPS")
        .map(|v| vec![("MAX_CONCURRENT_STEPS", v)])
        .unwrap_or_default();
    let (stack, keys) = stack(fake, replicas, &extra).await;
    let redis = redis::Client::open(kit::testing::redis_url())?
        .get_connection_manager()
        .await?;
    let mut bench = Bench {
        stack: &stack,
        fake,
        redis,
        keys,
    };
    let rows = async {
        let mut rows = Vec::new();
        for steps in [1, 3] {
            if sequential == 0 {
                break;
            }
            eprintln!("{replicas} replica(s): {sequential} runs of {steps} step(s) one at a time");
            let t = bench.sequential(steps, sequential).await?;
            rows.push(Measured {
                name: format!("{steps} step(s), one run at a time"),
                replicas,
                steps,
                t,
            });
        }
        for steps in [1, 3] {
            if runs == 0 {
                break;
            }
            eprintln!("{replicas} replica(s): {runs} runs of {steps} step(s) at once");
            let t = bench.throughput(steps, runs).await?;
            rows.push(Measured {
                name: format!("{steps} step(s), {runs} runs at once"),
                replicas,
                steps,
                t,
            });
        }
        anyhow::Ok(rows)
    }
    .await;
    teardown(stack);
    rows
}

async fn held(fake: &LlmFake, runs: usize, hold: Duration) -> anyhow::Result<Held> {
    let (stack, keys) = stack(
        fake,
        1,
        &[
            ("MAX_CONCURRENT_STEPS", (runs + 8).to_string()),
            ("MAX_RUNNING_RUNS_CAP", "100".to_owned()),
        ],
    )
    .await;
    let redis = redis::Client::open(kit::testing::redis_url())?
        .get_connection_manager()
        .await?;
    let mut bench = Bench {
        stack: &stack,
        fake,
        redis,
        keys,
    };
    eprintln!("1 replica: {runs} runs held open {hold:?}");
    let held = bench.held(runs, hold).await;
    teardown(stack);
    held
}

fn profile() -> String {
    if let Ok(p) = std::env::var("BENCH_PROFILE") {
        return p;
    }
    std::env::var("DJB_BIN_DIR")
        .ok()
        .and_then(|d| {
            std::path::Path::new(&d)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "debug".to_owned())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let runs = var("BENCH_RUNS", 100);
    let sequential = var("BENCH_SEQUENTIAL", 20);
    let hold_runs = var("BENCH_HOLD_RUNS", 100);
    let hold = Duration::from_secs(var("BENCH_HOLD_SECS", 60) as u64);
    let fake = LlmFake::start().await;

    let mut rows = Vec::new();
    if runs + sequential > 0 {
        rows.extend(throughput_rows(&fake, 1, runs, sequential).await?);
    }
    if runs > 0 {
        rows.extend(throughput_rows(&fake, 3, runs, 0).await?);
    }
    let h = held(&fake, hold_runs, hold).await?;

    let build = profile();
    println!("Engine ({build} build, {} cores)\n", num_cpus());
    println!(
        "| scenario | engine replicas | runs | failed | seconds | runs/s | steps/s | STEP_QUEUED → busy p50 / p99 ms | STEP_QUEUED → STEP_COMPLETE p50 / p99 ms | CPU ms per step: engine / runtime / other services |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---|---|---|");
    for m in &rows {
        println!("{}", row(m));
    }
    println!("\nWhere a step's time goes, p50 / p99 ms ({build} build):\n");
    let heads: Vec<String> = rows
        .iter()
        .map(|m| format!("{}, {} repl.", m.name, m.replicas))
        .collect();
    println!("| phase | {} |", heads.join(" | "));
    println!("|---|{}", "---|".repeat(rows.len()));
    for (key, what) in probe::PHASES {
        let cells: Vec<String> = rows
            .iter()
            .map(|m| {
                m.t.timings
                    .phases
                    .get(key)
                    .map_or_else(|| "–".to_owned(), |s| pct(s))
            })
            .collect();
        println!("| {what} | {} |", cells.join(" | "));
    }
    let mb = |kb: u64| kb as f64 / 1024.0;
    let mb_samples: Vec<f64> = h.runtime_kb.iter().map(|kb| kb / 1024.0).collect();
    let total_runtime_mb: f64 = mb_samples.iter().sum();
    println!("\n| measure ({build} build) | value |\n|---|---|");
    println!(
        "| runtime start: engine decides (registry `createdAt`) → `ready` on the runtime stream, p50 / p99 ms | {} |",
        pct(&h.start_ms)
    );
    println!(
        "| runtime start: its process started (`/proc`, ±10 ms) → `ready`, p50 / p99 ms | {} |",
        pct(&h.exec_ms)
    );
    println!(
        "| RSS per agent-runtime while its step waits on the LLM, p50 / p99 MB | {} |",
        percentiles(&mb_samples).map_or_else(
            || "–".to_owned(),
            |(a, b)| format!("{a:.1} / {b:.1} (n={})", mb_samples.len())
        )
    );
    println!(
        "| runs started → all {} LLM requests at the fake (ramp) | {:.1} s |",
        h.runs, h.ramp_secs
    );
    println!(
        "| agent-runtime processes alive at the sample | {} (their RSS together {:.0} MB) |",
        h.in_flight, total_runtime_mb
    );
    println!(
        "| engine-svc RSS idle → with {} runs in flight | {:.1} MB → {:.1} MB |",
        h.in_flight,
        mb(h.engine_idle_kb),
        mb(h.engine_loaded_kb)
    );
    Ok(())
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
