//! What the engine hands a runtime through its environment (docs/agent-runtime.md lists it).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use bus::Keys;
use secrecy::SecretString;
use shared_schemas::ids::{AgentId, RunId, TenantId};

use crate::calls::CallLogTarget;
use crate::llm::provider::Providers;

/// `MAX_AUTO_CONTINUATIONS` when unset: nudges after the model stops without `complete`.
pub const DEFAULT_AUTO_CONTINUATIONS: u32 = 3;
/// `AGENT_CONTEXT_WINDOW` when unset, for `contextUsage`.
pub const DEFAULT_CONTEXT_WINDOW: u64 = 128_000;

/// The runtime's configuration. `Debug` shows no secret: the Redis URL (it carries the run's
/// ACL password) and the provider keys are [`SecretString`]s.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    pub tenant: TenantId,
    pub run: RunId,
    pub agent: Option<AgentId>,
    pub redis_url: SecretString,
    pub keys: Keys,
    /// Where the file tools and bash work; nothing outside it is reachable through them.
    pub workspace: PathBuf,
    pub home: Option<PathBuf>,
    /// `provider/model`; without it, requests must name their model.
    pub model: Option<String>,
    pub system_prompt: Option<String>,
    /// The deadline of one request; none when unset.
    pub step_timeout: Option<Duration>,
    pub max_auto_continuations: u32,
    pub context_window: u64,
    /// Set for chat sessions: the model may stop without `complete`, no nudge follows.
    pub chat_session: Option<String>,
    /// `AGENT_CHAT_HISTORY`: a chat's stored conversation (`[{role, content}]`, capped to the
    /// last [`CHAT_HISTORY_MESSAGES`] messages and [`CHAT_HISTORY_CHARS`] characters), the
    /// history a restarted or taken-over chat runtime starts from.
    pub chat_history: Vec<HistoryMessage>,
    pub providers: Providers,
    /// `OUTBOUND_ALLOW`: the internal addresses provider base URLs may reach (none when unset).
    pub outbound_allow: egress::AllowList,
    /// `REDIS_CA_CERT`: the CA that signs a `rediss://` server's certificate.
    pub redis_ca_cert: Option<PathBuf>,
    /// The agent's granted secrets, which its `bash` commands see (`AGENT_SECRET_NAMES` lists
    /// them; no other variable of the runtime, provider keys and Redis URL included, reaches a
    /// command).
    pub tool_env: Vec<(String, String)>,
    /// `AGENT_SVC_URL` and `AGENT_API_TOKEN`: where and as whom the runtime records its LLM
    /// calls; none (nothing recorded) unless both are set.
    pub call_log: Option<CallLogTarget>,
    /// `AGENT_KEY_SOURCES` (`provider=source,…`): where the run's key of each provider came
    /// from, for the call records.
    pub key_sources: BTreeMap<String, String>,
    /// `AGENT_API_TOKEN` and the services the team tools call with it (`AGENT_SVC_URL`,
    /// `MEMORY_SVC_URL`, `PROJECT_SVC_URL`); a tool is offered only when its service is set.
    pub agent_token: Option<SecretString>,
    pub agent_svc_url: Option<String>,
    pub memory_svc_url: Option<String>,
    pub project_svc_url: Option<String>,
}

