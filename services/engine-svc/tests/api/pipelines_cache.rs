//! The parsed pipelines in Redis: a load is served from the cache until a change on any
//! instance retires it, a fill that raced a change is never served, the TTL is the configured
//! one, and every change is announced on `pipeline_invalidate`.

use std::sync::Arc;
use std::time::Duration;

use engine_svc::config::EngineConfig;
use engine_svc::flows::pipelines::load;
use engine_svc::{AppState, SERVICE};
use futures_util::StreamExt;
use kit::Platform;
use kit::testing::{Method, TestApp, TestClient};
use redis::AsyncCommands;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::pipelines_support::{body, config_for, repo_root, seed, spawn_bare, yaml};

fn config(ttl: u64) -> EngineConfig {
    let mut config = config_for(&repo_root().join("pipelines"));
    config.pipeline_cache_ttl_secs = Some(ttl);
    config
}

/// A second engine-svc on the same database and Redis, with its own connections: another replica.
async fn second_instance(app: &TestApp, config: EngineConfig) -> (TestClient, CancellationToken) {
    let redis = redis::Client::open(kit::testing::redis_url())
        .expect("redis url")
        .get_connection_manager()
        .await
        .expect("redis");
    let platform = Platform::from_parts(
        SERVICE,
        (*app.platform.config).clone(),
        app.platform.db.clone(),
        redis,
    )
    .expect("platform");
    let router = engine_svc::router(AppState::new(platform, Arc::new(config)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let stop = CancellationToken::new();
    tokio::spawn(kit::http::serve(
        router,
        listener,
        stop.clone(),
        Duration::from_secs(1),
    ));
    (TestClient::new(format!("http://{addr}")), stop)
}

async fn name_loaded(
    app: &TestApp,
    config: &EngineConfig,
    tenant: &shared_schemas::ids::TenantId,
    id: &str,
) -> Option<String> {
    load(&app.platform, config, tenant, id)
        .await
        .expect("load")
        .map(|(row, parsed)| {
            assert_eq!(
                row.name, parsed.name,
                "the row and its model travel together"
            );
            row.name
        })
}

#[tokio::test]
async fn a_change_on_one_instance_retires_the_cached_copy_everywhere() {
    let config = config(300);
    let app = spawn_bare(config.clone()).await;
    seed(&app, &config).await;
    let (other, stop) = second_instance(&app, config.clone()).await;
    let a = app.tenant("Alpha").await;
    app.client
        .bearer(&a.token)
        .setup(
            Method::POST,
            "/v1/pipelines/",
            body(&yaml("cached", "V1", "x")),
        )
        .await;

    assert_eq!(
        name_loaded(&app, &config, &a.id, "cached").await.as_deref(),
        Some("V1")
    );
    let key = app.platform.keys.pipeline_cache(&a.id, "cached");
    let mut redis = app.platform.redis.clone();
    let ttl: i64 = redis.ttl(&key).await.expect("ttl");
    assert!(
        (1..=300).contains(&ttl),
        "cached with the configured TTL: {ttl}"
    );
    let first_fill: String = redis.get(&key).await.expect("cached entry");

    // A write that bypasses the API is not seen: the load is served from Redis.
    sqlx::query("update engine.pipelines set name = 'Sneaky' where id = 'cached'")
        .execute(&app.db.admin)
        .await
        .expect("update");
    assert_eq!(
        name_loaded(&app, &config, &a.id, "cached").await.as_deref(),
        Some("V1")
    );

    // A change through the other instance is seen at once.
    let (status, _) = other
        .bearer(&a.token)
        .put("/v1/pipelines/cached", body(&yaml("cached", "V2", "x")))
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(
        name_loaded(&app, &config, &a.id, "cached").await.as_deref(),
        Some("V2")
    );

    // A fill that read the old row but reached Redis after the change is never served.
    let _: () = redis.set(&key, &first_fill).await.expect("stale fill");
    assert_eq!(
        name_loaded(&app, &config, &a.id, "cached").await.as_deref(),
        Some("V2")
    );

    // Shadowing and un-shadowing a global, through the other instance.
    assert_eq!(
        name_loaded(&app, &config, &a.id, "execute")
            .await
            .as_deref(),
        Some("Execute Task")
    );
    other
        .bearer(&a.token)
        .setup(
            Method::PUT,
            "/v1/pipelines/execute",
            body(&yaml("execute", "Ours", "x")),
        )
        .await;
    assert_eq!(
        name_loaded(&app, &config, &a.id, "execute")
            .await
            .as_deref(),
        Some("Ours")
    );
    other
        .bearer(&a.token)
        .setup(Method::DELETE, "/v1/pipelines/execute", None)
        .await;
    assert_eq!(
        name_loaded(&app, &config, &a.id, "execute")
            .await
            .as_deref(),
        Some("Execute Task")
    );

    other
        .bearer(&a.token)
        .setup(Method::DELETE, "/v1/pipelines/cached", None)
        .await;
    assert_eq!(name_loaded(&app, &config, &a.id, "cached").await, None);
    assert_eq!(name_loaded(&app, &config, &a.id, "nowhere").await, None);
    stop.cancel();
}

#[tokio::test]
async fn the_configured_ttl_bounds_an_entry_and_each_tenant_has_its_own() {
    let config = config(2);
    let app = spawn_bare(config.clone()).await;
    seed(&app, &config).await;
    let a = app.tenant("Alpha").await;
    let b = app.tenant("Beta").await;
    app.client
        .bearer(&a.token)
        .setup(
            Method::PUT,
            "/v1/pipelines/planning",
            body(&yaml("planning", "A plans", "x")),
        )
        .await;
    assert_eq!(
        name_loaded(&app, &config, &a.id, "planning")
            .await
            .as_deref(),
        Some("A plans")
    );
    assert_eq!(
        name_loaded(&app, &config, &b.id, "planning")
            .await
            .as_deref(),
        Some("Project Planning")
    );
    let mut redis = app.platform.redis.clone();
    let ttl: i64 = redis
        .ttl(app.platform.keys.pipeline_cache(&b.id, "planning"))
        .await
        .expect("ttl");
    assert!((1..=2).contains(&ttl), "{ttl}");
}

#[tokio::test]
async fn every_change_is_announced_on_the_invalidation_channel() {
    let config = config(300);
    let app = spawn_bare(config.clone()).await;
    let a = app.tenant("Alpha").await;
    let client = redis::Client::open(kit::testing::redis_url()).expect("redis url");
    let mut subscriber = client.get_async_pubsub().await.expect("pub/sub");
    subscriber
        .subscribe(app.platform.keys.pipeline_invalidate())
        .await
        .expect("subscribe");
    let user = app.client.bearer(&a.token);
    user.setup(
        Method::POST,
        "/v1/pipelines/",
        body(&yaml("told", "T", "x")),
    )
    .await;
    user.setup(
        Method::PUT,
        "/v1/pipelines/told",
        body(&yaml("told", "T2", "x")),
    )
    .await;
    user.setup(Method::DELETE, "/v1/pipelines/told", None).await;
    let mut messages = subscriber.on_message();
    let want = json!({"tenantId": a.id.as_str(), "pipelineId": "told"});
    for _ in 0..3 {
        let message = tokio::time::timeout(Duration::from_secs(10), messages.next())
            .await
            .expect("a notice within 10 s")
            .expect("a message");
        let payload: String = message.get_payload().expect("payload");
        let notice: Value = serde_json::from_str(&payload).expect("json");
        assert_eq!(notice, want);
    }
}

#[tokio::test]
async fn a_load_reads_the_database_when_redis_refuses_every_key() {
    let config = config(300);
    let app = spawn_bare(config.clone()).await;
    seed(&app, &config).await;
    let a = app.tenant("Alpha").await;
    // A Redis user that may run commands but touch no key: every cache call fails.
    let user = format!("{}-nokeys", app.platform.keys.prefix());
    let password = shared_schemas::ids::random_body();
    let admin = redis::Client::open(kit::testing::redis_url()).expect("redis url");
    let mut conn = admin
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    redis::cmd("ACL")
        .arg(
            &[
                "SETUSER",
                &user,
                "reset",
                "on",
                &format!(">{password}"),
                "+@all",
                "-@dangerous",
            ][..],
        )
        .query_async::<()>(&mut conn)
        .await
        .expect("acl setuser");
    let url = kit::testing::redis_url().replacen("://", &format!("://{user}:{password}@"), 1);
    let redis = redis::Client::open(url)
        .expect("url")
        .get_connection_manager()
        .await
        .expect("connect as the limited user");
    let platform = Platform::from_parts(
        SERVICE,
        (*app.platform.config).clone(),
        app.platform.db.clone(),
        redis,
    )
    .expect("platform");
    let loaded = load(&platform, &config, &a.id, "planning").await;
    redis::cmd("ACL")
        .arg(&["DELUSER", &user][..])
        .query_async::<()>(&mut conn)
        .await
        .expect("acl deluser");
    let (row, parsed) = loaded.expect("no error").expect("planning");
    assert_eq!(
        (row.name.as_str(), parsed.steps.len()),
        ("Project Planning", 1)
    );
}
