//! Throttles in front of argon2 (security review M7): per client address (an IPv6 /64) and per
//! account, on register, login and refresh; separate hashing queues so anonymous sign-ups cannot
//! starve logins; `POST /v1/users/` hashes only for an administrator.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kit::testing::{TestApp, json};
use serde_json::{Value, json};

use crate::helpers::*;

pub async fn post_from(app: &TestApp, ip: &str, path: &str, body: Value) -> (u16, Value) {
    json(
        app.client
            .post(path)
            .header("x-forwarded-for", ip)
            .json(&body)
            .send()
            .await
            .expect("send"),
    )
    .await
}

/// Password hashes and verifications auth-svc has run, from its /metrics.
pub async fn hashes_run(app: &TestApp) -> u64 {
    let text = app
        .client
        .get("/metrics")
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .filter(|l| l.starts_with("password_hashes_total"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// The production throttle defaults (helpers::spawn raises them for the other tests).
fn production_limits() -> Value {
    json!({
        "register_max_per_ip": 10,
        "login_max_per_ip": 60,
        "login_max_per_account": 20,
        "refresh_max_per_ip": 120,
    })
}

#[tokio::test]
async fn a_registration_flood_from_one_address_is_throttled_while_another_logs_in() {
    let app = spawn_with(production_limits()).await;
    app.clock.freeze(); // a throttle window must not end mid-test
    let (status, _) = post_from(
        &app,
        "192.0.2.1",
        "/v1/auth/register",
        json!({"email": "ada@x.io", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 201);
    let flood = (0..200).map(|n| {
        let app = &app;
        async move {
            post_from(
                app,
                "203.0.113.7",
                "/v1/auth/register",
                json!({"email": format!("junk{n}@x.io"), "password": PASSWORD}),
            )
            .await
            .0
        }
    });
    let login = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        post_from(
            &app,
            "198.51.100.9",
            "/v1/auth/login",
            json!({"email": "ada@x.io", "password": PASSWORD}),
        )
        .await
    };
    let (statuses, (login_status, body)) =
        tokio::join!(futures_util::future::join_all(flood), login);
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    let created = statuses.iter().filter(|s| **s == 201).count();
    assert!(throttled >= 180, "one address gets 429s: {statuses:?}");
    assert!(created <= 10, "at most the limit gets through: {created}");
    assert_eq!(login_status, 200, "another address still signs in: {body}");
}

#[tokio::test]
async fn an_ipv6_client_is_one_64() {
    let app = spawn_with(json!({"register_max_per_ip": 2})).await;
    app.clock.freeze(); // a throttle window must not end mid-test
    let mut answers = Vec::new();
    for n in 0..3 {
        let ip = format!("2001:db8:1:2::{n:x}");
        let body = json!({"email": format!("v6-{n}@x.io"), "password": PASSWORD});
        answers.push(post_from(&app, &ip, "/v1/auth/register", body).await.0);
    }
    assert_eq!(answers, vec![201, 201, 429]);
    // Another /64 has its own bucket; the window ends with the clock.
    let body = json!({"email": "v6-other@x.io", "password": PASSWORD});
    assert_eq!(
        post_from(&app, "2001:db8:1:3::1", "/v1/auth/register", body)
            .await
            .0,
        201
    );
    app.clock.advance(Duration::from_secs(3601));
    let body = json!({"email": "v6-later@x.io", "password": PASSWORD});
    assert_eq!(
        post_from(&app, "2001:db8:1:2::9", "/v1/auth/register", body)
            .await
            .0,
        201
    );
}

#[tokio::test]
async fn logins_and_refreshes_are_throttled_per_address_and_account() {
    let app = spawn_with(
        json!({"login_max_per_ip": 3, "login_max_per_account": 4, "refresh_max_per_ip": 2}),
    )
    .await;
    app.clock.freeze(); // a throttle window must not end mid-test
    let tokens = register(&app, "ada@x.io").await;
    let wrong = json!({"email": "ada@x.io", "password": "wrong password"});
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(
            post_from(&app, "198.51.100.1", "/v1/auth/login", wrong.clone())
                .await
                .0,
        );
    }
    assert_eq!(answers, vec![401, 401, 401, 429]);
    let before = hashes_run(&app).await;
    let answers = [
        post_from(&app, "198.51.100.1", "/v1/auth/login", wrong.clone())
            .await
            .0,
        post_from(&app, "198.51.100.2", "/v1/auth/login", wrong.clone())
            .await
            .0,
        post_from(&app, "198.51.100.3", "/v1/auth/login", wrong.clone())
            .await
            .0,
    ];
    // The fourth attempt on the account (from a second address) is the last one let through.
    assert_eq!(answers[0], 429);
    assert_eq!(answers[2], 429, "per account, whatever the address");
    assert!(
        hashes_run(&app).await - before <= 1,
        "throttled attempts cost no argon2"
    );
    let refresh = json!({"refreshToken": refresh_token(&tokens)});
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(
            post_from(&app, "198.51.100.7", "/v1/auth/refresh", refresh.clone())
                .await
                .0,
        );
    }
    assert_eq!(answers[2], 429, "{answers:?}");
}

#[tokio::test]
async fn a_member_creating_a_user_gets_403_without_a_hash() {
    let app = spawn().await;
    app.clock.freeze(); // a throttle window must not end mid-test
    let owner = register(&app, "owner@x.io").await;
    send(
        &app,
        "POST",
        "/v1/users/",
        &access(&owner),
        Some(json!({"email": "m@x.io", "password": PASSWORD})),
    )
    .await;
    let (_, member) = login(&app, "m@x.io", PASSWORD).await;
    let before = hashes_run(&app).await;
    let (status, _) = send(
        &app,
        "POST",
        "/v1/users/",
        &access(&member),
        Some(json!({"email": "z@x.io", "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(hashes_run(&app).await, before, "the hasher was not invoked");
}

/// Login latency for one address while another floods registrations; prints p50/p99.
/// `cargo nextest run -p auth-svc --run-ignored only login_latency`
#[tokio::test]
#[ignore = "a measurement, not a check"]
async fn login_latency_while_another_address_floods() {
    let app = spawn_with(production_limits()).await;
    app.clock.freeze(); // a throttle window must not end mid-test
    post_from(
        &app,
        "192.0.2.1",
        "/v1/auth/register",
        json!({"email": "ada@x.io", "password": PASSWORD}),
    )
    .await;
    let quiet = login_times(&app, 5, 0).await;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flooder = {
        let (base, stop) = (app.client.base_url().to_owned(), stop.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let batch = (0..20).map(|_| {
                    n += 1;
                    client
                        .post(format!("{base}/v1/auth/register"))
                        .header("x-forwarded-for", format!("203.0.113.{}", n % 200))
                        .json(&json!({"email": format!("f{n}@x.io"), "password": PASSWORD}))
                        .send()
                });
                futures_util::future::join_all(batch).await;
            }
        })
    };
    let busy = login_times(&app, 15, 100).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = flooder.await;
    report("quiet", &quiet);
    report("under flood", &busy);
}

/// `n` sequential logins of one account from distinct addresses: (time, status) each.
async fn login_times(app: &TestApp, n: u8, first: u8) -> Vec<(Duration, u16)> {
    let mut took = Vec::new();
    for k in 0..n {
        let started = Instant::now();
        let ip = format!("198.51.100.{}", first + k);
        let body = json!({"email": "ada@x.io", "password": PASSWORD});
        let (status, _) = post_from(app, &ip, "/v1/auth/login", body).await;
        took.push((started.elapsed(), status));
    }
    took
}

fn report(what: &str, took: &[(Duration, u16)]) {
    let mut ms: Vec<u128> = took.iter().map(|(d, _)| d.as_millis()).collect();
    ms.sort_unstable();
    let failed = took.iter().filter(|(_, s)| *s != 200).count();
    println!(
        "login {what}: p50 {} ms, p99 {} ms, max {} ms, non-200 {failed}/{}",
        ms[ms.len() / 2],
        ms[(ms.len() * 99 / 100).min(ms.len() - 1)],
        ms[ms.len() - 1],
        ms.len()
    );
}
