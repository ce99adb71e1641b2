//! The real `agent-runtime` binary, started the way the engine's process backend starts it (a
//! cleared environment): it boots, works, exits 0 on `shutdown` and on SIGTERM, and exits
//! non-zero when its Redis connection is lost.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{Harness, check_order, redis_url, temp_dir, vars};
use bus::Keys;
use serde_json::json;
use shared_schemas::ids::{RunId, TenantId};
use shared_schemas::runtime::RuntimeMessage;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

fn spawn_binary(env: &std::collections::BTreeMap<String, String>) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_agent-runtime"))
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn agent-runtime")
}

async fn boot(redis: String) -> (Harness, tokio::process::Child) {
    let (tenant, run) = (TenantId::generate(), RunId::generate());
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let workspace = temp_dir("bin");
    let mut env = vars(&tenant, &run, &prefix, &workspace, "openai/gpt-test", &[]);
    env.insert("REDIS_URL".into(), redis);
    let child = spawn_binary(&env);
    let mut rt = Harness::attach(tenant, run.clone(), Keys::new(prefix), workspace).await;
    let RuntimeMessage::Ready(ready) = rt.next().await else {
        panic!("ready first");
    };
    assert_eq!(ready.run_id, run);
    (rt, child)
}

#[tokio::test]
async fn the_binary_boots_runs_a_tool_and_exits_zero_on_shutdown() {
    let (mut rt, mut child) = boot(redis_url()).await;
    rt.send(
        json!({"type": "tool", "requestId": "t1", "toolName": "write",
        "args": {"path": "out/result.txt", "content": "42"}}),
    )
    .await;
    let end = check_order(&rt.until_idle("t1").await, "t1");
    assert!(end.success, "{end:?}");
    assert_eq!(
        std::fs::read_to_string(rt.workspace.join("out/result.txt")).expect("file"),
        "42"
    );
    rt.send(json!({"type": "shutdown", "graceful": true})).await;
    assert!(matches!(rt.next().await, RuntimeMessage::Exiting(_)));
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits")
        .expect("status");
    assert_eq!(status.code(), Some(0));
    rt.cleanup().await;
}

#[tokio::test]
async fn sigterm_ends_the_request_in_flight_and_exits_zero() {
    let (mut rt, mut child) = boot(redis_url()).await;
    rt.send(
        json!({"type": "tool", "requestId": "t1", "toolName": "bash",
        "args": {"command": "sleep 30"}}),
    )
    .await;
    while !matches!(rt.next().await, RuntimeMessage::ToolStart(_)) {}
    let pid = child.id().expect("pid");
    let pid = rustix::process::Pid::from_raw(i32::try_from(pid).expect("pid")).expect("pid");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM");
    let messages = rt.until_idle("t1").await;
    let ends: Vec<_> = messages
        .iter()
        .filter_map(|m| match m {
            RuntimeMessage::StepEnd(end) => Some(end),
            _ => None,
        })
        .collect();
    assert!(
        ends.len() == 1 && !ends[0].success && ends[0].result == "aborted",
        "{messages:?}"
    );
    assert!(matches!(rt.next().await, RuntimeMessage::Exiting(_)));
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits")
        .expect("status");
    assert_eq!(status.code(), Some(0), "SIGTERM is a shutdown, not a crash");
    rt.cleanup().await;
}

/// A TCP proxy to Redis whose connections can be cut.
struct Proxy {
    port: u16,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let held = links.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                held.lock().expect("lock").push(link);
            }
        });
        Self {
            port,
            links,
            accept,
        }
    }

    fn cut(&self) {
        self.accept.abort();
        for link in self.links.lock().expect("lock").drain(..) {
            link.abort();
        }
    }
}

#[tokio::test]
async fn losing_redis_ends_the_process_non_zero() {
    // redis://host:port/db → the proxy in front of host:port, same db.
    let url = redis_url();
    let rest = url.strip_prefix("redis://").expect("a redis:// URL");
    let (host_port, db) = rest.split_once('/').unwrap_or((rest, "0"));
    let proxy = Proxy::start(host_port.to_owned()).await;
    let (rt, mut child) = boot(format!("redis://127.0.0.1:{}/{db}", proxy.port)).await;
    proxy.cut();
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("the runtime notices the lost connection")
        .expect("status");
    assert!(!status.success(), "{status:?}");
    let logs = read_logs(&mut child).await;
    assert!(logs.contains("runtime failed"), "{logs}");
    rt.cleanup().await;
}

