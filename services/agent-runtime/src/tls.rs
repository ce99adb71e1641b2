//! TLS of the runtime's connections: rustls with the ring provider, as in kit (which the runtime
//! cannot depend on). `rediss://` trusts the CA of `REDIS_CA_CERT` when it is set (a managed
//! Redis signs with its own CA), else the system store; the LLM clients trust the system store.

use std::path::Path;

use redis::TlsCertificates;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("REDIS_CA_CERT ({path}) could not be read: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("REDIS_CA_CERT ({path}) holds no PEM certificate")]
    NoCertificate { path: String },
    #[error("REDIS_URL with REDIS_CA_CERT: {0}")]
    Redis(#[from] redis::RedisError),
}

/// Makes ring the process's rustls provider (reqwest and redis are built without one).
pub fn install_provider() {
    // An error means a provider is already installed (tests run many runtimes in one process).
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The Redis client for `url`, trusting `ca` for `rediss://` when given. The file is read and
/// checked here, so a wrong path or an empty file stops the runtime at start by name rather
/// than as a failed handshake later.
pub fn redis_client(url: &str, ca: Option<&Path>) -> Result<redis::Client, TlsError> {
    install_provider();
    let Some(path) = ca else {
        return Ok(redis::Client::open(url)?);
    };
    let shown = || path.display().to_string();
    let pem = std::fs::read(path).map_err(|source| TlsError::Read {
        path: shown(),
        source,
    })?;
    if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(TlsError::NoCertificate { path: shown() });
    }
    let certs = TlsCertificates {
        client_tls: None,
        root_cert: Some(pem),
    };
    Ok(redis::Client::build_with_tls(url, certs)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_empty_ca_file_is_reported_by_name() {
        let missing = Path::new("/nonexistent/redis-ca.pem");
        let err = redis_client("rediss://localhost:6380/0", Some(missing))
            .expect_err("missing file")
            .to_string();
        assert!(
            err.starts_with("REDIS_CA_CERT (/nonexistent/redis-ca.pem) could not be read"),
            "{err}"
        );
        let empty = std::env::temp_dir().join(format!("rt-ca-{}.pem", std::process::id()));
        std::fs::write(&empty, "not a certificate").expect("write");
        let err = redis_client("rediss://localhost:6380/0", Some(&empty))
            .expect_err("no certificate")
            .to_string();
        let _ = std::fs::remove_file(&empty);
        assert!(err.contains("holds no PEM certificate"), "{err}");
        assert!(redis_client("redis://127.0.0.1:6379/0", None).is_ok());
    }
}