impl RuntimeConfig {
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_vars(std::env::vars().collect())
    }

    /// Reads the configuration from `vars` (the environment, or a map in tests).
    pub fn from_vars(vars: BTreeMap<String, String>) -> anyhow::Result<Self> {
        let get = |name: &str| vars.get(name).filter(|v| !v.is_empty()).cloned();
        let var = |name: &str| get(name).with_context(|| format!("{name} is required"));
        let number = |name: &str| -> anyhow::Result<Option<u64>> {
            get(name)
                .map(|v| {
                    v.parse::<u64>()
                        .with_context(|| format!("{name} must be a number"))
                })
                .transpose()
        };
        let model = get("AGENT_MODEL");
        if model.as_ref().is_some_and(|m| !m.contains('/')) {
            anyhow::bail!("AGENT_MODEL must be `provider/model`");
        }
        Ok(Self {
            tenant: TenantId::parse(var("TENANT_ID")?).context("TENANT_ID")?,
            run: RunId::parse(var("RUN_ID")?).context("RUN_ID")?,
            agent: get("AGENT_ID")
                .map(|a| AgentId::parse(a).context("AGENT_ID"))
                .transpose()?,
            redis_url: SecretString::from(var("REDIS_URL")?),
            keys: Keys::new(
                get("REDIS_PREFIX").unwrap_or_else(|| bus::keys::DEFAULT_PREFIX.into()),
            ),
            workspace: PathBuf::from(var("WORKSPACE_PATH")?),
            home: get("HOME").map(PathBuf::from),
            model,
            system_prompt: get("AGENT_SYSTEM_PROMPT"),
            step_timeout: number("STEP_TIMEOUT_MS")?.map(Duration::from_millis),
            max_auto_continuations: number("MAX_AUTO_CONTINUATIONS")?
                .map_or(DEFAULT_AUTO_CONTINUATIONS, |n| {
                    u32::try_from(n).unwrap_or(u32::MAX)
                }),
            context_window: number("AGENT_CONTEXT_WINDOW")?.unwrap_or(DEFAULT_CONTEXT_WINDOW),
            chat_session: get("CHAT_SESSION_ID"),
            chat_history: chat_history(get("AGENT_CHAT_HISTORY").as_deref())?,
            providers: Providers::from_vars(&vars),
            outbound_allow: egress::AllowList::parse(&get("OUTBOUND_ALLOW").unwrap_or_default())?,
            redis_ca_cert: get("REDIS_CA_CERT").map(PathBuf::from),
            tool_env: secret_vars(&vars),
            call_log: get("AGENT_SVC_URL").zip(get("AGENT_API_TOKEN")).map(
                |(agent_svc_url, token)| CallLogTarget {
                    agent_svc_url,
                    token: SecretString::from(token),
                },
            ),
            key_sources: get("AGENT_KEY_SOURCES")
                .unwrap_or_default()
                .split(',')
                .filter_map(|pair| pair.split_once('='))
                .map(|(p, s)| (p.trim().to_owned(), s.trim().to_owned()))
                .collect(),
            agent_token: get("AGENT_API_TOKEN").map(SecretString::from),
            agent_svc_url: get("AGENT_SVC_URL"),
            memory_svc_url: get("MEMORY_SVC_URL"),
            project_svc_url: get("PROJECT_SVC_URL"),
        })
    }
}

/// The most messages `AGENT_CHAT_HISTORY` contributes (the newest ones).
pub const CHAT_HISTORY_MESSAGES: usize = 200;
/// The most characters of history kept, newest first, so a long chat still starts.
pub const CHAT_HISTORY_CHARS: usize = 400_000;

/// One message of a stored chat conversation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct HistoryMessage {
    /// `user` or `assistant` (others are skipped).
    pub role: String,
    pub content: String,
}

/// The capped conversation of `AGENT_CHAT_HISTORY`: user and assistant messages with text, the
/// newest [`CHAT_HISTORY_MESSAGES`] within [`CHAT_HISTORY_CHARS`], oldest first.
fn chat_history(raw: Option<&str>) -> anyhow::Result<Vec<HistoryMessage>> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let all: Vec<HistoryMessage> = serde_json::from_str(raw)
        .context("AGENT_CHAT_HISTORY must be a JSON array of {role, content}")?;
    let mut kept = Vec::new();
    let mut chars = 0usize;
    for m in all.into_iter().rev() {
        if !matches!(m.role.as_str(), "user" | "assistant") || m.content.trim().is_empty() {
            continue;
        }
        chars += m.content.len();
        if kept.len() == CHAT_HISTORY_MESSAGES || chars > CHAT_HISTORY_CHARS {
            break;
        }
        kept.push(m);
    }
    kept.reverse();
    Ok(kept)
}

