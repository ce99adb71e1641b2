//! Logins, refreshes (each worker follows its own rotating token chain) and `GET /v1/auth/me`
//! through HAProxy. Prints markdown table rows.

use djinnbot_bench::{Settings, measure};
use serde_json::{Value, json};

const PASSWORD: &str = "bench password 123";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env();
    let http = djinnbot_bench::http_client()?;
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut users = Vec::new();
    for n in 0..settings.concurrency {
        let email = format!("bench-{n}-{}@bench.test", &run[..8]);
        let res = http
            .post(format!("{}/v1/auth/register", settings.base))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await?;
        anyhow::ensure!(
            res.status().as_u16() == 201,
            "register failed: {}",
            res.status()
        );
        let tokens: Value = res.json().await?;
        users.push((email, tokens));
    }
    let base = settings.base.clone();

    let states = users
        .iter()
        .map(|(email, _)| (http.clone(), email.clone()))
        .collect();
    let b = base.clone();
    let logins = measure(
        &settings,
        states,
        move |(http, email): (reqwest::Client, String)| {
            let url = format!("{b}/v1/auth/login");
            async move {
                let ok = http
                    .post(url)
                    .json(&json!({"email": email, "password": PASSWORD}))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                ((http, email), ok)
            }
        },
    )
    .await;
    println!(
        "{}",
        logins.row(
            "auth: login",
            "POST /v1/auth/login via HAProxy (argon2id 19 MiB, t=2)"
        )
    );

    let states = users
        .iter()
        .map(|(_, t)| {
            (
                http.clone(),
                t["refreshToken"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let b = base.clone();
    let refreshes = measure(
        &settings,
        states,
        move |(http, token): (reqwest::Client, String)| {
            let url = format!("{b}/v1/auth/refresh");
            async move {
                let res = http
                    .post(url)
                    .json(&json!({"refreshToken": token}))
                    .send()
                    .await;
                let next = match res {
                    Ok(r) if r.status().is_success() => r
                        .json::<Value>()
                        .await
                        .ok()
                        .and_then(|v| v["refreshToken"].as_str().map(str::to_owned)),
                    _ => None,
                };
                let ok = next.is_some();
                ((http, next.unwrap_or(token)), ok)
            }
        },
    )
    .await;
    println!(
        "{}",
        refreshes.row(
            "auth: refresh",
            "POST /v1/auth/refresh via HAProxy, rotating chain per worker"
        )
    );

    let states = users
        .iter()
        .map(|(_, t)| {
            (
                http.clone(),
                t["accessToken"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let b = base.clone();
    let me = measure(
        &settings,
        states,
        move |(http, token): (reqwest::Client, String)| {
            let url = format!("{b}/v1/auth/me");
            async move {
                let ok = http
                    .get(url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                ((http, token), ok)
            }
        },
    )
    .await;
    println!(
        "{}",
        me.row(
            "auth: me",
            "GET /v1/auth/me via HAProxy (JWT + one Postgres read)"
        )
    );
    Ok(())
}
