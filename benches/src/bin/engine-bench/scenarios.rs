//! The measured scenarios. Each uses a tenant of its own (so the run counts are its own) whose
//! running-run limit is raised to 100, and a fake model of its own.

use std::time::{Duration, Instant};

use anyhow::Context;
use bus::Keys;
use e2e::Stack;
use llm_fake::{LlmFake, Reply};
use redis::aio::ConnectionManager;
use serde_json::json;
use shared_schemas::ids::{RunId, TenantId};

use crate::probe::{self, Cpu, RunTimings};
use crate::tenant::Tenant;

/// The tenant limit the scenarios set (agent-svc's maximum for `maxRunningRuns`).
const TENANT_LIMIT: u32 = 100;

pub struct Bench<'a> {
    pub stack: &'a Stack,
    pub fake: &'a LlmFake,
    pub redis: ConnectionManager,
    pub keys: Keys,
}

/// What a batch of runs measured.
pub struct Throughput {
    pub runs: usize,
    pub failed: u64,
    pub secs: f64,
    pub timings: RunTimings,
    /// CPU the stack used over the batch.
    pub cpu: Cpu,
}

/// What the held-open scenario measured.
pub struct Held {
    pub runs: usize,
    /// Runtimes alive when the engine's memory was sampled.
    pub in_flight: usize,
    /// First run started → every run's LLM request at the fake.
    pub ramp_secs: f64,
    pub engine_idle_kb: u64,
    pub engine_loaded_kb: u64,
    pub start_ms: Vec<f64>,
    pub exec_ms: Vec<f64>,
    /// RSS of every runtime alive at the sample.
    pub runtime_kb: Vec<f64>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

impl Bench<'_> {
    async fn tenant_with_pipeline(
        &self,
        steps: usize,
        model: &str,
    ) -> anyhow::Result<(Tenant, String)> {
        let tenant = Tenant::create(self.stack, self.fake, TENANT_LIMIT).await?;
        let pipeline = format!("bench-{steps}-step");
        tenant.pipeline(self.stack, &pipeline, steps, model).await?;
        Ok((tenant, pipeline))
    }

    async fn timings_of(&mut self, tenant: &Tenant, runs: &[String]) -> anyhow::Result<RunTimings> {
        let tenant_id = TenantId::parse(tenant.id.clone())?;
        let mut all = RunTimings::default();
        for run in runs {
            let run = RunId::parse(run.clone())?;
            all.extend(probe::run_timings(&mut self.redis, &self.keys, &tenant_id, &run).await?);
        }
        Ok(all)
    }

    /// `runs` runs of a `steps`-step pipeline started at once; the fake answers each step at
    /// once with `complete`. Throughput is counted from the first start to the last run's
    /// `completed_at`.
    pub async fn throughput(&mut self, steps: usize, runs: usize) -> anyhow::Result<Throughput> {
        let model = format!("fake-{}", uuid::Uuid::new_v4().simple());
        self.fake.auto_outputs(&model, json!({"summary": "done"}));
        let (tenant, pipeline) = self.tenant_with_pipeline(steps, &model).await?;
        let cpu = Cpu::now();
        let started = now_ms();
        let ids = self.start_all(&tenant, &pipeline, runs).await?;
        let within = Duration::from_secs(120 + 2 * (steps * runs) as u64);
        let (_, failed) = tenant.wait_ended(self.stack, runs as u64, within).await?;
        let cpu = Cpu::now().since(cpu);
        let last = tenant
            .runs(self.stack)
            .await?
            .iter()
            .filter_map(|r| r["completed_at"].as_i64())
            .max()
            .context("no run has completed_at")?;
        let timings = self.timings_of(&tenant, &ids).await?;
        Ok(Throughput {
            runs,
            failed,
            secs: (last - started) as f64 / 1000.0,
            timings,
            cpu,
        })
    }

