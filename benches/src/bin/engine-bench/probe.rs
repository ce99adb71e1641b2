//! What the bench reads beside the API: the run's event stream and the runtime's stream in
//! Redis (entry ids carry Redis' own clock, so both sides of a latency share one clock), the
//! container registry, and the resident memory of processes from `/proc`.

use std::collections::HashMap;

use bus::Keys;
use redis::aio::ConnectionManager;
use serde_json::Value;
use shared_schemas::ids::{RunId, TenantId};

/// The milliseconds of a stream entry id (`<ms>-<seq>`).
fn id_ms(id: &str) -> Option<i64> {
    id.split('-').next()?.parse().ok()
}

/// Every entry of `stream` as (Redis ms, the JSON of its `data` field).
async fn entries(redis: &mut ConnectionManager, stream: &str) -> anyhow::Result<Vec<(i64, Value)>> {
    let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(stream)
        .arg("-")
        .arg("+")
        .query_async(redis)
        .await?;
    let mut out = Vec::with_capacity(reply.ids.len());
    for entry in reply.ids {
        let Some(ms) = id_ms(&entry.id) else { continue };
        // Events and runtime messages are both kept in the one `data` field.
        let data: Option<String> = entry.get(bus::publish::DATA_FIELD);
        if let Some(json) = data.and_then(|d| serde_json::from_str(&d).ok()) {
            out.push((ms, json));
        }
    }
    Ok(out)
}

/// The phases of a step, in the order they happen; each a span between two timestamps in
/// Redis. `(key, what)`.
pub const PHASES: &[(&str, &str)] = &[
    (
        "admit",
        "`RUN_CREATED` → first `STEP_QUEUED` (admission, outbox)",
    ),
    (
        "claim_first",
        "`STEP_QUEUED` → `STEP_STARTED`, first step (executor reads it, run lease, claim)",
    ),
    ("claim_next", "`STEP_QUEUED` → `STEP_STARTED`, later steps"),
    (
        "start",
        "`STEP_STARTED` → runtime `ready` (agent-svc look-ups, registry, Redis user, spawn, connect)",
    ),
    (
        "send",
        "`ready` → `busy` (the step command sent and acknowledged)",
    ),
    (
        "work",
        "`busy` → `idle` (the agent loop: one LLM call answered at once, `complete`)",
    ),
    (
        "finish",
        "`idle` → `STEP_COMPLETE` (runtime shut down and reaped, result recorded)",
    ),
    (
        "handoff",
        "`STEP_COMPLETE` → next step's `STEP_QUEUED` (routing, outbox)",
    ),
];

/// Latencies of runs' steps, in ms.
#[derive(Debug, Default)]
pub struct RunTimings {
    /// `STEP_QUEUED` (run stream) → the runtime's `busy` for that attempt (runtime stream).
    pub queued_to_busy: Vec<f64>,
    /// `STEP_QUEUED` → `STEP_COMPLETE` of the same step (both on the run stream).
    pub queued_to_complete: Vec<f64>,
    /// The spans of [`PHASES`], by key.
    pub phases: HashMap<&'static str, Vec<f64>>,
}

impl RunTimings {
    fn phase(&mut self, key: &'static str, from: Option<i64>, to: Option<i64>) {
        if let (Some(from), Some(to)) = (from, to) {
            self.phases.entry(key).or_default().push((to - from) as f64);
        }
    }

    pub fn extend(&mut self, other: Self) {
        self.queued_to_busy.extend(other.queued_to_busy);
        self.queued_to_complete.extend(other.queued_to_complete);
        for (key, samples) in other.phases {
            self.phases.entry(key).or_default().extend(samples);
        }
    }
}

/// Reads a run's timings after the fact. The engine clears the runtime stream when it starts a
/// run's next runtime, so only the last step's runtime messages are still there: the phases
/// from `ready` to `idle` and `STEP_QUEUED` → `busy` come from each run's last step, the others
/// from every step. Steps are assumed to run once each (no retries, no loops).
pub async fn run_timings(
    redis: &mut ConnectionManager,
    keys: &Keys,
    tenant: &TenantId,
    run: &RunId,
) -> anyhow::Result<RunTimings> {
    let mut t = RunTimings::default();
    let (mut created, mut queued, mut started, mut completed) =
        (None, Vec::new(), HashMap::new(), HashMap::new());
    for (ms, event) in entries(redis, &keys.run_events(tenant, run)).await? {
        let step = event["stepId"].as_str().unwrap_or_default().to_owned();
        match event["type"].as_str() {
            Some("RUN_CREATED") => created = Some(ms),
            Some("STEP_QUEUED") => queued.push((step, ms)),
            Some("STEP_STARTED") => {
                started.insert(step, ms);
            }
            Some("STEP_COMPLETE") => {
                completed.insert(step, ms);
            }
            _ => {}
        }
    }
    t.phase("admit", created, queued.first().map(|q| q.1));
    for (i, (step, at)) in queued.iter().enumerate() {
        let key = if i == 0 { "claim_first" } else { "claim_next" };
        t.phase(key, Some(*at), started.get(step).copied());
        if let Some(done) = completed.get(step) {
            t.queued_to_complete.push((done - at) as f64);
        }
        if let Some((_, next)) = queued.get(i + 1) {
            t.phase("handoff", completed.get(step).copied(), Some(*next));
        }
    }
    let (mut ready, mut busy, mut idle, mut step) = (None, None, None, None);
    for (ms, message) in entries(redis, &keys.run_runtime(tenant, run)).await? {
        match message["type"].as_str() {
            Some("ready") => ready = ready.or(Some(ms)),
            Some("busy") => {
                busy = busy.or(Some(ms));
                // The executor's request id is `{run}:{step}:{attempt}`.
                let request = message["requestId"].as_str().unwrap_or_default();
                step = request.rsplit(':').nth(1).map(str::to_owned);
            }
            Some("idle") => idle = idle.or(Some(ms)),
            _ => {}
        }
    }
    if let Some(step) = step {
        let queued_at = queued.iter().rev().find(|(s, _)| *s == step).map(|q| q.1);
        if let (Some(q), Some(b)) = (queued_at, busy) {
            t.queued_to_busy.push((b - q) as f64);
        }
        t.phase("start", started.get(&step).copied(), ready);
        t.phase("send", ready, busy);
        t.phase("work", busy, idle);
        t.phase("finish", idle, completed.get(&step).copied());
    }
    Ok(t)
}