/// The variables `AGENT_SECRET_NAMES` names, with their values; names the runtime itself owns
/// are never passed on, whatever the list says.
fn secret_vars(vars: &BTreeMap<String, String>) -> Vec<(String, String)> {
    const NEVER: &[&str] = &[
        "REDIS_URL",
        "OUTBOUND_ALLOW",
        "REDIS_CA_CERT",
        "AGENT_SECRET_NAMES",
        // The agent's own token: a command it runs (or a prompt injected into it) never holds it.
        "AGENT_API_TOKEN",
        "AGENT_SVC_URL",
        "MEMORY_SVC_URL",
        "PROJECT_SVC_URL",
        "AGENT_KEY_SOURCES",
    ];
    let Some(names) = vars.get("AGENT_SECRET_NAMES") else {
        return Vec::new();
    };
    names
        .split(',')
        .map(str::trim)
        .filter(|name| {
            !name.is_empty()
                && !NEVER.contains(name)
                && !name.ends_with("_API_KEY")
                && !name.ends_with("_BASE_URL")
        })
        .filter_map(|name| vars.get(name).map(|value| (name.to_owned(), value.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn vars(extra: &[(&str, &str)]) -> BTreeMap<String, String> {
        let mut vars: BTreeMap<String, String> = [
            ("TENANT_ID", "ten_0a1b2c3d4e5f6g7h"),
            ("RUN_ID", "run_0a1b2c3d4e5f6g7h"),
            ("REDIS_URL", "redis://run_x:hunter2@127.0.0.1:6379/0"),
            ("WORKSPACE_PATH", "/tmp/ws"),
            ("AGENT_MODEL", "openai/gpt-4o"),
            ("OPENAI_API_KEY", "sk-secret"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        for (k, v) in extra {
            vars.insert((*k).to_owned(), (*v).to_owned());
        }
        vars
    }

    #[test]
    fn the_chat_history_is_read_capped_and_kept_in_order() {
        let history = r#"[{"role":"user","content":"hi"},{"role":"system","content":"x"},
            {"role":"assistant","content":"hello"},{"role":"assistant","content":" "}]"#;
        let cfg = RuntimeConfig::from_vars(vars(&[("AGENT_CHAT_HISTORY", history)])).expect("cfg");
        let roles: Vec<(&str, &str)> = cfg
            .chat_history
            .iter()
            .map(|m| (m.role.as_str(), m.content.as_str()))
            .collect();
        assert_eq!(roles, [("user", "hi"), ("assistant", "hello")]);
        let long: Vec<serde_json::Value> = (0..500)
            .map(|i| serde_json::json!({"role": "user", "content": format!("m{i}")}))
            .collect();
        let long = serde_json::Value::from(long).to_string();
        let cfg = RuntimeConfig::from_vars(vars(&[("AGENT_CHAT_HISTORY", &long)])).expect("cfg");
        assert_eq!(cfg.chat_history.len(), CHAT_HISTORY_MESSAGES);
        assert_eq!(cfg.chat_history[0].content, "m300");
        assert_eq!(cfg.chat_history[199].content, "m499");
        assert!(RuntimeConfig::from_vars(vars(&[("AGENT_CHAT_HISTORY", "{")])).is_err());
    }

    #[test]
    fn reads_the_contract_and_never_shows_secrets() {
        let cfg = RuntimeConfig::from_vars(vars(&[("STEP_TIMEOUT_MS", "1500")])).expect("cfg");
        assert_eq!(cfg.step_timeout, Some(Duration::from_millis(1500)));
        assert_eq!(cfg.max_auto_continuations, DEFAULT_AUTO_CONTINUATIONS);
        assert!(cfg.redis_url.expose_secret().contains("hunter2"));
        assert!(
            cfg.call_log.is_none(),
            "nothing is recorded without a token"
        );
        let cfg = RuntimeConfig::from_vars(vars(&[
            ("AGENT_SVC_URL", "http://127.0.0.1:8030"),
            ("AGENT_API_TOKEN", "eyJ.agent-secret"),
        ]))
        .expect("cfg");
        let target = cfg.call_log.as_ref().expect("a call log");
        assert!(cfg.key_sources.is_empty());
        let sourced = RuntimeConfig::from_vars(vars(&[(
            "AGENT_KEY_SOURCES",
            "openai=personal, custom-fake=instance,junk",
        )]))
        .expect("cfg");
        assert_eq!(sourced.key_sources["custom-fake"], "instance");
        assert_eq!(sourced.key_sources.len(), 2);
        assert_eq!(target.agent_svc_url, "http://127.0.0.1:8030");
        let shown = format!("{cfg:?}");
        assert!(
            !shown.contains("hunter2")
                && !shown.contains("sk-secret")
                && !shown.contains("agent-secret"),
            "{shown}"
        );
    }

    #[test]
    fn refuses_missing_or_malformed_values() {
        let mut missing = vars(&[]);
        missing.remove("WORKSPACE_PATH");
        assert!(RuntimeConfig::from_vars(missing).is_err());
        assert!(RuntimeConfig::from_vars(vars(&[("AGENT_MODEL", "gpt-4o")])).is_err());
        let no_model = RuntimeConfig::from_vars(vars(&[("AGENT_MODEL", "")])).expect("optional");
        assert_eq!(no_model.model, None);
        assert!(RuntimeConfig::from_vars(vars(&[("STEP_TIMEOUT_MS", "soon")])).is_err());
        let bad_allow = RuntimeConfig::from_vars(vars(&[("OUTBOUND_ALLOW", "http://x")]))
            .expect_err("not an entry")
            .to_string();
        assert!(bad_allow.contains("OUTBOUND_ALLOW"), "{bad_allow}");
    }

    #[test]
    fn the_allow_list_and_the_redis_ca_are_read() {
        let cfg = RuntimeConfig::from_vars(vars(&[
            ("OUTBOUND_ALLOW", "127.0.0.1:8090"),
            ("REDIS_CA_CERT", "/etc/redis-ca.pem"),
        ]))
        .expect("cfg");
        let loopback = "127.0.0.1".parse().expect("ip");
        assert!(cfg.outbound_allow.allows_ip_on(loopback, Some(8090)));
        assert!(!cfg.outbound_allow.allows_ip_on(loopback, Some(6379)));
        assert_eq!(
            cfg.redis_ca_cert.as_deref(),
            Some(std::path::Path::new("/etc/redis-ca.pem"))
        );
        let unset = RuntimeConfig::from_vars(vars(&[])).expect("cfg");
        assert!(unset.outbound_allow.is_empty() && unset.redis_ca_cert.is_none());
    }

    #[test]
    fn only_the_named_secrets_reach_tools_and_never_a_key_or_redis() {
        let cfg = RuntimeConfig::from_vars(vars(&[
            ("GITHUB_TOKEN", "ghp_1"),
            ("DEPLOY_KEY", "d"),
            ("AGENT_API_TOKEN", "eyJ.agent.token"),
            ("MEMORY_SVC_URL", "http://127.0.0.1:8050"),
            ("PROJECT_SVC_URL", "http://127.0.0.1:8020"),
            (
                "AGENT_SECRET_NAMES",
                "GITHUB_TOKEN,OPENAI_API_KEY,REDIS_URL,MISSING,AGENT_API_TOKEN,MEMORY_SVC_URL,PROJECT_SVC_URL",
            ),
        ]))
        .expect("config");
        assert_eq!(
            cfg.tool_env,
            [("GITHUB_TOKEN".to_owned(), "ghp_1".to_owned())]
        );
        assert_eq!(cfg.memory_svc_url.as_deref(), Some("http://127.0.0.1:8050"));
        assert_eq!(
            cfg.project_svc_url.as_deref(),
            Some("http://127.0.0.1:8020")
        );
        assert!(cfg.agent_token.is_some() && !format!("{cfg:?}").contains("eyJ.agent.token"));
        let none = RuntimeConfig::from_vars(vars(&[("GITHUB_TOKEN", "ghp_1")])).expect("config");
        assert!(none.tool_env.is_empty());
    }
}
