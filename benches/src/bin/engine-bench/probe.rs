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
        let data: Option<String> = entry.get("data");
        if let Some(json) = data.and_then(|d| serde_json::from_str(&d).ok()) {
            out.push((ms, json));
        }
    }
    Ok(out)
}

/// Latencies of one run's steps, in ms.
#[derive(Debug, Default)]
pub struct RunTimings {
    /// `STEP_QUEUED` (run stream) → the runtime's `busy` for that attempt (runtime stream).
    pub queued_to_busy: Vec<f64>,
    /// `STEP_QUEUED` → `STEP_COMPLETE` of the same step (both on the run stream).
    pub queued_to_complete: Vec<f64>,
}

/// Reads a run's timings after the fact. The engine clears the runtime stream when it starts a
/// run's next runtime, so only the last step's `busy` is still there: multi-step runs give one
/// `queued_to_busy` sample (their last step), every step a `queued_to_complete` one.
pub async fn run_timings(
    redis: &mut ConnectionManager,
    keys: &Keys,
    tenant: &TenantId,
    run: &RunId,
) -> anyhow::Result<RunTimings> {
    let mut queued: HashMap<(String, u64), i64> = HashMap::new();
    let mut last_queued: HashMap<String, i64> = HashMap::new();
    let mut timings = RunTimings::default();
    for (ms, event) in entries(redis, &keys.run_events(tenant, run)).await? {
        let step = event["stepId"].as_str().unwrap_or_default().to_owned();
        match event["type"].as_str() {
            Some("STEP_QUEUED") => {
                let attempt = event["attempt"].as_u64().unwrap_or(1);
                queued.insert((step.clone(), attempt), ms);
                last_queued.insert(step, ms);
            }
            Some("STEP_COMPLETE") => {
                if let Some(at) = last_queued.get(&step) {
                    timings.queued_to_complete.push((ms - at) as f64);
                }
            }
            _ => {}
        }
    }
    for (ms, message) in entries(redis, &keys.run_runtime(tenant, run)).await? {
        if message["type"].as_str() != Some("busy") {
            continue;
        }
        // The executor's request id is `{run}:{step}:{attempt}`.
        let request = message["requestId"].as_str().unwrap_or_default();
        let mut parts = request.rsplitn(3, ':');
        let attempt = parts.next().and_then(|a| a.parse::<u64>().ok());
        let step = parts.next();
        if let (Some(attempt), Some(step)) = (attempt, step)
            && let Some(at) = queued.get(&(step.to_owned(), attempt))
        {
            timings.queued_to_busy.push((ms - at) as f64);
        }
    }
    Ok(timings)
}

/// A runtime seen while its step is held open.
#[derive(Debug)]
pub struct HeldRuntime {
    /// Registry `createdAt` (the engine decided to start it) → the runtime's `ready` entry.
    pub start_ms: f64,
    pub pid: u32,
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
            pid,
        }),
        _ => None,
    })
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
