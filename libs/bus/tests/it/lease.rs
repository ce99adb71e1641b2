use std::time::Duration;

use bus::{BusError, Lease};
use redis::AsyncCommands;
use shared_schemas::ids::RunId;
use tokio_util::sync::CancellationToken;

use crate::helpers::{TestRedis, tenant, until_some};

async fn holder_of(redis: &TestRedis, key: &str) -> Option<String> {
    redis.conn().get(key).await.expect("GET works")
}

#[tokio::test]
async fn an_expired_lease_taken_over_fences_out_its_old_holder() {
    let redis = TestRedis::start().await;
    let keys = &redis.keys;
    let key = keys.mcp_lease(&tenant(), "filesystem");
    let ttl = Duration::from_secs(1);

    let a = Lease::acquire(redis.conn(), keys, key.clone(), "pod-a".into(), ttl)
        .await
        .expect("redis")
        .expect("free lease");
    let t1 = a.fencing_token();
    let refused = Lease::acquire(redis.conn(), keys, key.clone(), "pod-b".into(), ttl)
        .await
        .expect("redis");
    assert!(refused.is_none(), "held by pod-a");

    // pod-a stops renewing; pod-b gets the lease once the TTL has run out.
    let b = until_some("pod-b acquires the expired lease", || {
        let (conn, key) = (redis.conn(), key.clone());
        async move {
            Lease::acquire(conn, keys, key, "pod-b".into(), Duration::from_secs(30))
                .await
                .expect("redis")
        }
    })
    .await;
    assert!(b.fencing_token() > t1, "{} > {t1}", b.fencing_token());

    let err = a.renew().await.expect_err("pod-a lost the lease");
    assert!(matches!(err, BusError::LeaseLost { .. }), "{err}");
    assert!(!a.release().await.expect("redis"), "pod-a released nothing");
    assert_eq!(holder_of(&redis, &key).await.as_deref(), Some("pod-b"));
    assert!(b.release().await.expect("redis"));
    assert_eq!(holder_of(&redis, &key).await, None);
    redis.cleanup().await;
}

#[tokio::test]
async fn renewing_extends_the_ttl_and_release_frees_the_key() {
    let redis = TestRedis::start().await;
    let key = redis.keys.run_lock(&RunId::generate());
    let lease = Lease::acquire(
        redis.conn(),
        &redis.keys,
        key.clone(),
        "engine-1".into(),
        Duration::from_secs(60),
    )
    .await
    .expect("redis")
    .expect("free lease");
    let _: bool = redis.conn().pexpire(&key, 5_000).await.expect("PEXPIRE");

    lease.renew().await.expect("still ours");

    let ttl: i64 = redis.conn().pttl(&key).await.expect("PTTL");
    assert!(ttl > 5_000, "renewed to the full TTL, got {ttl} ms");
    assert!(lease.release().await.expect("redis"));
    assert_eq!(holder_of(&redis, &key).await, None);
    redis.cleanup().await;
}

#[tokio::test]
async fn a_holder_reacquiring_its_key_cannot_be_undone_by_its_stale_lease() {
    let redis = TestRedis::start().await;
    let key = redis.keys.run_lock(&RunId::generate());
    let acquire = |ttl| Lease::acquire(redis.conn(), &redis.keys, key.clone(), "pod".into(), ttl);
    let stale = acquire(Duration::from_millis(50))
        .await
        .expect("redis")
        .expect("free lease");
    let fresh = until_some("the same holder acquires again after expiry", || {
        let attempt = acquire(Duration::from_secs(30));
        async move { attempt.await.expect("redis") }
    })
    .await;

    assert!(matches!(
        stale.renew().await,
        Err(BusError::LeaseLost { .. })
    ));
    assert!(!stale.release().await.expect("redis"));
    fresh.renew().await.expect("the new lease is intact");
    assert!(fresh.release().await.expect("redis"));
    redis.cleanup().await;
}

