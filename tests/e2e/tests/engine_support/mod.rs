//! What the engine end-to-end tests share: a stack wired to the fake LLM with short failover
//! timings, tenants with the fake as their custom provider, pipelines of slow steps, and views
//! of what really happened (step attempts in Postgres, runtime processes in /proc).
#![allow(dead_code)]

pub mod chat;
pub mod sse;

use std::path::Path;
use std::time::{Duration, Instant};

use e2e::{Options, Stack};
use llm_fake::{LlmFake, Reply};
use serde_json::{Value, json};

pub struct Tenant {
    pub token: String,
    pub id: String,
    /// `(slug, agt_ id)` of the agents made with it.
    pub agents: Vec<(String, String)>,
}

impl Tenant {
    /// The `agt_` id of the agent `slug`.
    pub fn agent(&self, slug: &str) -> &str {
        self.agents
            .iter()
            .find(|(s, _)| s == slug)
            .map(|(_, id)| id.as_str())
            .unwrap_or_else(|| panic!("no agent {slug}"))
    }
}

/// A stack whose engines may reach `fake`, with failover timings short enough for a test: a
/// replica counts as dead 3 s after its last heartbeat, the reconciler looks every second.
pub async fn stack(fake: &LlmFake, engine_replicas: usize, extra: &[(&str, &str)]) -> Stack {
    let port = fake.base_url().rsplit(':').next().expect("port").to_owned();
    let mut env: Vec<(String, String)> = vec![
        ("OUTBOUND_ALLOW".into(), format!("127.0.0.1:{port}")),
        ("INSTANCE_TTL_SECS".into(), "3".into()),
        ("INSTANCE_HEARTBEAT_SECS".into(), "1".into()),
        ("RECONCILE_INTERVAL_SECS".into(), "1".into()),
        ("RUN_SWEEP_SECS".into(), "1".into()),
        ("RUNTIME_STOP_GRACE_SECS".into(), "2".into()),
    ];
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Stack::start(Options {
        env,
        engine_replicas,
        ..Options::default()
    })
    .await
}

pub async fn call(
    stack: &Stack,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{}{path}", stack.base);
    let mut req = match method {
        "GET" => stack.http.get(url),
        "POST" => stack.http.post(url),
        "PUT" => stack.http.put(url),
        "PATCH" => stack.http.patch(url),
        "DELETE" => stack.http.delete(url),
        other => panic!("method {other}"),
    }
    .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Registers the owner of a new tenant, with the custom provider `fake` pointing at the fake
/// LLM and the agents `slugs`.
pub async fn tenant(stack: &Stack, email: &str, fake: &LlmFake, slugs: &[&str]) -> Tenant {
    let creds = json!({"email": email, "password": "correct horse battery"});
    let res = stack
        .http
        .post(format!("{}/v1/auth/register", stack.base))
        .json(&creds)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 201);
    let tokens: Value = res.json().await.expect("json");
    let mut t = Tenant {
        token: tokens["accessToken"].as_str().expect("token").to_owned(),
        id: tokens["tenantId"].as_str().expect("tenant").to_owned(),
        agents: Vec::new(),
    };
    let provider = json!({"name": "Fake", "slug": "fake", "baseUrl": fake.openai_base_url(),
        "apiKey": "sk-fake-key"});
    let (status, body) = call(
        stack,
        &t.token,
        "POST",
        "/v1/settings/providers",
        Some(provider),
    )
    .await;
    assert!(status == 201 || status == 200, "{status} {body}");
    for slug in slugs {
        let agent = json!({"name": slug, "slug": slug});
        let (status, body) = call(stack, &t.token, "POST", "/v1/agents/", Some(agent)).await;
        assert_eq!(status, 201, "{body}");
        let id = body["id"].as_str().expect("agent id").to_owned();
        t.agents.push(((*slug).to_owned(), id));
    }
    t
}

