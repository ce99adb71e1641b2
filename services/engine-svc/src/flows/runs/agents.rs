//! What the engine asks agent-svc when a run starts: which tenant agent each pipeline agent
//! slug names (`GET /v1/agents/{slug}`) and the tenant's `maxRunningRuns` setting
//! (`GET /v1/settings/`), with a service token of the tenant. Never inside a transaction.

use kit::ApiError;
use kit::client::{AgentLookup, ServiceClient};
use serde::Deserialize;
use shared_schemas::ids::{AgentId, TenantId, validate_slug};

#[derive(Clone)]
pub struct AgentSvc {
    client: ServiceClient,
    base_url: String,
    lookup: AgentLookup,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SettingsAnswer {
    max_running_runs: Option<i64>,
}

/// How a slug lookup ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(String),
    Missing,
}

impl AgentSvc {
    pub fn new(client: ServiceClient, base_url: &str) -> Self {
        Self {
            lookup: AgentLookup::new(client.clone(), base_url),
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The tenant's agent called `slug` (or with that `agt_` id: agent-svc answers both, and
    /// only for the tenant's own agents).
    pub async fn resolve(&self, tenant: &TenantId, slug: &str) -> Result<Lookup, ApiError> {
        let malformed = if slug.starts_with("agt_") {
            AgentId::parse(slug.to_owned()).is_err()
        } else {
            validate_slug(slug).is_err()
        };
        if malformed {
            return Ok(Lookup::Missing);
        }
        let found = self.lookup.find(tenant, slug).await?;
        Ok(found.map_or(Lookup::Missing, Lookup::Found))
    }

    /// The tenant's `maxRunningRuns`; `None` when agent-svc cannot say (the engine's default
    /// applies then, so an agent-svc outage never stops admission).
    pub async fn max_running_runs(&self, tenant: &TenantId) -> Option<i64> {
        let answer = self
            .client
            .get(format!("{}/v1/settings/", self.base_url))
            .for_tenant(tenant)
            .send_json::<SettingsAnswer>()
            .await;
        match answer {
            Ok(settings) => settings.max_running_runs,
            Err(err) => {
                tracing::warn!(error = %err, tenant = %tenant, "tenant run limit unknown: default applies");
                None
            }
        }
    }
}
