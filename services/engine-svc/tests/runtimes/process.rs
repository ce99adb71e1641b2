//! The process backend: start, ready, shutdown, kill, environment, workspace, logs.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt as _;
use std::time::Duration;

use engine_svc::runtimes::session::RuntimeSession;
use engine_svc::runtimes::{RuntimeStatus, registry};
use shared_schemas::ids::{RunId, TenantId};
use shared_schemas::runtime::{RuntimeCommand, RuntimeMessage, Shutdown};

use crate::{eventually, harness, log_lines, processes, scratch, script, start_request};

#[tokio::test]
async fn runtime_reports_ready_on_its_stream_exits_on_shutdown_and_is_reaped() {
    let h = harness(|_| {}, None).await;
    let (tenant, run) = (TenantId::generate(), RunId::generate());
    let handle =
        h.rt.start(start_request(&tenant, &run))
            .await
            .expect("start");
    let entry =
        h.rt.registry()
            .get(&run)
            .await
            .expect("get")
            .expect("entry");
    assert_eq!(entry.status, registry::status::RUNNING);
    assert_eq!(entry.container_id, handle.id);
    assert_eq!(entry.instance, h.rt.instance_id());
    assert_eq!(
        (entry.step_id.as_deref(), entry.attempt),
        (Some("build"), Some(1))
    );
    let pid = entry.pid.expect("pid recorded");

    let mut session = RuntimeSession::open(&h.rt, &tenant, &run)
        .await
        .expect("session");
    let ready = session.wait_ready().await.expect("ready");
    assert_eq!(ready.run_id, run);
    session
        .send(&RuntimeCommand::Shutdown(Shutdown {
            graceful: true,
            timestamp: 0,
        }))
        .await
        .expect("send");
    let exiting = session.next(Duration::from_secs(10)).await.expect("read");
    assert!(
        matches!(exiting, Some(RuntimeMessage::Exiting(_))),
        "{exiting:?}"
    );
    let ended = h.rt.backend().wait(&handle).await.expect("wait");
    assert_eq!(ended, RuntimeStatus::Exited(0));
    // Reaped: no zombie, no process at all under that pid.
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "pid {pid} still exists"
    );
    assert!(
        eventually(Duration::from_secs(5), async || {
            h.rt.registry()
                .get(&run)
                .await
                .ok()
                .flatten()
                .is_some_and(|e| e.status == "exited")
        })
        .await,
        "the exit is recorded"
    );
    assert_eq!(
        h.rt.stop(&run).await.expect("stop"),
        Some(RuntimeStatus::Exited(0))
    );
    assert!(
        h.rt.registry().get(&run).await.expect("get").is_none(),
        "entry removed"
    );
}

