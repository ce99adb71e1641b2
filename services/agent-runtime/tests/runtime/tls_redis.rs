//! `rediss://` with `REDIS_CA_CERT`: a real redis-server serving TLS with a certificate of the
//! test's own CA. The runtime boots, works and exits on it when the CA is configured, and fails
//! at start (never reaching `ready`) when it trusts another CA.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use agent_runtime::{RuntimeConfig, run};
use bus::Keys;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use serde_json::json;
use shared_schemas::ids::{RunId, TenantId};
use shared_schemas::runtime::RuntimeMessage;

use crate::common::{Harness, check_order, temp_dir, vars};

/// A CA, a server certificate for `localhost` it signs, and another CA; PEM files in `dir`.
struct Pki {
    ca: PathBuf,
    other_ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn ca(name: &str) -> (CertificateParams, KeyPair) {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    (params, KeyPair::generate().expect("CA key"))
}

impl Pki {
    fn create(dir: &Path) -> Self {
        let (ca_params, ca_key) = ca("runtime test CA");
        let (other_params, other_key) = ca("some other CA");
        let issuer = Issuer::new(ca_params.clone(), ca_key);
        let ca_pem = ca_params.self_signed(issuer.key()).expect("CA").pem();
        let other_pem = other_params
            .self_signed(&other_key)
            .expect("other CA")
            .pem();
        let mut server = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
        server
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let server_key = KeyPair::generate().expect("server key");
        let cert_pem = server.signed_by(&server_key, &issuer).expect("sign").pem();
        let pki = Self {
            ca: dir.join("ca.pem"),
            other_ca: dir.join("other-ca.pem"),
            cert: dir.join("server.crt"),
            key: dir.join("server.key"),
        };
        for (path, pem) in [
            (&pki.ca, ca_pem),
            (&pki.other_ca, other_pem),
            (&pki.cert, cert_pem),
            (&pki.key, server_key.serialize_pem()),
        ] {
            std::fs::write(path, pem).expect("write PEM");
        }
        pki
    }
}

/// redis-server on a free port, TLS only, stopped when dropped.
struct TlsRedis {
    child: Child,
    port: u16,
}

impl TlsRedis {
    fn start(dir: &Path, pki: &Pki) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut child = Command::new("redis-server")
            .args([
                "--port",
                "0",
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--tls-port")
            .arg(port.to_string())
            .arg("--tls-cert-file")
            .arg(&pki.cert)
            .arg("--tls-key-file")
            .arg(&pki.key)
            .arg("--tls-ca-cert-file")
            .arg(&pki.ca)
            .args(["--tls-auth-clients", "no", "--dir"])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server installed (deploy/scripts/stack.sh deps)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("redis-server exited ({status}): is it built with TLS?");
            }
            assert!(Instant::now() < deadline, "redis-server did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, port }
    }

    fn url(&self) -> String {
        format!("rediss://localhost:{}/0", self.port)
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config(
    url: &str,
    ca: &Path,
    prefix: &str,
    workspace: &Path,
) -> (TenantId, RunId, RuntimeConfig) {
    let (tenant, run_id) = (TenantId::generate(), RunId::generate());
    let mut env = vars(&tenant, &run_id, prefix, workspace, "custom-fake/m", &[]);
    env.insert("REDIS_URL".into(), url.to_owned());
    env.insert("REDIS_CA_CERT".into(), ca.display().to_string());
    let cfg = RuntimeConfig::from_vars(env).expect("config");
    (tenant, run_id, cfg)
}

#[tokio::test]
async fn the_runtime_works_over_rediss_with_the_configured_ca_and_fails_with_another() {
    let dir = temp_dir("tls");
    let pki = Pki::create(&dir);
    let server = TlsRedis::start(&dir, &pki);

    // Another CA: the handshake fails, the runtime ends with an error before `ready`.
    let (_, _, wrong) = config(&server.url(), &pki.other_ca, "test-tls-wrong", &dir);
    let err = tokio::time::timeout(Duration::from_secs(10), run(wrong))
        .await
        .expect("fails fast")
        .expect_err("an unknown issuer is refused");
    assert!(format!("{err:#}").contains("UnknownIssuer"), "{err:#}");

    // The configured CA: ready, a tool request, shutdown, exit 0.
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let workspace = temp_dir("tls-ws");
    let (tenant, run_id, cfg) = config(&server.url(), &pki.ca, &prefix, &workspace);
    let client = redis::Client::build_with_tls(
        server.url(),
        redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(std::fs::read(&pki.ca).expect("CA")),
        },
    )
    .expect("test client");
    let mut rt =
        Harness::attach_with(client, tenant, run_id.clone(), Keys::new(prefix), workspace).await;
    rt.task = Some(tokio::spawn(run(cfg)));
    let RuntimeMessage::Ready(ready) = rt.next().await else {
        panic!("ready first");
    };
    assert_eq!(ready.run_id, run_id);
    rt.send(
        json!({"type": "tool", "requestId": "t1", "toolName": "write",
        "args": {"path": "tls.txt", "content": "over TLS"}}),
    )
    .await;
    assert!(check_order(&rt.until_idle("t1").await, "t1").success);
    rt.shutdown().await;
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