/// Shares the tenant's fake provider key with all its users (key resolution for a user is
/// strict: their own key, else an admin's share), as an admin does before people chat.
pub async fn share_fake_key(stack: &Stack, t: &Tenant) {
    let share = json!({"providerId": "custom-fake"});
    let (status, body) = call(
        stack,
        &t.token,
        "POST",
        "/v1/admin/shared-providers",
        Some(share),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

/// A fresh model name: the fake queues replies per model.
pub fn model() -> String {
    format!("fake-{}", uuid::Uuid::new_v4().simple())
}

/// `n` replies that each end a step with `complete` after `delay_ms`.
pub fn slow_completes(n: usize, delay_ms: u64) -> Vec<Reply> {
    (0..n)
        .map(|_| {
            Reply::tool_call("complete", json!({"outputs": {"summary": "done"}})).delay(delay_ms)
        })
        .collect()
}

/// A pipeline of `steps` steps (`S1`, `S2`, …) run by `engineer` on `model`.
pub fn pipeline(id: &str, model: &str, steps: usize) -> String {
    let mut yaml = format!(
        "id: {id}\nname: Slow steps\nversion: '1'\nagents:\n  - id: engineer\n    name: Engineer\n    persona: engineer\n    model: custom-fake/{model}\nsteps:\n"
    );
    for i in 1..=steps {
        yaml.push_str(&format!(
            "  - id: S{i}\n    agent: engineer\n    input: 'Step {i} of: {{{{task_description}}}}'\n    outputs: [summary]\n"
        ));
        if i < steps {
            yaml.push_str(&format!("    onComplete: S{}\n", i + 1));
        }
    }
    yaml
}

pub async fn create_pipeline(stack: &Stack, t: &Tenant, yaml: &str) {
    let body = json!({"yaml_content": yaml});
    let (status, body) = call(stack, &t.token, "POST", "/v1/pipelines/", Some(body)).await;
    assert_eq!(status, 201, "{body}");
}

/// Starts a run of `pipeline`; its id.
pub async fn start_run(stack: &Stack, t: &Tenant, pipeline: &str, task: &str) -> String {
    let body = json!({"pipeline_id": pipeline, "task": task});
    let (status, run) = call(stack, &t.token, "POST", "/v1/runs/", Some(body)).await;
    assert_eq!(status, 200, "{run}");
    run["id"].as_str().expect("run id").to_owned()
}

pub async fn get_run(stack: &Stack, t: &Tenant, run: &str) -> Value {
    let (status, body) = call(stack, &t.token, "GET", &format!("/v1/runs/{run}"), None).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Waits until the run's status is one of `states`; its body.
pub async fn wait_status(
    stack: &Stack,
    t: &Tenant,
    run: &str,
    states: &[&str],
    within: Duration,
) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let body = get_run(stack, t, run).await;
        let state = body["status"].as_str().unwrap_or_default();
        if states.contains(&state) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "run {run} still {state}, not {states:?}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn wait_end(stack: &Stack, t: &Tenant, run: &str, within: Duration) -> Value {
    wait_status(stack, t, run, &["completed", "failed", "cancelled"], within).await
}

/// One row of `engine.step_attempts`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    pub run: String,
    pub step: String,
    pub attempt: i32,
    pub status: String,
    pub instance: Option<String>,
    pub error: Option<String>,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
}

/// The attempts of `runs`, read with the test's admin access (across tenants).
pub async fn attempts(stack: &Stack, runs: &[String]) -> Vec<AttemptRow> {
    sqlx::query_as(
        "select run_id as run, step_id as step, attempt, status, instance_id as instance, error,
                started_at, ended_at
           from engine.step_attempts where run_id = any($1) order by run_id, step_id, attempt",
    )
    .bind(runs)
    .fetch_all(&stack.db.admin)
    .await
    .expect("attempts")
}

/// The pids of agent-runtime processes working under `data` (each in a run's directory).
pub fn runtime_pids(data: &Path) -> Vec<(u32, std::path::PathBuf)> {
    let data = std::fs::canonicalize(data).unwrap_or_else(|_| data.to_path_buf());
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
            let name = exe.file_name()?.to_str()?;
            if !name.starts_with("agent-runtime") {
                return None;
            }
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let state = stat.rsplit_once(')')?.1.trim_start().chars().next()?;
            if state == 'Z' || state == 'X' {
                return None;
            }
            let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).ok()?;
            cwd.starts_with(&data).then_some((pid, cwd))
        })
        .collect()
}

/// Waits until no agent-runtime process works under the stack's data directory.
pub async fn wait_no_runtimes(stack: &Stack, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let left = runtime_pids(&stack.data);
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "runtime processes outlived their runs: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until a runtime process works in `run`'s directory; its pid.
pub async fn wait_runtime_of(stack: &Stack, run: &str, within: Duration) -> u32 {
    let deadline = Instant::now() + within;
    loop {
        if let Some((pid, _)) = runtime_pids(&stack.data)
            .into_iter()
            .find(|(_, cwd)| cwd.ends_with(run))
        {
            return pid;
        }
        assert!(Instant::now() < deadline, "no runtime of {run} started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}
