use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::pki::{Pki, SERVER_NAME};
use crate::servers::Scratch;

/// axum over TLS: each accepted socket is handshaken before it is served.
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else {
                continue;
            };
            // A client that refuses our certificate ends its handshake here; serve the next.
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

async fn serve_https(pki: &Pki) -> u16 {
    let app = Router::new().route("/hello", get(|| async { "hello over tls" }));
    serve_https_app(pki, app).await
}

/// Serves `app` over TLS with the PKI's server certificate; returns the port.
pub async fn serve_https_app(pki: &Pki, app: Router) -> u16 {
    kit::tls::install_provider();
    let certs = CertificateDer::pem_slice_iter(pki.server_cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .expect("server cert");
    let key = PrivateKeyDer::from_pem_slice(pki.server_key_pem.as_bytes()).expect("server key");
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let tcp = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = tcp.local_addr().expect("addr").port();
    let listener = TlsListener {
        tcp,
        acceptor: TlsAcceptor::from(Arc::new(config)),
    };
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

#[tokio::test]
async fn outbound_https_trusts_the_system_store_plus_the_configured_ca() {
    let scratch = Scratch::new();
    let pki = Pki::create(&scratch.dir);
    let port = serve_https(&pki).await;
    let url = format!("https://{SERVER_NAME}:{port}/hello");

    let mut config = kit::testing::dev_config(&kit::ServiceInfo {
        name: "tls-test",
        default_port: 0,
        db_role: "auth_svc",
    });
    config.https_ca_cert = Some(pki.ca.clone());
    let client = kit::tls::http_client_builder(&config)
        .expect("builder")
        .build()
        .expect("client");
    let res = client
        .get(&url)
        .send()
        .await
        .expect("HTTPS with HTTPS_CA_CERT");
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.expect("body"), "hello over tls");

    for (what, ca) in [
        ("the system store alone", None),
        (
            "a CA that did not sign the server",
            Some(pki.other_ca.as_path()),
        ),
    ] {
        let client = kit::tls::http_client_builder_trusting(ca)
            .expect("builder")
            .build()
            .expect("client");
        let err = client
            .get(&url)
            .send()
            .await
            .expect_err(&format!("{what} must not trust the test's server"));
        assert!(
            format!("{err:?}").contains("UnknownIssuer"),
            "{what}: {err:?}"
        );
    }

    let by_ip = format!("https://127.0.0.1:{port}/hello");
    let err = client
        .get(&by_ip)
        .send()
        .await
        .expect_err("a host the certificate does not name is refused");
    assert!(format!("{err:?}").contains("NotValidForName"), "{err:?}");
}