/// A runtime seen while its step is held open.
#[derive(Debug)]
pub struct HeldRuntime {
    /// Registry `createdAt` (the engine decided to start it) → the runtime's `ready` entry.
    pub start_ms: f64,
    /// The process's start (`/proc`, 10 ms ticks) → its `ready` entry.
    pub exec_ms: Option<f64>,
}

/// The run's runtime once it has sent `busy`: its start time and process id; `None` while it
/// has not got that far.
pub async fn held_runtime(
    redis: &mut ConnectionManager,
    keys: &Keys,
    tenant: &TenantId,
    run: &RunId,
) -> anyhow::Result<Option<HeldRuntime>> {
    let messages = entries(redis, &keys.run_runtime(tenant, run)).await?;
    let ready = messages
        .iter()
        .find(|(_, m)| m["type"].as_str() == Some("ready"))
        .map(|(ms, _)| *ms);
    let busy = messages
        .iter()
        .any(|(_, m)| m["type"].as_str() == Some("busy"));
    let (Some(ready), true) = (ready, busy) else {
        return Ok(None);
    };
    let entry: HashMap<String, String> = redis::cmd("HGETALL")
        .arg(keys.container(run))
        .query_async(redis)
        .await?;
    let created = entry.get("createdAt").and_then(|v| v.parse::<i64>().ok());
    let pid = entry.get("pid").and_then(|v| v.parse::<u32>().ok());
    Ok(match (created, pid) {
        (Some(created), Some(pid)) => Some(HeldRuntime {
            start_ms: (ready - created) as f64,
            exec_ms: started_ms(pid).map(|at| (ready - at) as f64),
        }),
        _ => None,
    })
}

/// When process `pid` started, in Unix ms (to the kernel's 10 ms tick): its start in ticks
/// after boot (`/proc/<pid>/stat`), boot time from `/proc/uptime` and the clock.
fn started_ms(pid: u32) -> Option<i64> {
    const TICKS_PER_SEC: f64 = 100.0;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    // After `comm`: state is field 3, starttime field 22.
    let ticks: f64 = rest.split_whitespace().nth(19)?.parse().ok()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs_f64();
    Some(((now - uptime + ticks / TICKS_PER_SEC) * 1000.0) as i64)
}

/// `VmRSS` of a process in kB.
pub fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// (pid, parent pid, command name) of every process.
fn processes() -> Vec<(u32, u32, String)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
            let (head, rest) = stat.rsplit_once(')')?;
            let comm = head.split_once('(')?.1.to_owned();
            let ppid = rest.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid, comm))
        })
        .collect()
}

/// CPU time the stack's processes used, in ms: engine-svc itself, the agent runtimes it
/// reaped (its children's time), and every other process the bench started (the other
/// services and HAProxy). Postgres and Redis are not ours and are not counted.
#[derive(Debug, Default, Clone, Copy)]
pub struct Cpu {
    pub engine: f64,
    pub runtimes: f64,
    pub others: f64,
}

impl Cpu {
    pub fn now() -> Self {
        const MS_PER_TICK: f64 = 10.0;
        let mut cpu = Self::default();
        for (pid, ppid, comm) in processes() {
            if ppid != std::process::id() {
                continue;
            }
            let Some(t) = ticks(pid) else { continue };
            if comm == "engine-svc" {
                cpu.engine += (t[0] + t[1]) * MS_PER_TICK;
                cpu.runtimes += (t[2] + t[3]) * MS_PER_TICK;
            } else {
                cpu.others += (t[0] + t[1] + t[2] + t[3]) * MS_PER_TICK;
            }
        }
        cpu
    }

    pub fn since(self, before: Self) -> Self {
        Self {
            engine: self.engine - before.engine,
            runtimes: self.runtimes - before.runtimes,
            others: self.others - before.others,
        }
    }
}

/// utime, stime, cutime, cstime of a process, in ticks.
fn ticks(pid: u32) -> Option<[f64; 4]> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    // After `comm`, field 3 (state) is index 0: utime is field 14.
    let fields: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(4)
        .filter_map(|v| v.parse().ok())
        .collect();
    fields.try_into().ok()
}

/// The processes named `name` whose parent is one of `parents`.
pub fn children_named(parents: &[u32], name: &str) -> Vec<u32> {
    processes()
        .into_iter()
        .filter(|(_, ppid, comm)| comm == name && parents.contains(ppid))
        .map(|(pid, _, _)| pid)
        .collect()
}

/// The engine-svc processes this bench started (through `e2e::Stack`).
pub fn engine_pids() -> Vec<u32> {
    children_named(&[std::process::id()], "engine-svc")
}

/// The agent runtimes those engines run now.
pub fn runtime_pids() -> Vec<u32> {
    children_named(&engine_pids(), "agent-runtime")
}

/// p50 and p99 of `samples` (nearest rank), `None` when empty.
pub fn percentiles(samples: &[f64]) -> Option<(f64, f64)> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |p: f64| {
        let rank = (p * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    };
    Some((at(0.50), at(0.99)))
}
