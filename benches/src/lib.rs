//! Shared measuring loop of the load clients: N concurrent workers for a fixed time, one
//! markdown row of requests per second and latency percentiles.

use std::future::Future;
use std::time::{Duration, Instant};

/// The load clients' HTTP client, on kit's TLS stack (so `BENCH_BASE` may be https://).
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(kit::tls::http_client_builder_trusting(None)?.build()?)
}

pub struct Settings {
    pub base: String,
    pub duration: Duration,
    pub concurrency: usize,
}

impl Settings {
    /// `BENCH_BASE` (default http://127.0.0.1:8000), `BENCH_SECONDS` (10), `BENCH_CONNECTIONS` (16).
    pub fn from_env() -> Self {
        let var = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Self {
            base: std::env::var("BENCH_BASE").unwrap_or_else(|_| "http://127.0.0.1:8000".into()),
            duration: Duration::from_secs(var("BENCH_SECONDS", 10)),
            concurrency: usize::try_from(var("BENCH_CONNECTIONS", 16)).unwrap_or(16),
        }
    }
}

/// Runs `step` in `settings.concurrency` workers, each with its own state, until the time is up.
/// `step` returns whether the request succeeded.
pub async fn measure<S, F, Fut>(settings: &Settings, states: Vec<S>, step: F) -> Report
where
    S: Send + 'static,
    F: Fn(S) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = (S, bool)> + Send,
{
    let deadline = Instant::now() + settings.duration;
    let mut workers = Vec::new();
    for state in states {
        let step = step.clone();
        workers.push(tokio::spawn(async move {
            let (mut state, mut latencies, mut errors) = (state, Vec::new(), 0u64);
            while Instant::now() < deadline {
                let started = Instant::now();
                let (next, ok) = step(state).await;
                state = next;
                latencies.push(started.elapsed());
                errors += u64::from(!ok);
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for worker in workers {
        if let Ok((latencies, e)) = worker.await {
            all.extend(latencies);
            errors += e;
        }
    }
    all.sort();
    let pct = |p: f64| {
        let idx = ((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1));
        all.get(idx).copied().unwrap_or_default()
    };
    Report {
        requests: all.len() as u64,
        errors,
        per_sec: all.len() as f64 / settings.duration.as_secs_f64(),
        p50: pct(0.50),
        p99: pct(0.99),
    }
}

pub struct Report {
    pub requests: u64,
    pub errors: u64,
    pub per_sec: f64,
    pub p50: Duration,
    pub p99: Duration,
}

impl Report {
    pub fn row(&self, name: &str, what: &str) -> String {
        format!(
            "| {name} | {:.1} | {:.2}ms | {:.2}ms | {} | {what} |",
            self.per_sec,
            self.p50.as_secs_f64() * 1000.0,
            self.p99.as_secs_f64() * 1000.0,
            self.errors
        )
    }
}
