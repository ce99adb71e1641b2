//! project-svc through HAProxy: list and create projects, list 1,000 tasks, create tasks, and the
//! dependency graph of 1,000 tasks. The monolith serves 47 req/s (list projects) and 74 req/s
//! (create project) on the same machine.

use djinnbot_bench::{Settings, measure};
use serde_json::{Value, json};

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

async fn post(
    http: &reqwest::Client,
    url: String,
    token: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let res = http.post(url).bearer_auth(token).json(&body).send().await?;
    anyhow::ensure!(res.status().is_success(), "POST: {}", res.status());
    Ok(res.json().await?)
}

/// One project of 1,000 tasks in 100 chains of 10 (each task blocked by the previous one).
async fn big_project(http: &reqwest::Client, base: &str, token: &str) -> anyhow::Result<String> {
    let project = post(
        http,
        format!("{base}/v1/projects/"),
        token,
        json!({"name": "Big"}),
    )
    .await?;
    let id = project["id"].as_str().unwrap_or_default().to_owned();
    // Import takes at most 500 tasks: two batches, chains never cross a batch.
    for _ in 0..2 {
        let tasks: Vec<Value> = (0..500)
            .map(|i| {
                let mut t = json!({"title": format!("task {i}"), "estimatedHours": 2});
                if i % 10 != 0 {
                    t["dependsOn"] = json!([i - 1]);
                }
                t
            })
            .collect();
        post(
            http,
            format!("{base}/v1/projects/{id}/import"),
            token,
            json!({"tasks": tasks}),
        )
        .await?;
    }
    Ok(id)
}

type State = (reqwest::Client, String, String, usize);

/// A successful GET whose whole body arrived (an unread body would hold the connection).
async fn get_ok(http: &reqwest::Client, url: String, token: &str) -> bool {
    match http.get(url).bearer_auth(token).send().await {
        Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
        _ => false,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env();
    let http = djinnbot_bench::http_client()?;
    let base = settings.base.clone();
    let run = uuid::Uuid::new_v4().simple().to_string();
    let token = register(&http, &base, &format!("projects-{}@bench.test", &run[..8])).await?;
    for i in 0..20 {
        post(
            &http,
            format!("{base}/v1/projects/"),
            &token,
            json!({"name": format!("p{i}")}),
        )
        .await?;
    }
    let big = big_project(&http, &base, &token).await?;
    let states = |n: usize| -> Vec<State> {
        (0..n)
            .map(|w| (http.clone(), token.clone(), base.clone(), w))
            .collect()
    };

    let list = measure(
        &settings,
        states(settings.concurrency),
        |(h, t, b, w): State| async move {
            let ok = get_ok(&h, format!("{b}/v1/projects/"), &t).await;
            ((h, t, b, w), ok)
        },
    )
    .await;
    println!(
        "{}",
        list.row(
            "projects: list",
            "GET /v1/projects/ via HAProxy, 21 projects (monolith: 47 req/s)"
        )
    );

    let b2 = big.clone();
    let tasks = measure(
        &settings,
        states(settings.concurrency),
        move |(h, t, b, w): State| {
            let url = format!(
                "{b}/v1/projects/{b2}/tasks?limit=500&offset={}",
                (w % 2) * 500
            );
            async move {
                let ok = get_ok(&h, url, &t).await;
                ((h, t, b, w), ok)
            }
        },
    )
    .await;
    println!(
        "{}",
        tasks.row(
            "projects: list tasks",
            "GET .../tasks?limit=500 of a 1,000-task project via HAProxy"
        )
    );

    let b3 = big.clone();
    let graph = measure(
        &settings,
        states(settings.concurrency),
        move |(h, t, b, w): State| {
            let url = format!("{b}/v1/projects/{b3}/dependency-graph");
            async move {
                let ok = get_ok(&h, url, &t).await;
                ((h, t, b, w), ok)
            }
        },
    )
    .await;
    println!(
        "{}",
        graph.row(
            "projects: dependency graph",
            "GET .../dependency-graph, 1,000 tasks, 900 edges via HAProxy"
        )
    );

    let b4 = big.clone();
    let create_task = measure(
        &settings,
        states(settings.concurrency),
        move |(h, t, b, w): State| {
            let url = format!("{b}/v1/projects/{b4}/tasks");
            async move {
                let ok = post(&h, url, &t, json!({"title": format!("new {w}")}))
                    .await
                    .is_ok();
                ((h, t, b, w), ok)
            }
        },
    )
    .await;
    println!(
        "{}",
        create_task.row(
            "projects: create task",
            "POST .../tasks via HAProxy (position at the column's end)"
        )
    );

    let create = measure(
        &settings,
        states(settings.concurrency),
        |(h, t, b, w): State| async move {
            let ok = post(
                &h,
                format!("{b}/v1/projects/"),
                &t,
                json!({"name": format!("bench {w}")}),
            )
            .await
            .is_ok();
            ((h, t, b, w), ok)
        },
    )
    .await;
    println!(
        "{}",
        create.row(
            "projects: create",
            "POST /v1/projects/ via HAProxy, 7 default columns (monolith: 74 req/s)"
        )
    );
    Ok(())
}