#[tokio::test]
async fn stopping_a_runtime_that_ignores_sigterm_kills_its_whole_group_and_leaves_no_zombie() {
    let dir = scratch();
    // TERM is ignored by the shell and (inherited) by its background child.
    let bin = script(
        &dir,
        "stubborn",
        "trap '' TERM\nsleep 300 &\necho \"child $!\"\nsleep 300",
    );
    let h = harness(
        |c| {
            c.agent_runtime_bin = Some(bin);
            c.runtime_stop_grace_secs = 1;
        },
        None,
    )
    .await;
    let (tenant, run) = (TenantId::generate(), RunId::generate());
    let handle =
        h.rt.start(start_request(&tenant, &run))
            .await
            .expect("start");
    let pid =
        h.rt.registry()
            .get(&run)
            .await
            .expect("get")
            .expect("entry")
            .pid
            .expect("pid");
    assert!(
        eventually(Duration::from_secs(5), async || {
            processes().iter().filter(|p| p.2 == pid).count() >= 2
        })
        .await,
        "the script and its background child run in the runtime's own group"
    );
    assert_ne!(
        processes()
            .iter()
            .find(|p| p.0 == std::process::id())
            .map(|p| p.2),
        Some(pid),
        "not the engine's group"
    );
    let ended = h.rt.stop(&run).await.expect("stop").expect("ours");
    assert_eq!(
        ended,
        RuntimeStatus::Exited(128 + 9),
        "killed after the grace period"
    );
    assert!(
        eventually(Duration::from_secs(5), async || processes()
            .iter()
            .all(|p| p.2 != pid))
        .await,
        "a process of the group survived: {:?}",
        processes()
            .into_iter()
            .filter(|p| p.2 == pid)
            .collect::<Vec<_>>()
    );
    let me = std::process::id();
    let zombies: Vec<_> = processes()
        .into_iter()
        .filter(|p| p.1 == me && p.3 == 'Z')
        .collect();
    assert!(zombies.is_empty(), "zombie children: {zombies:?}");
    assert!(h.rt.registry().get(&run).await.expect("get").is_none());
    assert_eq!(
        h.rt.backend().status(&handle).await.expect("status"),
        RuntimeStatus::Gone
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn runtime_sees_only_the_environment_the_engine_gives_it() {
    let h = harness(|c| c.agent_runtime_bin = Some("/usr/bin/env".into()), None).await;
    let (tenant, run) = (TenantId::generate(), RunId::generate());
    let handle =
        h.rt.start(start_request(&tenant, &run))
            .await
            .expect("start");
    h.rt.backend().wait(&handle).await.expect("wait");
    let lines = log_lines(&h, &tenant, &run).await;
    let names: BTreeSet<&str> = lines
        .iter()
        .filter_map(|l| l.split_once('=').map(|(n, _)| n))
        .collect();
    let expected: BTreeSet<&str> = [
        "AGENT_ID",
        "AGENT_MODEL",
        "HOME",
        "OPENAI_API_KEY",
        "PATH",
        "REDIS_PREFIX",
        "REDIS_URL",
        "RUN_ID",
        "RUST_LOG",
        "TENANT_ID",
        "WORKSPACE_PATH",
    ]
    .into();
    assert_eq!(names, expected, "{lines:?}");
    // The test process has variables of its own (cargo sets CARGO_MANIFEST_DIR); none leaks.
    let parent: Vec<String> = std::env::vars().map(|(name, _)| name).collect();
    assert!(parent.iter().any(|n| n == "CARGO_MANIFEST_DIR"));
    for name in parent.iter().filter(|n| !expected.contains(n.as_str())) {
        assert!(
            !names.contains(name.as_str()),
            "{name} leaked into the runtime"
        );
    }
    let workspace = h.rt.workspace(&tenant, &run).expect("workspace");
    assert!(
        lines.contains(&format!("HOME={}", workspace.display())),
        "{lines:?}"
    );
    assert!(lines.contains(&format!("TENANT_ID={tenant}")));
    assert!(lines.contains(&format!("REDIS_PREFIX={}", h.keys.prefix())));
    let url = lines
        .iter()
        .find_map(|l| l.strip_prefix("REDIS_URL="))
        .expect("url");
    assert!(
        url.starts_with(&format!("redis://{}-run-{run}:", h.keys.prefix())),
        "{url}"
    );
    h.rt.stop(&run).await.expect("stop");
}

#[tokio::test]
async fn the_run_directory_is_the_runtimes_cwd_and_is_private() {
    let dir = scratch();
    let bin = script(&dir, "where", "pwd\necho done >&2");
    let h = harness(|c| c.agent_runtime_bin = Some(bin), None).await;
    let (tenant, run) = (TenantId::generate(), RunId::generate());
    let handle =
        h.rt.start(start_request(&tenant, &run))
            .await
            .expect("start");
    h.rt.backend().wait(&handle).await.expect("wait");
    let workspace = h.rt.workspace(&tenant, &run).expect("workspace");
    assert!(workspace.is_absolute());
    assert!(workspace.ends_with(format!("tenants/{tenant}/runs/{run}")));
    let mut lines = log_lines(&h, &tenant, &run).await;
    lines.sort();
    assert_eq!(
        lines,
        vec![workspace.display().to_string(), "done".to_owned()]
    );
    let logged = h.rt.backend().logs(&handle, 10).await.expect("logs");
    assert!(
        logged
            .iter()
            .any(|l| l.line == "done" && l.stream == "stderr"),
        "{logged:?}"
    );
    let mode = std::fs::metadata(&workspace)
        .expect("dir")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);
    h.rt.stop(&run).await.expect("stop");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_drained_instance_starts_nothing_and_hands_its_runtimes_back() {
    let dir = scratch();
    let bin = script(&dir, "sleeper", "exec sleep 300");
    let h = harness(|c| c.agent_runtime_bin = Some(bin), None).await;
    let (tenant, run) = (TenantId::generate(), RunId::generate());
    let handle =
        h.rt.start(start_request(&tenant, &run))
            .await
            .expect("start");
    let started = tokio::time::Instant::now();
    h.rt.drain(Duration::from_millis(300)).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        h.rt.backend().status(&handle).await.expect("status"),
        RuntimeStatus::Gone
    );
    let entry =
        h.rt.registry()
            .get(&run)
            .await
            .expect("get")
            .expect("kept for the others");
    assert_eq!(entry.status, registry::status::HANDED_BACK);
    let refused = h.rt.start(start_request(&tenant, &RunId::generate())).await;
    assert!(refused.is_err(), "a draining instance starts no runtime");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_real_runtime_stopped_mid_run_leaves_no_process_and_no_zombie() {
    let h = harness(|_| {}, None).await;
    let (tenant, run) = (TenantId::generate(), RunId::generate());
    h.rt.start(start_request(&tenant, &run))
        .await
        .expect("start");
    let pid =
        h.rt.registry()
            .get(&run)
            .await
            .expect("get")
            .expect("entry")
            .pid
            .expect("pid");
    let mut session = RuntimeSession::open(&h.rt, &tenant, &run)
        .await
        .expect("session");
    session.wait_ready().await.expect("ready");
    let ended = h.rt.stop(&run).await.expect("stop").expect("ours");
    assert!(matches!(ended, RuntimeStatus::Exited(_)), "{ended:?}");
    assert!(
        processes().iter().all(|p| p.0 != pid && p.2 != pid),
        "pid {pid} or its group survived"
    );
    let me = std::process::id();
    assert!(
        processes().iter().all(|p| !(p.1 == me && p.3 == 'Z')),
        "no zombie child"
    );
    let user: Option<redis::Value> = redis::cmd("ACL")
        .arg("GETUSER")
        .arg(bus::acl::run_user(&h.keys, &run))
        .query_async(&mut h.redis.clone())
        .await
        .expect("acl getuser");
    assert!(
        matches!(user, None | Some(redis::Value::Nil)),
        "run user deleted: {user:?}"
    );
}

#[tokio::test]
async fn a_runtime_that_cannot_start_leaves_no_entry_and_no_redis_user() {
    let h = harness(
        |c| c.agent_runtime_bin = Some("/nonexistent/agent-runtime".into()),
        None,
    )
    .await;
    let (tenant, run) = (TenantId::generate(), RunId::generate());
    let failed = h.rt.start(start_request(&tenant, &run)).await;
    assert!(failed.is_err(), "{failed:?}");
    assert!(h.rt.registry().get(&run).await.expect("get").is_none());
    let user: Option<redis::Value> = redis::cmd("ACL")
        .arg("GETUSER")
        .arg(bus::acl::run_user(&h.keys, &run))
        .query_async(&mut h.redis.clone())
        .await
        .expect("acl getuser");
    assert!(matches!(user, None | Some(redis::Value::Nil)), "{user:?}");
}
