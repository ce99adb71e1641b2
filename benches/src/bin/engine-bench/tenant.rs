//! A tenant set up as a user would through HAProxy: registered, its running-run limit raised,
//! the custom provider `fake` pointing at the fake LLM, the agent `engineer`, and pipelines.

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use e2e::Stack;
use llm_fake::LlmFake;
use serde_json::{Value, json};

pub struct Tenant {
    pub token: String,
    pub id: String,
}

/// The pipeline agent every bench pipeline uses.
const AGENT: &str = "engineer";

impl Tenant {
    /// A new tenant whose runs use the fake as provider and may run `max_running` at once.
    pub async fn create(stack: &Stack, fake: &LlmFake, max_running: u32) -> anyhow::Result<Self> {
        let email = format!("bench-{}@bench.test", uuid::Uuid::new_v4().simple());
        let res = stack
            .http
            .post(format!("{}/v1/auth/register", stack.base))
            .json(&json!({"email": email, "password": "correct horse battery"}))
            .send()
            .await?;
        ensure!(res.status().as_u16() == 201, "register: {}", res.status());
        let body: Value = res.json().await?;
        let tenant = Self {
            token: body["accessToken"].as_str().context("token")?.to_owned(),
            id: body["tenantId"].as_str().context("tenant id")?.to_owned(),
        };
        tenant
            .call(
                stack,
                "PUT",
                "/v1/settings/",
                Some(json!({"maxRunningRuns": max_running})),
                &[200],
            )
            .await?;
        tenant
            .call(
                stack,
                "POST",
                "/v1/settings/providers",
                Some(json!({"name": "Fake", "slug": "fake",
                    "baseUrl": fake.openai_base_url(), "apiKey": "sk-bench"})),
                &[200, 201],
            )
            .await?;
        tenant
            .call(
                stack,
                "POST",
                "/v1/agents/",
                Some(json!({"name": AGENT, "slug": AGENT})),
                &[201],
            )
            .await?;
        Ok(tenant)
    }

    /// Sends a request; an answer outside `ok` is an error naming it.
    pub async fn call(
        &self,
        stack: &Stack,
        method: &str,
        path: &str,
        body: Option<Value>,
        ok: &[u16],
    ) -> anyhow::Result<(Value, reqwest::header::HeaderMap)> {
        let url = format!("{}{path}", stack.base);
        // The bench's own polling can meet the tenant's rate limit: wait as told, then retry.
        for _ in 0..20 {
            let mut req = match method {
                "GET" => stack.http.get(&url),
                "POST" => stack.http.post(&url),
                "PUT" => stack.http.put(&url),
                other => anyhow::bail!("method {other}"),
            }
            .bearer_auth(&self.token);
            if let Some(body) = &body {
                req = req.json(body);
            }
            let res = req.send().await?;
            let status = res.status().as_u16();
            let headers = res.headers().clone();
            if status == 429 {
                let wait = headers
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
                    .unwrap_or(1);
                tokio::time::sleep(std::time::Duration::from_secs(wait.clamp(1, 10))).await;
                continue;
            }
            let body = res.json().await.unwrap_or(Value::Null);
            ensure!(ok.contains(&status), "{method} {path}: {status} {body}");
            return Ok((body, headers));
        }
        anyhow::bail!("{method} {path}: still rate limited")
    }

    /// Stores a pipeline of `steps` steps in a chain (`S1` → `S2` → …), every step answered by
    /// the fake's model `model`.
    pub async fn pipeline(
        &self,
        stack: &Stack,
        id: &str,
        steps: usize,
        model: &str,
    ) -> anyhow::Result<()> {
        let mut yaml = format!(
            "id: {id}\nname: Bench {id}\nversion: '1'\nagents:\n  - id: {AGENT}\n    \
             name: Engineer\n    persona: engineer\n    model: custom-fake/{model}\nsteps:\n"
        );
        for n in 1..=steps {
            yaml.push_str(&format!(
                "  - id: S{n}\n    agent: {AGENT}\n    input: 'Step {n} of: {{{{task_description}}}}'\n    outputs: [summary]\n"
            ));
            if n < steps {
                yaml.push_str(&format!("    onComplete: S{}\n", n + 1));
            }
        }
        self.call(
            stack,
            "POST",
            "/v1/pipelines/",
            Some(json!({"yaml_content": yaml})),
            &[201],
        )
        .await?;
        Ok(())
    }

    /// Starts a run of `pipeline`; answers its id.
    pub async fn start_run(&self, stack: &Stack, pipeline: &str) -> anyhow::Result<String> {
        let (run, _) = self
            .call(
                stack,
                "POST",
                "/v1/runs/",
                Some(json!({"pipeline_id": pipeline, "task": "benchmark"})),
                &[200, 201],
            )
            .await?;
        Ok(run["id"].as_str().context("run id")?.to_owned())
    }

    /// How many of the tenant's runs have `status` (the list's `X-Total-Count`).
    pub async fn count(&self, stack: &Stack, status: &str) -> anyhow::Result<u64> {
        let (_, headers) = self
            .call(
                stack,
                "GET",
                &format!("/v1/runs/?status={status}&limit=1"),
                None,
                &[200],
            )
            .await?;
        headers
            .get("x-total-count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .context("X-Total-Count")
    }

    /// Waits until `n` runs have ended (completed or failed), polling every 50 ms.
    pub async fn wait_ended(
        &self,
        stack: &Stack,
        n: u64,
        within: Duration,
    ) -> anyhow::Result<(u64, u64)> {
        let deadline = Instant::now() + within;
        loop {
            let completed = self.count(stack, "completed").await?;
            let failed = self.count(stack, "failed").await?;
            if completed + failed >= n {
                return Ok((completed, failed));
            }
            ensure!(
                Instant::now() < deadline,
                "only {completed} completed and {failed} failed of {n} runs within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Every run of the tenant (at most 200) as the list returns them.
    pub async fn runs(&self, stack: &Stack) -> anyhow::Result<Vec<Value>> {
        let (body, _) = self
            .call(stack, "GET", "/v1/runs/?limit=200", None, &[200])
            .await?;
        Ok(match body {
            Value::Array(runs) => runs,
            Value::Object(mut map) => match map.remove("runs") {
                Some(Value::Array(runs)) => runs,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        })
    }
}
