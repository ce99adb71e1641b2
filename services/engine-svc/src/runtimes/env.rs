//! The environment a runtime gets: only what it needs (digest §2.1, CONTRACTS §5.3), never a
//! copy of the engine's own. Pure: the caller brings the values.

use std::collections::BTreeMap;
use std::path::Path;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use shared_schemas::ids::{AgentId, RunId, TenantId};

use super::BackendError;

/// Names the engine sets itself; `extra` may not replace them.
pub const RESERVED: &[&str] = &[
    "TENANT_ID",
    "RUN_ID",
    "AGENT_ID",
    "REDIS_URL",
    "REDIS_PREFIX",
    "WORKSPACE_PATH",
    "HOME",
    "PATH",
    "RUST_LOG",
];

/// What the environment is made of.
pub struct EnvInput<'a> {
    pub tenant: &'a TenantId,
    pub run: &'a RunId,
    pub agent: &'a AgentId,
    /// The URL the runtime connects with (the run's own Redis user, see [`with_credentials`]).
    pub redis_url: &'a str,
    pub redis_prefix: &'a str,
    pub workspace: &'a Path,
    pub path: &'a str,
    pub rust_log: &'a str,
    /// `AGENT_MODEL`, when the run resolved one.
    pub model: Option<&'a str>,
    /// Set by the flow that starts the runtime: the provider keys the run resolved, the agent
    /// token, `DJINNBOT_API_URL`, `STEP_TIMEOUT_MS`, granted secrets.
    pub extra: &'a BTreeMap<String, String>,
}

pub fn runtime_env(input: &EnvInput<'_>) -> Result<BTreeMap<String, String>, BackendError> {
    let workspace = input
        .workspace
        .to_str()
        .ok_or_else(|| BackendError::Env("the workspace path is not UTF-8".into()))?;
    let mut env = BTreeMap::new();
    for (name, value) in input.extra {
        if RESERVED.contains(&name.as_str()) {
            return Err(BackendError::Env(format!("{name} is set by the engine")));
        }
        if !valid_name(name) || value.contains('\0') {
            return Err(BackendError::Env(format!(
                "`{name}` is not a valid variable"
            )));
        }
        env.insert(name.clone(), value.clone());
    }
    let own = [
        ("TENANT_ID", input.tenant.as_str()),
        ("RUN_ID", input.run.as_str()),
        ("AGENT_ID", input.agent.as_str()),
        ("REDIS_URL", input.redis_url),
        ("REDIS_PREFIX", input.redis_prefix),
        ("WORKSPACE_PATH", workspace),
        ("HOME", workspace),
        ("PATH", input.path),
        ("RUST_LOG", input.rust_log),
    ];
    for (name, value) in own {
        env.insert(name.to_owned(), value.to_owned());
    }
    if let Some(model) = input.model {
        env.insert("AGENT_MODEL".to_owned(), model.to_owned());
    }
    Ok(env)
}

/// `[A-Z_][A-Z0-9_]*`: what shells and our runtime read.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Userinfo characters that must be escaped (RFC 3986: everything but unreserved).
const USERINFO: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `url` with its credentials replaced by `user:password` (any the engine's URL had are
/// dropped: the runtime must not connect as the engine).
pub fn with_credentials(url: &str, user: &str, password: &str) -> Result<String, BackendError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| BackendError::Env("REDIS_URL has no scheme".into()))?;
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    Ok(format!(
        "{scheme}://{}:{}@{host}{tail}",
        utf8_percent_encode(user, USERINFO),
        utf8_percent_encode(password, USERINFO)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_replace_the_engines_own() {
        assert_eq!(
            with_credentials(
                "redis://engine:secret@127.0.0.1:6379/15",
                "djb-run-run_1",
                "pw"
            )
            .expect("url"),
            "redis://djb-run-run_1:pw@127.0.0.1:6379/15"
        );
        assert_eq!(
            with_credentials("rediss://r.example:6380", "a b", "p@ss").expect("url"),
            "rediss://a%20b:p%40ss@r.example:6380"
        );
        assert!(with_credentials("127.0.0.1:6379", "u", "p").is_err());
    }

    fn env_with(
        extra: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, BackendError> {
        runtime_env(&EnvInput {
            tenant: &TenantId::generate(),
            run: &RunId::generate(),
            agent: &AgentId::generate(),
            redis_url: "redis://u:p@h:1/0",
            redis_prefix: "djb",
            workspace: Path::new("/data/tenants/t/runs/r"),
            path: "/usr/bin:/bin",
            rust_log: "info",
            model: Some("openai/gpt-4o"),
            extra,
        })
    }

    #[test]
    fn extra_variables_cannot_replace_the_engines() {
        let mut extra = BTreeMap::from([("OPENAI_API_KEY".to_owned(), "sk".to_owned())]);
        let env = env_with(&extra).expect("env");
        assert_eq!(env["HOME"], "/data/tenants/t/runs/r");
        assert_eq!(env["WORKSPACE_PATH"], env["HOME"]);
        assert_eq!(env["OPENAI_API_KEY"], "sk");
        assert_eq!(env["AGENT_MODEL"], "openai/gpt-4o");
        assert_eq!(env.len(), 11);
        extra.insert("HOME".into(), "/root".into());
        assert!(env_with(&extra).is_err());
        extra.remove("HOME");
        extra.insert("lower=case".into(), "x".into());
        assert!(env_with(&extra).is_err());
    }
}
