use secrecy::SecretString;

use crate::pki::Pki;
use crate::servers::{Postgres, Redis, Scratch};

const SERVICE: kit::ServiceInfo = kit::ServiceInfo {
    name: "tls-test",
    default_port: 0,
    db_role: "auth_svc",
};

/// The production shape: `DATABASE_URL` with `sslmode=verify-full&sslrootcert=…`, `REDIS_URL`
/// `rediss://…` and `REDIS_CA_CERT`, through `Platform::connect` as every service starts.
#[tokio::test]
async fn platform_connects_to_tls_postgres_and_redis_from_config() {
    let scratch = Scratch::new();
    let pki = Pki::create(&scratch.dir);
    let pg = Postgres::start(&scratch.dir, &pki);
    let redis_server = Redis::start(&scratch.dir, &pki);

    let mut config = kit::testing::dev_config(&SERVICE);
    config.database_url = Some(SecretString::from(pg.url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", pki.ca.display()),
    )));
    config.redis_url = Some(SecretString::from(redis_server.url("localhost")));
    config.redis_ca_cert = Some(pki.ca.clone());
    config.finish(&SERVICE).expect("valid TLS settings");

    let platform = kit::Platform::connect(SERVICE, config)
        .await
        .expect("platform connects");
    platform.db.ping().await.expect("Postgres over TLS");
    let mut redis = platform.redis.clone();
    let pong: String = redis::cmd("PING")
        .query_async(&mut redis)
        .await
        .expect("Redis over TLS");
    assert_eq!(pong, "PONG");

    let client = platform.redis_client().expect("a worker's own client");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("a worker's connection over TLS");
    let pong: String = redis::cmd("PING")
        .query_async(&mut conn)
        .await
        .expect("PING");
    assert_eq!(pong, "PONG");
}