/// `redis://host:port/db` with `user:password` put in.
fn url_with_user(user: &str, password: &str) -> String {
    let url = redis_url();
    let rest = url.strip_prefix("redis://").expect("a redis:// URL");
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    format!("redis://{user}:{password}@{rest}")
}

#[tokio::test]
async fn the_runtime_works_as_its_runs_acl_user_which_reaches_nothing_else() {
    let (tenant, run) = (TenantId::generate(), RunId::generate());
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let keys = Keys::new(prefix.clone());
    let admin = redis::Client::open(redis_url()).expect("client");
    let mut admin = admin
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let (user, password) = bus::acl::create_run_user(&mut admin, &keys, &tenant, &run)
        .await
        .expect("run user");
    let workspace = temp_dir("acl");
    let mut env = vars(&tenant, &run, &prefix, &workspace, "openai/gpt-test", &[]);
    env.insert("REDIS_URL".into(), url_with_user(&user, &password));
    let mut child = spawn_binary(&env);
    let mut rt = Harness::attach(tenant.clone(), run.clone(), keys.clone(), workspace).await;
    assert!(matches!(rt.next().await, RuntimeMessage::Ready(_)));
    rt.send(
        json!({"type": "tool", "requestId": "t1", "toolName": "bash",
        "args": {"command": "echo fine"}}),
    )
    .await;
    assert!(check_order(&rt.until_idle("t1").await, "t1").success);

    // The same credentials cannot touch another run's stream or channel.
    let other = RunId::generate();
    let as_run = redis::Client::open(url_with_user(&user, &password)).expect("client");
    let mut as_run = as_run
        .get_multiplexed_async_connection()
        .await
        .expect("the run user connects");
    let forged: redis::RedisResult<String> = redis::cmd("XADD")
        .arg(keys.run_runtime(&tenant, &other))
        .arg("*")
        .arg("data")
        .arg("{}")
        .query_async(&mut as_run)
        .await;
    assert!(forged.is_err(), "another run's stream is out of reach");
    let injected: redis::RedisResult<i64> = redis::cmd("PUBLISH")
        .arg(keys.run_commands(&tenant, &other))
        .arg(r#"{"type":"shutdown"}"#)
        .query_async(&mut as_run)
        .await;
    assert!(injected.is_err(), "another run's commands are out of reach");

    // Deleting the user (the engine does when the run ends) closes its connections: exit ≠ 0.
    bus::acl::delete_run_user(&mut admin, &keys, &run)
        .await
        .expect("delete user");
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("the runtime exits")
        .expect("status");
    assert!(!status.success(), "{status:?}");
    let logs = read_logs(&mut child).await;
    assert!(logs.contains("runtime failed"), "{logs}");
    assert!(
        !logs.contains(&password),
        "the Redis password never reaches the logs"
    );
    rt.cleanup().await;
}

async fn read_logs(child: &mut tokio::process::Child) -> String {
    use tokio::io::AsyncReadExt;
    let mut logs = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut logs).await;
    }
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut logs).await;
    }
    logs
}

/// Whether `pid` still runs (a zombie waiting for init to reap it does not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let state = stat.rsplit(") ").next()?.chars().next()?;
            Some(state != 'Z' && state != 'X')
        })
        .unwrap_or(false)
}

#[tokio::test]
async fn the_runtime_dies_with_the_engine_that_started_it() {
    let (tenant, run) = (TenantId::generate(), RunId::generate());
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let workspace = temp_dir("orphan");
    let mut env = vars(&tenant, &run, &prefix, &workspace, "openai/gpt-test", &[]);
    env.insert("REDIS_URL".into(), redis_url());
    // A stand-in for the engine: a shell that starts the runtime and waits for it.
    let script = format!("'{}' & echo $!; wait", env!("CARGO_BIN_EXE_agent-runtime"));
    let mut parent = tokio::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .env_clear()
        .envs(&env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the parent");
    let mut rt = Harness::attach(tenant, run, Keys::new(prefix), workspace).await;
    assert!(matches!(rt.next().await, RuntimeMessage::Ready(_)));
    let mut out = String::new();
    let mut stdout = parent.stdout.take().expect("stdout");
    let mut byte = [0_u8; 1];
    while tokio::io::AsyncReadExt::read(&mut stdout, &mut byte)
        .await
        .expect("read")
        == 1
        && byte[0] != b'\n'
    {
        out.push(char::from(byte[0]));
    }
    let runtime: u32 = out.trim().parse().expect("the runtime's pid");
    assert!(alive(runtime));

    parent.kill().await.expect("kill -9 the parent");

    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while alive(runtime) {
        assert!(
            std::time::Instant::now() < deadline,
            "the runtime outlived its parent"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    rt.cleanup().await;
}
