//! TLS for every connection a service opens: Postgres (`sslmode=` and `sslrootcert=` in
//! `DATABASE_URL`), Redis (`rediss://`, with `REDIS_CA_CERT` for a private CA) and outbound
//! HTTPS (the system store, plus `HTTPS_CA_CERT`).
//!
//! One stack for the whole workspace: rustls with the ring provider. No OpenSSL and no aws-lc,
//! so nothing needs a C TLS library to build or to run. reqwest is built without a provider of
//! its own, so [`install_provider`] must run before the first HTTP client is built: `cli::main`,
//! `Platform`, telemetry and the test harness call it.

use std::path::Path;
use std::sync::Once;
use std::time::Duration;

use redis::TlsCertificates;

use crate::config::CommonConfig;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{setting} ({path}) could not be read: {source}")]
    Read {
        setting: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("{setting} ({path}) holds no PEM certificate")]
    NoCertificate { setting: &'static str, path: String },
    #[error("{setting} ({path}) is not a valid PEM certificate: {source}")]
    Invalid {
        setting: &'static str,
        path: String,
        source: reqwest::Error,
    },
    #[error("REDIS_URL: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
}

/// Makes ring the process's rustls provider. Safe to call any number of times.
pub fn install_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An error means a provider is already installed; rustls needs exactly one.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The builder every outbound HTTP client starts from: rustls, the system's trusted roots, and
/// the CA of `HTTPS_CA_CERT` when it is set (a private OIDC provider, a corporate proxy).
pub fn http_client_builder(config: &CommonConfig) -> Result<reqwest::ClientBuilder, TlsError> {
    http_client_builder_trusting(config.https_ca_cert.as_deref())
}

/// Like [`http_client_builder`], with the extra CA given directly.
pub fn http_client_builder_trusting(
    extra_ca: Option<&Path>,
) -> Result<reqwest::ClientBuilder, TlsError> {
    install_provider();
    let builder = reqwest::Client::builder();
    let Some(path) = extra_ca else {
        return Ok(builder);
    };
    let setting = "HTTPS_CA_CERT";
    let pem = read_pem(setting, path)?;
    let certs =
        reqwest::Certificate::from_pem_bundle(&pem).map_err(|source| TlsError::Invalid {
            setting,
            path: path.display().to_string(),
            source,
        })?;
    Ok(builder.tls_certs_merge(certs))
}

/// The blocking client the OTLP exporter sends spans with (it exports from a thread of its own),
/// trusting the system store plus `extra_ca`.
pub fn blocking_http_client_trusting(
    extra_ca: &Path,
    timeout: Duration,
) -> Result<reqwest::blocking::Client, TlsError> {
    install_provider();
    let setting = "HTTPS_CA_CERT";
    let pem = read_pem(setting, extra_ca)?;
    let certs =
        reqwest::Certificate::from_pem_bundle(&pem).map_err(|source| TlsError::Invalid {
            setting,
            path: extra_ca.display().to_string(),
            source,
        })?;
    // reqwest's blocking client runs a runtime of its own, which must not be made (or dropped)
    // on a thread of ours that may be inside tokio: build it on a thread of its own.
    std::thread::spawn(move || {
        reqwest::blocking::Client::builder()
            .timeout(timeout)
            .tls_certs_merge(certs)
            .build()
    })
    .join()
    .map_err(|_| TlsError::Client("the thread building it panicked".to_owned()))?
    .map_err(|err| TlsError::Client(err.to_string()))
}

/// A Redis client for `REDIS_URL`. For `rediss://` with `REDIS_CA_CERT` set, that CA is the one
/// trusted (managed Redis services sign with their own CA); otherwise the system store is.
pub fn redis_client(config: &CommonConfig) -> Result<redis::Client, TlsError> {
    redis_client_trusting(config.redis_url(), config.redis_ca_cert.as_deref())
}

/// Like [`redis_client`], with the URL and CA given directly.
pub fn redis_client_trusting(url: &str, ca: Option<&Path>) -> Result<redis::Client, TlsError> {
    install_provider();
    let Some(path) = ca else {
        return Ok(redis::Client::open(url)?);
    };
    let certs = TlsCertificates {
        client_tls: None,
        root_cert: Some(read_pem("REDIS_CA_CERT", path)?),
    };
    Ok(redis::Client::build_with_tls(url, certs)?)
}

/// Reads a PEM file and checks it holds at least one certificate, so a wrong path or an empty
/// file is reported at start-up by name rather than as a failed handshake later.
fn read_pem(setting: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    let pem = std::fs::read(path).map_err(|source| TlsError::Read {
        setting,
        path: path.display().to_string(),
        source,
    })?;
    if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(TlsError::NoCertificate {
            setting,
            path: path.display().to_string(),
        });
    }
    Ok(pem)
}
