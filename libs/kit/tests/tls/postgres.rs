use kit::db::Db;

use crate::pki::Pki;
use crate::servers::{Postgres, Scratch};

async fn connect(url: &str) -> Result<Db, sqlx::Error> {
    let db = Db::connect_lazy(url, 1)?;
    db.ping().await?;
    Ok(db)
}

#[tokio::test]
async fn postgres_verify_full_trusts_only_the_given_ca_and_the_named_host() {
    let scratch = Scratch::new();
    let pki = Pki::create(&scratch.dir);
    let pg = Postgres::start(&scratch.dir, &pki);
    let ca = format!("sslrootcert={}", pki.ca.display());

    let db = connect(&pg.url("localhost", &format!("sslmode=verify-full&{ca}")))
        .await
        .expect("verify-full with the server's CA connects");
    let tls: bool = sqlx::query_scalar("select ssl from pg_stat_ssl where pid = pg_backend_pid()")
        .fetch_one(db.pool())
        .await
        .expect("pg_stat_ssl");
    assert!(tls, "the session is encrypted");

    let other = format!("sslrootcert={}", pki.other_ca.display());
    let err = connect(&pg.url("localhost", &format!("sslmode=verify-full&{other}")))
        .await
        .expect_err("a CA that did not sign the server's certificate is refused");
    // rustls reports it from inside the handshake's I/O.
    assert!(format!("{err:?}").contains("UnknownIssuer"), "{err:?}");

    // The certificate names `localhost` only.
    let err = connect(&pg.url("127.0.0.1", &format!("sslmode=verify-full&{ca}")))
        .await
        .expect_err("a host the certificate does not name is refused");
    assert!(format!("{err:?}").contains("NotValidForName"), "{err:?}");

    // verify-ca checks the chain. (With sqlx 0.8 and current rustls it also checks the host
    // name, sqlx#3793, so it is no looser than verify-full; the docs recommend verify-full.)
    connect(&pg.url("localhost", &format!("sslmode=verify-ca&{ca}")))
        .await
        .expect("verify-ca with the server's CA connects");
    let err = connect(&pg.url("localhost", &format!("sslmode=verify-ca&{other}")))
        .await
        .expect_err("verify-ca refuses a CA that did not sign the server's certificate");
    assert!(format!("{err:?}").contains("UnknownIssuer"), "{err:?}");
}

#[tokio::test]
async fn postgres_requiring_tls_refuses_a_plain_client() {
    let scratch = Scratch::new();
    let pki = Pki::create(&scratch.dir);
    let pg = Postgres::start(&scratch.dir, &pki);

    let err = connect(&pg.url("localhost", "sslmode=disable"))
        .await
        .expect_err("pg_hba.conf has hostssl lines only");
    let message = err.to_string();
    assert!(message.contains("no encryption"), "{message}");

    // `require` encrypts without checking the chain (libpq's meaning), so it connects.
    connect(&pg.url("localhost", "sslmode=require"))
        .await
        .expect("require connects over TLS");
}
