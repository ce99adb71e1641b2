//! The run's own Redis user: its run's keys and channels, nothing else; gone with the runtime.

use std::time::Duration;

use shared_schemas::ids::{RunId, TenantId};

use crate::{connect, eventually, harness, log_lines, redis_url, scratch, script, start_request};

/// Starts a runtime that prints its REDIS_URL and stays up; returns the URL.
async fn runtime_url(h: &crate::Harness, tenant: &TenantId, run: &RunId) -> String {
    h.rt.start(start_request(tenant, run)).await.expect("start");
    let mut url = None;
    let printed = eventually(Duration::from_secs(10), async || {
        url = log_lines(h, tenant, run).await.into_iter().next();
        url.is_some()
    })
    .await;
    assert!(printed, "the runtime printed its REDIS_URL");
    url.unwrap_or_default()
}

fn is_noperm(result: &redis::RedisResult<redis::Value>) -> bool {
    matches!(result, Err(err) if err.code() == Some("NOPERM"))
}

#[tokio::test]
async fn the_runs_redis_user_reaches_its_own_run_and_nothing_else() {
    let dir = scratch();
    let bin = script(&dir, "printer", "echo \"$REDIS_URL\"\nexec sleep 300");
    let h = harness(|c| c.agent_runtime_bin = Some(bin), None).await;
    let (tenant, run) = (TenantId::generate(), RunId::generate());
    let url = runtime_url(&h, &tenant, &run).await;
    assert_ne!(
        url,
        redis_url(),
        "the runtime does not connect as the engine"
    );
    let client = redis::Client::open(url.as_str()).expect("url");
    let conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("the run user logs in");
    let query = |cmd: &redis::Cmd| {
        let cmd = cmd.clone();
        let mut conn = conn.clone();
        async move { cmd.query_async::<redis::Value>(&mut conn).await }
    };

    let own = h.keys.run_runtime(&tenant, &run);
    let added = query(redis::cmd("XADD").arg(&own).arg("*").arg("data").arg("{}")).await;
    assert!(added.is_ok(), "{added:?}");
    let published = query(
        redis::cmd("PUBLISH")
            .arg(h.keys.run_commands(&tenant, &run))
            .arg("x"),
    )
    .await;
    assert!(published.is_ok(), "{published:?}");

    let other_run = RunId::generate();
    let other_tenant = TenantId::generate();
    for refused in [
        redis::cmd("XRANGE")
            .arg(h.keys.run_runtime(&tenant, &other_run))
            .arg("-")
            .arg("+")
            .clone(),
        redis::cmd("GET")
            .arg(h.keys.run_status(&other_tenant, &run))
            .clone(),
        redis::cmd("XRANGE")
            .arg(h.keys.global_events())
            .arg("-")
            .arg("+")
            .clone(),
        redis::cmd("XADD")
            .arg(h.keys.tenant_events(&tenant))
            .arg("*")
            .arg("data")
            .arg("{}")
            .clone(),
        // Its own log stream is the engine's to write: the runtime cannot forge lines.
        redis::cmd("XADD")
            .arg(h.keys.run_logs(&tenant, &run))
            .arg("*")
            .arg("line")
            .arg("x")
            .clone(),
        redis::cmd("HGETALL").arg(h.keys.container(&run)).clone(),
        redis::cmd("PUBLISH")
            .arg(h.keys.run_commands(&tenant, &other_run))
            .arg("x")
            .clone(),
        redis::cmd("KEYS").arg("*").clone(),
    ] {
        let answer = query(&refused).await;
        assert!(is_noperm(&answer), "{refused:?} answered {answer:?}");
    }

    h.rt.stop(&run).await.expect("stop");
    let gone: Option<redis::Value> = redis::cmd("ACL")
        .arg("GETUSER")
        .arg(bus::acl::run_user(&h.keys, &run))
        .query_async(&mut h.redis.clone())
        .await
        .expect("acl getuser");
    assert!(
        gone.is_none() || gone == Some(redis::Value::Nil),
        "the run user is deleted"
    );
    let again = redis::Client::open(url.as_str())
        .expect("url")
        .get_multiplexed_async_connection()
        .await;
    assert!(again.is_err(), "its credentials no longer work");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn without_redis_acl_the_runtime_gets_the_engines_url() {
    let dir = scratch();
    let bin = script(&dir, "printer", "echo \"$REDIS_URL\"\nexec sleep 300");
    let h = harness(
        |c| {
            c.agent_runtime_bin = Some(bin);
            c.djb_redis_acl = false;
        },
        None,
    )
    .await;
    let (tenant, run) = (TenantId::generate(), RunId::generate());
    assert_eq!(runtime_url(&h, &tenant, &run).await, redis_url());
    let user: Option<redis::Value> = redis::cmd("ACL")
        .arg("GETUSER")
        .arg(bus::acl::run_user(&h.keys, &run))
        .query_async(&mut connect(&redis_url()).await)
        .await
        .expect("acl getuser");
    assert!(
        user.is_none() || user == Some(redis::Value::Nil),
        "no run user is made"
    );
    h.rt.stop(&run).await.expect("stop");
    let _ = std::fs::remove_dir_all(dir);
}
