use super::*;

const SVC: ServiceInfo = ServiceInfo {
    name: "test-svc",
    default_port: 8123,
    db_role: "test_svc",
};

fn from_toml(text: &str) -> CommonConfig {
    config::Config::builder()
        .add_source(config::File::from_str(text, config::FileFormat::Toml))
        .build()
        .and_then(|c| c.try_deserialize())
        .expect("test config parses")
}

#[test]
fn production_mode_fails_fast_without_secrets() {
    let mut cfg = from_toml("");
    let err = cfg.finish(&SVC).expect_err("must refuse");
    assert!(matches!(err, ConfigError::MissingSecret("DATABASE_URL")));
}

#[test]
fn dev_mode_fills_local_defaults() {
    let mut cfg = from_toml("djb_dev_mode = true");
    cfg.finish(&SVC).expect("dev mode has defaults");
    assert_eq!(cfg.port(), 8123);
    assert!(cfg.redis_url().starts_with("redis://127.0.0.1"));
    assert!(!cfg.auth_secret().is_empty());
}

#[test]
fn short_auth_secret_is_refused_outside_dev_mode() {
    let mut cfg = from_toml(
        r#"database_url = "postgres://x"
           redis_url = "redis://x"
           auth_secret_key = "short""#,
    );
    let err = cfg.finish(&SVC).expect_err("must refuse");
    assert!(matches!(
        err,
        ConfigError::Invalid {
            name: "AUTH_SECRET_KEY",
            ..
        }
    ));
}

#[test]
fn debug_output_redacts_secrets() {
    let mut cfg = from_toml(
        r#"database_url = "postgres://user:hunter2@db/x"
           redis_url = "redis://:hunter2@r"
           auth_secret_key = "hunter2-hunter2-hunter2-hunter2-hunter2""#,
    );
    cfg.finish(&SVC).expect("valid");
    let shown = format!("{cfg:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn environment_wins_over_file() {
    let cfg = config::Config::builder()
        .add_source(config::File::from_str(
            "tenant_rate_limit = 5",
            config::FileFormat::Toml,
        ))
        .add_source(
            config::Environment::default()
                .try_parsing(true)
                .source(Some(
                    [("TENANT_RATE_LIMIT".to_owned(), "7".to_owned())]
                        .into_iter()
                        .collect(),
                )),
        )
        .build()
        .and_then(|c| c.try_deserialize::<CommonConfig>())
        .expect("parses");
    assert_eq!(cfg.tenant_rate_limit, 7);
}

#[test]
fn credential_settings_are_checked() {
    let mut cfg = from_toml("djb_dev_mode = true");
    cfg.finish(&SVC).expect("defaults are valid");
    assert_eq!(cfg.auth_svc_url, "http://127.0.0.1:8010");
    assert!(cfg.tenant_status_cache() <= Duration::from_secs(2));
    for (text, name) in [
        ("tenant_status_cache_ms = 5000", "TENANT_STATUS_CACHE_MS"),
        ("api_key_cache_ttl_secs = 0", "API_KEY_CACHE_TTL_SECS"),
        ("auth_svc_url = \"auth-svc:8010\"", "AUTH_SVC_URL"),
        ("auth_svc_url = \"https://auth.example\"", "AUTH_SVC_URL"),
    ] {
        let mut cfg = from_toml(&format!("djb_dev_mode = true\n{text}"));
        match cfg.finish(&SVC) {
            Err(ConfigError::Invalid { name: got, .. }) => assert_eq!(got, name),
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn redis_ca_cert_needs_a_tls_url() {
    let mut cfg = from_toml("djb_dev_mode = true\nredis_ca_cert = \"/etc/redis-ca.pem\"");
    match cfg.finish(&SVC) {
        Err(ConfigError::Invalid { name, .. }) => assert_eq!(name, "REDIS_CA_CERT"),
        other => panic!("a CA for redis:// must be refused: {other:?}"),
    }
    let mut cfg = from_toml(
        "djb_dev_mode = true\nredis_url = \"rediss://r:6380\"\nredis_ca_cert = \"/etc/redis-ca.pem\"",
    );
    cfg.finish(&SVC).expect("a CA for rediss:// is fine");
    let mut cfg = from_toml("djb_dev_mode = true\nredis_ca_cert = \"\"\nhttps_ca_cert = \"\"");
    cfg.finish(&SVC).expect("empty paths mean none");
    assert!(cfg.redis_ca_cert.is_none() && cfg.https_ca_cert.is_none());
}

#[test]
fn a_previous_key_reusing_a_kid_is_refused_at_load() {
    for previous in ["k1=old-secret", "k0=a,k0=b", "nonsense"] {
        let mut cfg = from_toml(&format!(
            "djb_dev_mode = true\nauth_key_id = \"k1\"\nauth_previous_keys = \"{previous}\""
        ));
        match cfg.finish(&SVC) {
            Err(ConfigError::Invalid { name, .. }) => assert_eq!(name, "AUTH_PREVIOUS_KEYS"),
            other => panic!("{previous}: {other:?}"),
        }
    }
    let mut cfg = from_toml(
        "djb_dev_mode = true\nauth_key_id = \"k2\"\nauth_previous_keys = \"k1=old, k0=older\"",
    );
    cfg.finish(&SVC).expect("distinct kids");
    assert_eq!(
        cfg.previous_keys().expect("pairs"),
        [("k1", "old"), ("k0", "older")]
    );
}