#[tokio::test]
async fn a_heartbeat_keeps_the_lease_beyond_its_ttl() {
    let redis = TestRedis::start().await;
    let key = redis.keys.slack_heartbeat("pod-a");
    let ttl = Duration::from_secs(2);
    let lease = Lease::acquire(redis.conn(), &redis.keys, key.clone(), "pod-a".into(), ttl)
        .await
        .expect("redis")
        .expect("free lease");
    let shutdown = CancellationToken::new();
    let heartbeat = lease.spawn_heartbeat(Duration::from_millis(100), shutdown.clone());

    // Watch for longer than the TTL: without renewals the key would expire in between.
    let watch_until = tokio::time::Instant::now() + ttl + Duration::from_secs(1);
    while tokio::time::Instant::now() < watch_until {
        let rival = Lease::acquire(redis.conn(), &redis.keys, key.clone(), "pod-b".into(), ttl)
            .await
            .expect("redis");
        assert!(rival.is_none(), "the lease expired despite the heartbeat");
        assert!(!heartbeat.is_lost());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    shutdown.cancel();
    heartbeat.stop().await;
    assert!(lease.release().await.expect("redis"));
    redis.cleanup().await;
}

#[tokio::test]
async fn a_heartbeat_signals_when_the_lease_changes_hands() {
    let redis = TestRedis::start().await;
    let key = redis.keys.mcp_lease(&tenant(), "git");
    let lease = Lease::acquire(
        redis.conn(),
        &redis.keys,
        key.clone(),
        "pod-a".into(),
        Duration::from_secs(30),
    )
    .await
    .expect("redis")
    .expect("free lease");
    let heartbeat = lease.spawn_heartbeat(Duration::from_millis(50), CancellationToken::new());
    let lost = heartbeat.lost();

    // Someone removes the lease (an operator, or expiry during a pause) and pod-b takes it.
    let _: usize = redis.conn().del(&key).await.expect("DEL works");
    let b = Lease::acquire(
        redis.conn(),
        &redis.keys,
        key.clone(),
        "pod-b".into(),
        Duration::from_secs(30),
    )
    .await
    .expect("redis")
    .expect("free lease");

    tokio::time::timeout(Duration::from_secs(10), lost.cancelled())
        .await
        .expect("the heartbeat reports the loss");
    assert!(heartbeat.is_lost());
    assert!(b.fencing_token() > lease.fencing_token());
    assert_eq!(holder_of(&redis, &key).await.as_deref(), Some("pod-b"));
    redis.cleanup().await;
}

#[tokio::test]
async fn a_dead_holders_lease_is_broken_only_while_it_holds_it_and_fences_it_out() {
    let redis = TestRedis::start().await;
    let keys = &redis.keys;
    let key = keys.run_lock(&RunId::generate());
    let ttl = Duration::from_secs(30);
    let dead = Lease::acquire(redis.conn(), keys, key.clone(), "pod-a".into(), ttl)
        .await
        .expect("redis")
        .expect("free lease");
    let conn = redis.conn();
    assert_eq!(
        bus::lease::holder_of(&conn, &key).await.expect("redis"),
        Some("pod-a".to_owned())
    );

    assert!(
        !bus::lease::break_held_by(&conn, &key, "pod-b")
            .await
            .expect("redis"),
        "only the named holder's lease is broken"
    );
    assert!(
        bus::lease::break_held_by(&conn, &key, "pod-a")
            .await
            .expect("redis")
    );

    let next = Lease::acquire(redis.conn(), keys, key.clone(), "pod-b".into(), ttl)
        .await
        .expect("redis")
        .expect("the broken lease is free");
    assert!(next.fencing_token() > dead.fencing_token());
    assert!(
        matches!(dead.renew().await, Err(BusError::LeaseLost { .. })),
        "the old holder cannot renew"
    );
    redis.cleanup().await;
}
