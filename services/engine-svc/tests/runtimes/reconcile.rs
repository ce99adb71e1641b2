//! The reconciler: dead owners, finished runs, crashed runtimes, orphans.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use engine_svc::runtimes::RuntimeStatus;
use engine_svc::runtimes::reconcile::{
    OnVanished, VanishReason, VanishedRuntime, list_vanished, reconcile_once,
};
use engine_svc::runtimes::registry::{Entry, status};
use kit::db::Db;
use kit::testing::TestDb;
use shared_schemas::ids::{AgentId, RunId, TenantId};

use crate::{harness, scratch, script, start_request};

#[derive(Default)]
struct Recorder(Mutex<Vec<VanishedRuntime>>);

#[async_trait]
impl OnVanished for Recorder {
    async fn runtime_vanished(&self, vanished: &VanishedRuntime) -> anyhow::Result<()> {
        self.0.lock().expect("lock").push(vanished.clone());
        Ok(())
    }
}

async fn insert_run(db: &TestDb, tenant: &TenantId, run: &RunId, status: &str) {
    sqlx::query(
        "insert into engine.runs (id, tenant_id, pipeline_id, pipeline_yaml, task, status, \
         created_at, updated_at) values ($1, $2, 'execute', 'steps: []', 'a task', $3, 1, 1)",
    )
    .bind(run.as_str())
    .bind(tenant.as_str())
    .bind(status)
    .execute(&db.admin)
    .await
    .expect("insert run");
}

fn entry(tenant: &TenantId, run: &RunId, instance: &str) -> Entry {
    Entry {
        run: run.clone(),
        tenant: tenant.clone(),
        agent: AgentId::generate(),
        container_id: "elsewhere:4242".into(),
        backend: "process".into(),
        status: status::RUNNING.into(),
        instance: instance.into(),
        pid: Some(4242),
        created_at: 1,
        step_id: Some("review".into()),
        attempt: Some(2),
        session_id: None,
        exit_code: None,
        exited_at: None,
        last_stream_id: None,
        reaper: None,
    }
}

