//! The platform services the team tools call (agent-svc, memory-svc, project-svc), as the agent
//! itself: its token (`AGENT_API_TOKEN`, good for this agent and run only).
//!
//! Each address comes from the engine (`AGENT_SVC_URL`, `MEMORY_SVC_URL`, `PROJECT_SVC_URL`),
//! never from a tenant or the model, and each client reaches only its own address: its egress
//! guard allows exactly that host and port (as the call log's does, `calls`), redirects are not
//! followed, and paths are built from percent-encoded segments, so nothing the model passes can
//! leave the service's API. Every request has a timeout; a failure is a short error string for
//! the model, never a crash.

use std::time::Duration;

use reqwest::{Method, Url};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

/// One request, until the answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// The most of an error body a tool result quotes.
const ERROR_CHARS: usize = 300;

/// The services a runtime was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Svc {
    Agent,
    Memory,
    Project,
}

/// One service's base URL and the client that reaches it alone.
#[derive(Debug, Clone)]
struct Endpoint {
    base: Url,
    client: reqwest::Client,
}

impl Endpoint {
    fn new(name: &str, base: &str) -> anyhow::Result<Self> {
        let base =
            Url::parse(base.trim_end_matches('/')).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        let host = base
            .host_str()
            .ok_or_else(|| anyhow::anyhow!("{name} has no host"))?;
        let port = base
            .port_or_known_default()
            .ok_or_else(|| anyhow::anyhow!("{name} has no port"))?;
        let allow = egress::AllowList::parse(&format!("{host}:{port}"))?;
        let guarded = egress::Guarded::new(allow, || {
            Ok::<_, reqwest::Error>(
                reqwest::Client::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .timeout(REQUEST_TIMEOUT),
            )
        })?;
        let client = guarded
            .client_for(&base)
            .map_err(|e| anyhow::anyhow!("{name}: {e}"))?
            .clone();
        Ok(Self { base, client })
    }
}

/// What a service answered that was not a success: the status and our error body's code and
/// detail (or the start of whatever it sent), or a transport failure.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub status: Option<u16>,
    pub code: Option<String>,
    pub body: Value,
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The clients of the configured services and the agent's token.
#[derive(Debug, Clone)]
pub struct Services {
    token: SecretString,
    agent: Option<Endpoint>,
    memory: Option<Endpoint>,
    project: Option<Endpoint>,
}

impl Services {
    /// The clients of the services whose URL is set; `None` without a token (the tools would be
    /// refused everywhere). An unusable URL is an error: the engine gave a wrong configuration.
    pub fn new(
        token: Option<&SecretString>,
        agent_svc: Option<&str>,
        memory_svc: Option<&str>,
        project_svc: Option<&str>,
    ) -> anyhow::Result<Option<Self>> {
        let Some(token) = token else { return Ok(None) };
        crate::tls::install_provider();
        let endpoint =
            |name: &str, url: Option<&str>| url.map(|u| Endpoint::new(name, u)).transpose();
        Ok(Some(Self {
            token: token.clone(),
            agent: endpoint("AGENT_SVC_URL", agent_svc)?,
            memory: endpoint("MEMORY_SVC_URL", memory_svc)?,
            project: endpoint("PROJECT_SVC_URL", project_svc)?,
        }))
    }

    pub fn has(&self, svc: Svc) -> bool {
        self.endpoint(svc).is_some()
    }

    fn endpoint(&self, svc: Svc) -> Option<&Endpoint> {
        match svc {
            Svc::Agent => self.agent.as_ref(),
            Svc::Memory => self.memory.as_ref(),
            Svc::Project => self.project.as_ref(),
        }
    }

    /// `method` on the service's `segments` (each percent-encoded as one path segment) with
    /// `query` and a JSON `body`; the answer's JSON (null when it has none).
    pub async fn call(
        &self,
        svc: Svc,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
        let failure = |message: String| Failure {
            status: None,
            code: None,
            body: Value::Null,
            message,
        };
        let ep = self
            .endpoint(svc)
            .ok_or_else(|| failure("the service is not configured for this runtime".into()))?;
        let mut url = ep.base.clone();
        url.path_segments_mut()
            .map_err(|()| failure("the service URL cannot take a path".into()))?
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let mut request = ep
            .client
            .request(method, url)
            .bearer_auth(self.token.expose_secret());
        if let Some(body) = body {
            request = request.json(body);
        }
        let res = request.send().await.map_err(|e| {
            failure(format!(
                "the service could not be reached: {}",
                e.without_url()
            ))
        })?;
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(json);
        }
        let code = json["code"].as_str().map(str::to_owned);
        let detail = json["detail"]
            .as_str()
            .map_or_else(|| text.chars().take(ERROR_CHARS).collect(), str::to_owned);
        Err(Failure {
            status: Some(status.as_u16()),
            message: format!(
                "HTTP {}{}: {detail}",
                status.as_u16(),
                code.as_deref().map(|c| format!(" {c}")).unwrap_or_default()
            ),
            code,
            body: json,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn paths_stay_in_the_service_and_failures_are_short() {
        let token = SecretString::from("t");
        let services = Services::new(Some(&token), Some("http://127.0.0.1:9"), None, None)
            .expect("built")
            .expect("a token");
        assert!(services.has(Svc::Agent) && !services.has(Svc::Memory));
        let failed = services
            .call(Svc::Memory, Method::GET, &["x"], &[], None)
            .await
            .expect_err("not configured");
        assert!(failed.message.contains("not configured"), "{failed}");
        // Nothing listens on port 9: a transport failure, not a panic.
        let failed = services
            .call(Svc::Agent, Method::GET, &["v1", "../../admin"], &[], None)
            .await
            .expect_err("unreachable");
        assert!(failed.status.is_none());
        assert!(
            Services::new(None, Some("http://127.0.0.1:9"), None, None)
                .expect("ok")
                .is_none()
        );
        assert!(Services::new(Some(&token), Some("ftp://x:9"), None, None).is_err());
    }
}
