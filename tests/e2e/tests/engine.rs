//! Pipelines run end to end, as a user runs them: through HAProxy, the real services, the real
//! agent-runtime spawned by engine-svc, and the offline fake LLM as the tenant's custom provider.

use std::time::{Duration, Instant};

use e2e::{Options, Stack};
use llm_fake::{LlmFake, Reply};
use serde_json::{Value, json};

pub struct Tenant {
    pub token: String,
    pub id: String,
}

async fn call(
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

/// Registers the first user (the owner of a new tenant) and logs in.
async fn register(stack: &Stack, email: &str) -> Tenant {
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
    Tenant {
        token: tokens["accessToken"].as_str().expect("token").to_owned(),
        id: tokens["tenantId"].as_str().expect("tenant").to_owned(),
    }
}

/// The tenant's agent `slug` and the custom provider `fake` pointing at the fake LLM.
async fn agent_and_provider(stack: &Stack, t: &Tenant, fake: &LlmFake, slug: &str) {
    let (status, body) = call(
        stack,
        &t.token,
        "POST",
        "/v1/settings/providers",
        Some(
            json!({"name": "Fake", "slug": "fake", "baseUrl": fake.openai_base_url(),
            "apiKey": "sk-fake-key"}),
        ),
    )
    .await;
    assert!(status == 201 || status == 200, "{status} {body}");
    let (status, body) = call(
        stack,
        &t.token,
        "POST",
        "/v1/agents/",
        Some(json!({"name": slug, "slug": slug,
            "files": {"IDENTITY.md": format!("You are {slug}, who signs every file.")}})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

async fn wait_run(stack: &Stack, t: &Tenant, run: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let (status, body) = call(stack, &t.token, "GET", &format!("/v1/runs/{run}"), None).await;
        assert_eq!(status, 200, "{body}");
        let state = body["status"].as_str().unwrap_or_default().to_owned();
        if matches!(state.as_str(), "completed" | "failed" | "cancelled") {
            return body;
        }
        assert!(Instant::now() < deadline, "run {run} still {state}: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn pipeline(id: &str, model: &str) -> String {
    format!(
        "id: {id}
name: Write and review
version: '1'
agents:
  - id: engineer
    name: Engineer
    persona: engineer
    model: custom-fake/{model}
steps:
  - id: WRITE
    agent: engineer
    input: 'Write hello.txt for: {{{{task_description}}}}'
    outputs: [summary]
    onComplete: REVIEW
  - id: REVIEW
    agent: engineer
    input: 'Review: {{{{summary}}}}'
    outputs: [verdict]
    onResult:
      REDO:
        goto: WRITE
"
    )
}

#[tokio::test]
async fn a_pipeline_runs_in_real_runtimes_against_the_fake_llm() {
    let fake = LlmFake::start().await;
    let port = fake.base_url().rsplit(':').next().expect("port").to_owned();
    let stack = Stack::start(Options {
        env: vec![("OUTBOUND_ALLOW".into(), format!("127.0.0.1:{port}"))],
        ..Options::default()
    })
    .await;
    let t = register(&stack, "ada@example.com").await;
    agent_and_provider(&stack, &t, &fake, "engineer").await;
    let (status, secret) = call(
        &stack,
        &t.token,
        "POST",
        "/v1/secrets/",
        Some(json!({"name": "deploy", "env_key": "DEPLOY_TOKEN", "value": "tok-123"})),
    )
    .await;
    assert_eq!(status, 201, "{secret}");
    let grant = format!(
        "/v1/secrets/{}/grant/engineer",
        secret["id"].as_str().expect("id")
    );
    let (status, body) = call(&stack, &t.token, "POST", &grant, None).await;
    assert!(status == 200 || status == 201, "{status} {body}");
    let model = format!("fake-{}", uuid::Uuid::new_v4().simple());
    // WRITE writes a file with a tool, REVIEW sends it back once, the second pass approves.
    fake.script(
        &model,
        vec![
            Reply::tool_call("write", json!({"path": "hello.txt", "content": "hello"})),
            // The granted secret reaches the agent's commands; the provider key does not.
            Reply::tool_call(
                "bash",
                json!({"command": "echo \"$DEPLOY_TOKEN|${CUSTOM_FAKE_API_KEY:-none}\" > env.txt"}),
            ),
            Reply::tool_call(
                "complete",
                json!({"outputs": {"summary": "wrote hello.txt"}}),
            ),
            Reply::tool_call("complete", json!({"outputs": {"verdict": "REDO"}})),
            Reply::tool_call(
                "complete",
                json!({"outputs": {"summary": "wrote it again"}}),
            ),
            Reply::tool_call("complete", json!({"outputs": {"verdict": "APPROVED"}})),
        ],
    );
    let (status, body) = call(
        &stack,
        &t.token,
        "POST",
        "/v1/pipelines/",
        Some(json!({"yaml_content": pipeline("write-review", &model)})),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    let (status, run) = call(
        &stack,
        &t.token,
        "POST",
        "/v1/runs/",
        Some(json!({"pipeline_id": "write-review", "task": "greet the world"})),
    )
    .await;
    assert_eq!(status, 200, "{run}");
    let run_id = run["id"].as_str().expect("run id").to_owned();
    let done = wait_run(&stack, &t, &run_id, Duration::from_secs(90)).await;

    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["outputs"]["summary"], "wrote it again", "{done}");
    assert_eq!(done["outputs"]["verdict"], "APPROVED", "{done}");
    let requests = fake.requests(&model);
    assert_eq!(requests.len(), 6, "one LLM call per scripted reply");
    assert!(
        requests
            .iter()
            .all(|r| r.headers.get("authorization").map(String::as_str)
                == Some("Bearer sk-fake-key")),
        "the tenant's key reached the provider"
    );
    let first_prompt = requests[0].body.to_string();
    assert!(first_prompt.contains("greet the world"), "{first_prompt}");
    assert!(
        first_prompt.contains("You are engineer, who signs every file."),
        "the agent's persona is in its system prompt: {first_prompt}"
    );
    let file = stack
        .data
        .join("tenants")
        .join(&t.id)
        .join("runs")
        .join(&run_id)
        .join("hello.txt");
    assert_eq!(
        std::fs::read_to_string(&file).expect("the agent's file"),
        "hello"
    );

    // The engine's AGENT_STATE_CHANGED reached agent-svc's activity (through the outbox and the
    // global stream): each step made the agent working, then idle again.
    let mut changes = Vec::new();
    for _ in 0..100 {
        let (_, activity) = call(
            &stack,
            &t.token,
            "GET",
            "/v1/agents/engineer/activity",
            None,
        )
        .await;
        changes = activity["timeline"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["type"] == "AGENT_STATE_CHANGED")
            .filter_map(|e| e["summary"].as_str().map(str::to_owned))
            .collect();
        if changes
            .iter()
            .filter(|c| c.as_str() == "working → idle")
            .count()
            >= 2
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        changes
            .iter()
            .filter(|c| c.as_str() == "idle → working")
            .count()
            >= 2
            && changes
                .iter()
                .filter(|c| c.as_str() == "working → idle")
                .count()
                >= 2,
        "{changes:?}"
    );
    let (_, fleet) = call(&stack, &t.token, "GET", "/v1/agents/status", None).await;
    assert_eq!(
        (
            fleet["summary"]["total"].as_i64(),
            fleet["summary"]["idle"].as_i64()
        ),
        (Some(1), Some(1)),
        "{fleet}"
    );
}