#[tokio::test]
async fn reconciler_removes_entries_of_dead_owners_and_finished_runs_and_keeps_live_ones() {
    let db = TestDb::create().await;
    let (tenant, _) = db.create_tenant("acme").await;
    let dir = scratch();
    let bin = script(&dir, "sleeper", "exec sleep 300");
    let pool = Db::from_pool(db.pool_as("engine_svc").await);
    let h = harness(|c| c.agent_runtime_bin = Some(bin), Some(pool)).await;

    // Ours, its run completed meanwhile: stopped and removed.
    let finished = RunId::generate();
    insert_run(&db, &tenant, &finished, "completed").await;
    let handle =
        h.rt.start(start_request(&tenant, &finished))
            .await
            .expect("start");
    // A dead replica's runtime under a running run: reported, removed.
    let orphaned = RunId::generate();
    insert_run(&db, &tenant, &orphaned, "running").await;
    h.rt.registry()
        .put(&entry(&tenant, &orphaned, "dead-replica"))
        .await
        .expect("put");
    // A live replica's runtime: none of our business.
    let elsewhere = RunId::generate();
    insert_run(&db, &tenant, &elsewhere, "running").await;
    h.rt.registry()
        .put(&entry(&tenant, &elsewhere, "live-replica"))
        .await
        .expect("put");
    let other = engine_svc::runtimes::instance::Liveness::new(
        h.redis.clone(),
        h.keys.clone(),
        "live-replica".into(),
        Duration::from_secs(30),
    );
    other.beat().await.expect("beat");
    // A deleted run's entry of a dead replica: removed without a report.
    let deleted = RunId::generate();
    h.rt.registry()
        .put(&entry(&tenant, &deleted, "dead-replica"))
        .await
        .expect("put");

    let listed = list_vanished(&h.rt).await.expect("list");
    assert!(listed.iter().any(|v| v.run == orphaned), "{listed:?}");

    let recorder = Recorder::default();
    let report = reconcile_once(&h.rt, &recorder).await.expect("reconcile");
    let mut finished_runs = report.finished.clone();
    finished_runs.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    let mut expected = vec![finished.clone(), deleted.clone()];
    expected.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    assert_eq!(finished_runs, expected);
    let vanished = recorder.0.lock().expect("lock").clone();
    assert_eq!(vanished.len(), 1, "{vanished:?}");
    assert_eq!(vanished[0].run, orphaned);
    assert_eq!(vanished[0].tenant, tenant);
    assert_eq!(
        (vanished[0].step_id.as_deref(), vanished[0].attempt),
        (Some("review"), Some(2))
    );
    assert_eq!(vanished[0].reason, VanishReason::OwnerGone);

    for run in [&finished, &orphaned, &deleted] {
        assert!(
            h.rt.registry().get(run).await.expect("get").is_none(),
            "{run} kept"
        );
    }
    assert!(
        h.rt.registry()
            .get(&elsewhere)
            .await
            .expect("get")
            .is_some()
    );
    assert!(
        !h.rt
            .backend()
            .status(&handle)
            .await
            .expect("status")
            .is_running()
    );
    assert!(
        h.rt.handle(&finished).is_none(),
        "forgotten by this instance"
    );
    // A second pass finds nothing more to do.
    let again = reconcile_once(&h.rt, &recorder).await.expect("reconcile");
    assert_eq!(again, Default::default());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_runtime_that_crashed_under_its_step_is_reported_once_the_grace_passed() {
    let db = TestDb::create().await;
    let (tenant, _) = db.create_tenant("acme").await;
    let dir = scratch();
    let bin = script(&dir, "crasher", "exit 3");
    let pool = Db::from_pool(db.pool_as("engine_svc").await);
    let h = harness(
        |c| {
            c.agent_runtime_bin = Some(bin);
            c.runtime_vanish_grace_secs = 0;
        },
        Some(pool),
    )
    .await;
    let run = RunId::generate();
    insert_run(&db, &tenant, &run, "running").await;
    let handle =
        h.rt.start(start_request(&tenant, &run))
            .await
            .expect("start");
    assert_eq!(
        h.rt.backend().wait(&handle).await.expect("wait"),
        RuntimeStatus::Exited(3)
    );

    let recorder = Recorder::default();
    let report = reconcile_once(&h.rt, &recorder).await.expect("reconcile");
    assert_eq!(report.vanished.len(), 1, "{report:?}");
    let vanished = &report.vanished[0];
    assert_eq!(vanished.run, run);
    assert_eq!(vanished.reason, VanishReason::Exited(3));
    assert_eq!(
        (vanished.step_id.as_deref(), vanished.attempt),
        (Some("build"), Some(1))
    );
    assert_eq!(recorder.0.lock().expect("lock").len(), 1);
    assert!(h.rt.registry().get(&run).await.expect("get").is_none());
    assert!(h.rt.handle(&run).is_none(), "forgotten");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_runtime_whose_entry_disappeared_is_stopped() {
    let db = TestDb::create().await;
    let (tenant, _) = db.create_tenant("acme").await;
    let dir = scratch();
    let bin = script(&dir, "sleeper", "exec sleep 300");
    let pool = Db::from_pool(db.pool_as("engine_svc").await);
    let h = harness(|c| c.agent_runtime_bin = Some(bin), Some(pool)).await;
    let run = RunId::generate();
    insert_run(&db, &tenant, &run, "running").await;
    let handle =
        h.rt.start(start_request(&tenant, &run))
            .await
            .expect("start");
    h.rt.registry().delete(&run).await.expect("delete");
    let report = reconcile_once(&h.rt, &Recorder::default())
        .await
        .expect("reconcile");
    assert_eq!(report.orphans, vec![run.clone()]);
    assert!(
        !h.rt
            .backend()
            .status(&handle)
            .await
            .expect("status")
            .is_running()
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_dead_replicas_runtime_on_this_host_is_stopped_by_a_survivor() {
    let db = TestDb::create().await;
    let (tenant, _) = db.create_tenant("acme").await;
    let dir = scratch();
    let bin = script(&dir, "sleeper", "exec sleep 300");
    let pool = Db::from_pool(db.pool_as("engine_svc").await);
    let dead = harness(
        |c| c.agent_runtime_bin = Some(bin.clone()),
        Some(pool.clone()),
    )
    .await;
    let run = RunId::generate();
    insert_run(&db, &tenant, &run, "running").await;
    let handle = dead
        .rt
        .start(start_request(&tenant, &run))
        .await
        .expect("start");
    // The survivor shares the data directory and the key prefix; the dead one never beat.
    let survivor = crate::Harness {
        rt: engine_svc::runtimes::Runtimes::new(engine_svc::runtimes::service::RuntimesParts {
            config: dead.rt.config().clone(),
            instance: "survivor".into(),
            redis: dead.redis.clone(),
            redis_url: crate::redis_url(),
            client: redis::Client::open(crate::redis_url()).expect("client"),
            keys: dead.keys.clone(),
            db: pool,
        }),
        keys: dead.keys.clone(),
        redis: dead.redis.clone(),
        data: scratch(),
    };
    survivor.rt.liveness().beat().await.expect("beat");
    let recorder = Recorder::default();
    let report = reconcile_once(&survivor.rt, &recorder)
        .await
        .expect("reconcile");
    assert_eq!(report.vanished.len(), 1, "{report:?}");
    assert_eq!(report.vanished[0].reason, VanishReason::OwnerGone);
    // Found by its working directory, signalled as a group: the process is gone.
    assert!(
        crate::eventually(Duration::from_secs(5), async || {
            !dead
                .rt
                .backend()
                .status(&handle)
                .await
                .expect("status")
                .is_running()
        })
        .await
    );
    assert!(
        survivor
            .rt
            .registry()
            .get(&run)
            .await
            .expect("get")
            .is_none()
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_heartbeat_keeps_the_liveness_key_and_removes_it_at_stop() {
    let h = harness(
        |c| {
            c.instance_ttl_secs = 3;
            c.instance_heartbeat_secs = 1;
        },
        None,
    )
    .await;
    let stop = tokio_util::sync::CancellationToken::new();
    let beating = tokio::spawn(engine_svc::workers::heartbeat::run(
        h.rt.clone(),
        stop.clone(),
    ));
    let key = h.keys.engine_instance(h.rt.instance_id());
    let ttl = async || -> i64 {
        redis::cmd("PTTL")
            .arg(&key)
            .query_async(&mut h.redis.clone())
            .await
            .expect("pttl")
    };
    assert!(crate::eventually(Duration::from_secs(2), async || ttl().await > 0).await);
    // Past the first TTL the key is still there: it is renewed.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let left = ttl().await;
    assert!(left > 0 && left <= 3000, "{left}");
    stop.cancel();
    beating.await.expect("join");
    assert_eq!(ttl().await, -2, "removed at a clean stop");
}
