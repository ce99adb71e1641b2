//! Redis down for ten seconds while a service keeps committing: once Redis is back every event
//! arrives, in commit order, none twice. The test runs its own redis-server (with an
//! append-only file, so the restart keeps what was published before the outage); the shared
//! test Redis is never stopped.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kit::db::TenantTx;
use kit::outbox::{self, Relay, RelayConfig};
use tokio_util::sync::CancellationToken;

use crate::support::{Setup, delete_event, publisher_for, unique_prefix, wait_for};

struct OwnRedis {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl OwnRedis {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let dir =
            std::env::temp_dir().join(format!("djb-outage-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("redis dir");
        let mut redis = Self {
            port,
            dir,
            child: None,
        };
        redis.restart();
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (make test installs it)");
        self.child = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A clean shutdown: the append-only file is flushed, the process exits.
    fn stop(&mut self) {
        let _ = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "shutdown"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn redis_down_ten_seconds_then_back_every_event_arrives_in_order_once() {
    let s = Setup::new().await;
    let mut redis = OwnRedis::start();
    let conn = kit::platform::connect_redis(&redis.url())
        .await
        .expect("own redis");
    let publisher = publisher_for(conn.clone(), &unique_prefix());
    let key = publisher.keys().tenant_events(&s.tenant);
    let stop = CancellationToken::new();
    let config = RelayConfig {
        poll: Duration::from_millis(100),
        ..RelayConfig::default()
    };
    let relay = Relay::new(s.pool.clone(), publisher, config).spawn(stop.clone());

    // A writer commits an event every 50 ms before, during and after the outage.
    let (pool, tenant) = (s.pool.clone(), s.tenant.clone());
    let writer = tokio::spawn(async move {
        let mut sent = Vec::new();
        let started = Instant::now();
        let mut i = 0;
        while started.elapsed() < Duration::from_secs(14) {
            let mut tx = TenantTx::begin(&pool, &tenant).await.expect("begin");
            let event = delete_event(&format!("agt_{i}"));
            sent.push(
                outbox::append(&mut tx, event)
                    .await
                    .expect("append")
                    .id
                    .to_string(),
            );
            tx.commit().await.expect("commit");
            i += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        sent
    });

    tokio::time::sleep(Duration::from_secs(2)).await;
    redis.stop();
    tokio::time::sleep(Duration::from_secs(10)).await;
    redis.restart();
    let sent = writer.await.expect("writer");

    let got = wait_for(&conn, &key, sent.len(), Duration::from_secs(30)).await;
    let got: Vec<String> = got.iter().map(|e| e.id.to_string()).collect();
    assert_eq!(got, sent, "every event, in commit order, once");
    stop.cancel();
    relay.await.expect("relay task");
}
