//! Readiness follows the real dependencies.

use std::process::{Command, Stdio};
use std::time::Duration;

use kit::testing::json;

use crate::app::spawn_with;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

#[tokio::test]
async fn ready_is_200_when_postgres_and_redis_answer() {
    let (app, _) = spawn_with(|_| {}).await;
    let (status, body) = json(app.client.get("/health/ready").send().await.expect("send")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["checks"]["postgres"], "ok");
    let (status, _) = json(app.client.get("/health/live").send().await.expect("send")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn ready_is_503_when_postgres_is_unreachable() {
    let port = free_port();
    let (app, _) = spawn_with(|c| {
        c.database_url = Some(format!("postgres://auth_svc@127.0.0.1:{port}/x").into());
    })
    .await;
    let (status, body) = json(app.client.get("/health/ready").send().await.expect("send")).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["postgres"], "down");
    assert_eq!(body["checks"]["redis"], "ok");
    let (status, _) = json(app.client.get("/health/live").send().await.expect("send")).await;
    assert_eq!(status, 200, "liveness does not depend on Postgres");
}

#[tokio::test]
async fn ready_is_503_when_redis_goes_away() {
    let port = free_port();
    let mut redis = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server is installed by make test");
    let url = format!("redis://127.0.0.1:{port}");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (app, _) = spawn_with(|c| c.redis_url = Some(url.into())).await;
    assert_eq!(
        app.client
            .get("/health/ready")
            .send()
            .await
            .expect("send")
            .status(),
        200
    );
    redis.kill().expect("kill");
    redis.wait().expect("wait");
    let (status, body) = json(app.client.get("/health/ready").send().await.expect("send")).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["redis"], "down");
}