    /// `runs` runs of a `steps`-step pipeline one after the other (each waits for the last to
    /// end): the latencies of an idle engine.
    pub async fn sequential(&mut self, steps: usize, runs: usize) -> anyhow::Result<Throughput> {
        let model = format!("fake-{}", uuid::Uuid::new_v4().simple());
        self.fake.auto_outputs(&model, json!({"summary": "done"}));
        let (tenant, pipeline) = self.tenant_with_pipeline(steps, &model).await?;
        let cpu = Cpu::now();
        let started = Instant::now();
        let mut ids = Vec::with_capacity(runs);
        let mut failed = 0;
        for n in 1..=runs {
            ids.push(tenant.start_run(self.stack, &pipeline).await?);
            failed = tenant
                .wait_ended(self.stack, n as u64, Duration::from_secs(60))
                .await?
                .1;
        }
        let secs = started.elapsed().as_secs_f64();
        let cpu = Cpu::now().since(cpu);
        let timings = self.timings_of(&tenant, &ids).await?;
        Ok(Throughput {
            runs,
            failed,
            secs,
            timings,
            cpu,
        })
    }

    /// `runs` single-step runs whose LLM reply is held back `hold` each, so all of them are
    /// running at once: each runtime's start time and memory, and the engine's memory.
    pub async fn held(&mut self, runs: usize, hold: Duration) -> anyhow::Result<Held> {
        let model = format!("fake-hold-{}", uuid::Uuid::new_v4().simple());
        let hold_ms = u64::try_from(hold.as_millis()).unwrap_or(u64::MAX);
        let reply = Reply::tool_call(
            "complete",
            json!({"outputs": {"summary": "held"}, "summary": "done"}),
        )
        .delay(hold_ms);
        self.fake.script(&model, vec![reply; runs]);
        let (tenant, pipeline) = self.tenant_with_pipeline(1, &model).await?;
        let tenant_id = TenantId::parse(tenant.id.clone())?;
        let engine_idle_kb = probe::engine_pids()
            .iter()
            .filter_map(|p| probe::rss_kb(*p))
            .sum();
        let started = Instant::now();
        let ids = self.start_all(&tenant, &pipeline, runs).await?;
        let mut pending: Vec<RunId> = ids
            .iter()
            .map(|id| RunId::parse(id.clone()))
            .collect::<Result<_, _>>()?;
        let (mut start_ms, mut exec_ms) = (Vec::new(), Vec::new());
        // Sample until every run's request reached the fake, or the first replies are due.
        let deadline = started + hold.mul_f64(0.9);
        while (!pending.is_empty() || self.fake.requests(&model).len() < runs)
            && Instant::now() < deadline
        {
            let mut still = Vec::new();
            for run in pending {
                match probe::held_runtime(&mut self.redis, &self.keys, &tenant_id, &run).await? {
                    Some(rt) => {
                        start_ms.push(rt.start_ms);
                        exec_ms.extend(rt.exec_ms);
                    }
                    None => still.push(run),
                }
            }
            pending = still;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let ramp_secs = started.elapsed().as_secs_f64();
        let runtimes = probe::runtime_pids();
        let in_flight = runtimes.len();
        let runtime_kb = runtimes
            .iter()
            .filter_map(|p| probe::rss_kb(*p))
            .map(|kb| kb as f64)
            .collect();
        let engine_loaded_kb = probe::engine_pids()
            .iter()
            .filter_map(|p| probe::rss_kb(*p))
            .sum();
        tenant
            .wait_ended(self.stack, runs as u64, hold + Duration::from_secs(120))
            .await?;
        Ok(Held {
            runs,
            in_flight,
            ramp_secs,
            engine_idle_kb,
            engine_loaded_kb,
            start_ms,
            exec_ms,
            runtime_kb,
        })
    }

    /// Starts `runs` runs of `pipeline`, 16 requests at a time; answers their ids.
    async fn start_all(
        &self,
        tenant: &Tenant,
        pipeline: &str,
        runs: usize,
    ) -> anyhow::Result<Vec<String>> {
        let mut ids = Vec::with_capacity(runs);
        let mut left = runs;
        while left > 0 {
            let batch = left.min(16);
            let starts = (0..batch).map(|_| tenant.start_run(self.stack, pipeline));
            for id in futures_util::future::join_all(starts).await {
                ids.push(id?);
            }
            left -= batch;
        }
        Ok(ids)
    }
}
