//! ACL users against the real Redis: a service's user reaches its own keys and not another
//! service's; a run's user reaches its run and nothing else (security review H2).

use bus::acl;
use redis::aio::MultiplexedConnection;
use shared_schemas::ids::{RunId, TenantId};

use crate::helpers::TestRedis;

/// A connection to the test Redis as `user`.
async fn connect_as(
    redis: &TestRedis,
    user: &str,
    password: &str,
) -> redis::RedisResult<MultiplexedConnection> {
    let info = redis.client.get_connection_info().clone();
    let settings = info
        .redis_settings()
        .clone()
        .set_username(user)
        .set_password(password);
    redis::Client::open(info.set_redis_settings(settings))?
        .get_multiplexed_async_connection()
        .await
}

async fn get(conn: &mut MultiplexedConnection, key: &str) -> redis::RedisResult<Option<String>> {
    redis::cmd("GET").arg(key).query_async(conn).await
}

async fn set(conn: &mut MultiplexedConnection, key: &str) -> redis::RedisResult<()> {
    redis::cmd("SET").arg(key).arg("x").query_async(conn).await
}

fn noperm(result: redis::RedisResult<impl std::fmt::Debug>) -> bool {
    matches!(&result, Err(e) if e.code() == Some("NOPERM"))
}

#[tokio::test]
async fn a_service_user_cannot_touch_another_services_keys() {
    let redis = TestRedis::start().await;
    let keys = redis.keys.clone();
    let mut admin = redis.conn();
    let password = uuid::Uuid::new_v4().simple().to_string();
    let user = acl::apply_service_user(&mut admin, &keys, "agent-svc", &password)
        .await
        .expect("setuser");
    let mut agent = connect_as(&redis, &user, &password).await.expect("auth");
    let tenant = TenantId::generate();
    let agent_id = shared_schemas::ids::AgentId::generate();

    // Its own keys, and kit's.
    set(
        &mut agent,
        &keys.agent_wakes(&tenant, &agent_id, "2026-01-01"),
    )
    .await
    .expect("own key");
    set(&mut agent, &keys.api_key_cache("ab12"))
        .await
        .expect("api-key cache");
    assert_eq!(
        get(&mut agent, &keys.tenant_status(&tenant))
            .await
            .expect("read status"),
        None
    );
    // auth-svc's keys, and writing a tenant status: refused.
    assert!(noperm(get(&mut agent, &keys.login_lockout("acct")).await));
    assert!(noperm(get(&mut agent, &keys.oidc_state("st")).await));
    assert!(noperm(set(&mut agent, &keys.tenant_status(&tenant)).await));
    // Another installation's keys: refused.
    assert!(noperm(
        get(&mut agent, &bus::Keys::new("other").api_key_cache("ab12")).await
    ));
    // Dangerous commands: refused.
    let flushed: redis::RedisResult<()> = redis::cmd("FLUSHDB").query_async(&mut agent).await;
    assert!(noperm(flushed));

    redis::cmd("ACL")
        .arg("DELUSER")
        .arg(&user)
        .query_async::<()>(&mut admin)
        .await
        .expect("deluser");
    redis.cleanup().await;
}

#[tokio::test]
async fn a_run_user_reaches_its_own_run_and_nothing_else() {
    let redis = TestRedis::start().await;
    let keys = redis.keys.clone();
    let mut admin = redis.conn();
    let tenant = TenantId::generate();
    let run = RunId::generate();
    let (user, password) = acl::create_run_user(&mut admin, &keys, &tenant, &run)
        .await
        .expect("create");
    let mut runtime = connect_as(&redis, &user, &password).await.expect("auth");

    set(&mut runtime, &keys.run_status(&tenant, &run))
        .await
        .expect("own run key");
    let published: i64 = redis::cmd("PUBLISH")
        .arg(keys.run_status(&tenant, &run))
        .arg("ready")
        .query_async(&mut runtime)
        .await
        .expect("own channel");
    assert_eq!(published, 0);

    let other_run = RunId::generate();
    let other_tenant = TenantId::generate();
    assert!(
        noperm(get(&mut runtime, &keys.api_key_cache("ab12")).await),
        "auth keys"
    );
    assert!(noperm(
        get(&mut runtime, &keys.tenant_status(&tenant)).await
    ));
    assert!(
        noperm(get(&mut runtime, &keys.run_status(&tenant, &other_run)).await),
        "another run"
    );
    assert!(
        noperm(get(&mut runtime, &keys.run_status(&other_tenant, &run)).await),
        "another tenant"
    );
    assert!(
        noperm(set(&mut runtime, &keys.global_events()).await),
        "the global stream"
    );
    let injected: redis::RedisResult<i64> = redis::cmd("PUBLISH")
        .arg(keys.run_commands(&tenant, &other_run))
        .arg("{}")
        .query_async(&mut runtime)
        .await;
    assert!(noperm(injected), "another run's commands");

    acl::delete_run_user(&mut admin, &keys, &run)
        .await
        .expect("delete");
    assert!(connect_as(&redis, &user, &password).await.is_err(), "gone");
    redis.cleanup().await;
}
