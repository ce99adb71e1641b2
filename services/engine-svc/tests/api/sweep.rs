//! The step sweep: a running attempt whose engine instance died before it registered a runtime
//! is failed over (and retried); attempts of live instances, of this one, and ones already
//! ended are left alone.

use engine_svc::flows::steps::{self, vanished::sweep_dead_owners};
use engine_svc::runtimes::instance::Liveness;
use engine_svc::runtimes::service::RuntimesParts;
use engine_svc::runtimes::{Runtimes, RuntimesConfig};

use crate::support::{engine, pipeline};

const ONE: &str = "  - {id: A, agent: a, input: go, maxRetries: 1}\n";

#[tokio::test]
async fn attempts_of_a_dead_instance_without_a_runtime_are_failed_over_once() {
    let e = engine().await;
    let platform = &e.app.platform;
    let data = std::env::temp_dir().join(format!("djb-sweep-{}", uuid::Uuid::new_v4().simple()));
    let rt = Runtimes::new(RuntimesParts {
        config: RuntimesConfig {
            data_path: data,
            ..RuntimesConfig::default()
        },
        instance: "engine-me".to_owned(),
        redis: platform.redis.clone(),
        redis_url: kit::testing::redis_url(),
        client: redis::Client::open(kit::testing::redis_url()).expect("client"),
        keys: platform.keys.clone(),
        db: platform.db.clone(),
    });
    let live = Liveness::new(
        platform.redis.clone(),
        platform.keys.clone(),
        "engine-live".to_owned(),
        std::time::Duration::from_secs(30),
    );
    live.beat().await.expect("beat");

    let t = e.app.tenant("Alpha").await;
    let u = e.app.tenant("Beta").await;
    let id = e.pipeline(&t.id, &pipeline("one", ONE)).await;
    let other = e.pipeline(&u.id, &pipeline("one", ONE)).await;
    let dead_run = e.start(&t, &id, "t").await;
    let live_run = e.start(&t, &id, "t").await;
    let mine_run = e.start(&t, &id, "t").await;
    let beta_run = e.start(&u, &other, "t").await;
    let now = platform.clock.now_ms();
    for (tenant, run, instance) in [
        (&t.id, &dead_run, "engine-dead"),
        (&t.id, &live_run, "engine-live"),
        (&t.id, &mine_run, "engine-me"),
        (&u.id, &beta_run, "engine-dead"),
    ] {
        steps::begin_attempt(&platform.db, tenant, run, "A", 1, 7, instance, now)
            .await
            .expect("begin")
            .expect("begun");
    }

    // Across tenants: both of the dead instance's attempts.
    let failed = sweep_dead_owners(&e.state, &rt).await.expect("sweep");
    assert_eq!(failed, 2);
    assert_eq!(e.queued(&t.id, &dead_run).await, Some(("A".to_owned(), 2)));
    assert_eq!(e.queued(&u.id, &beta_run).await, Some(("A".to_owned(), 2)));
    let detail = e.run(&t.id, &dead_run).await;
    let step = detail.steps.iter().find(|s| s.step_id == "A").expect("A");
    assert_eq!(step.status, "queued");
    for run in [&live_run, &mine_run] {
        let detail = e.run(&t.id, run).await;
        assert_eq!(detail.steps[0].status, "running", "{run} left alone");
        assert_eq!(detail.steps[0].attempt, 1);
    }
    assert_eq!(
        sweep_dead_owners(&e.state, &rt).await.expect("sweep"),
        0,
        "a second pass changes nothing"
    );
}
