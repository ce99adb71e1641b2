//! SQL of `agent.agents`. Every statement filters by the transaction's tenant explicitly (RLS
//! would hide other tenants' rows anyway).

use kit::ApiError;
use kit::db::TenantTx;
use kit::error::OnConstraint;
use kit::page::Page;
use sqlx::FromRow;

use crate::domain::agent_config::AgentRuntimeConfig;
pub use crate::domain::agents::{Agent, PersonaFile};

const COLUMNS: &str = "id, name, slug, emoji, role, description, model, thinking_level, \
    pulse_enabled, identity_md, soul_md, agents_md, decision_md, config_json, slack_config, \
    status, template_id, created_at, updated_at";

/// The column that holds `file`.
fn column(file: PersonaFile) -> &'static str {
    match file {
        PersonaFile::Identity => "identity_md",
        PersonaFile::Soul => "soul_md",
        PersonaFile::Agents => "agents_md",
        PersonaFile::Decision => "decision_md",
    }
}

pub fn not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "agent_not_found",
        "agent not found",
    )
}

/// 404 unless the agent exists in the transaction's tenant; every per-agent route starts here.
pub async fn require(tx: &mut TenantTx, agent_id: &str) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    let found: Option<i32> =
        sqlx::query_scalar("select 1 from agent.agents where tenant_id = $1 and id = $2")
            .bind(tenant)
            .bind(agent_id)
            .fetch_optional(&mut **tx)
            .await?;
    found.map(|_| ()).ok_or_else(not_found)
}

/// The id of the tenant's agent that `agent_ref` names, by id (`agt_…`) or by slug; 404 when the
/// tenant has neither. Slugs never contain `_`, so an id and a slug never name two agents.
pub async fn resolve(tx: &mut TenantTx, agent_ref: &str) -> Result<String, ApiError> {
    let tenant = tx.tenant().to_string();
    let found: Option<String> = sqlx::query_scalar(
        "select id from agent.agents where tenant_id = $1 and (id = $2 or slug = $2)",
    )
    .bind(tenant)
    .bind(agent_ref)
    .fetch_optional(&mut **tx)
    .await?;
    found.ok_or_else(not_found)
}

pub async fn get(tx: &mut TenantTx, agent_id: &str) -> Result<Agent, ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query_as(&format!(
        "select {COLUMNS} from agent.agents where tenant_id = $1 and id = $2"
    ))
    .bind(tenant)
    .bind(agent_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)
}

/// Every agent of the tenant with its persona text and config (for schedule computations).
pub async fn list_full(tx: &mut TenantTx) -> Result<Vec<Agent>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from agent.agents where tenant_id = $1 order by created_at, id"
    ))
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?)
}

/// An agent as lists show it: which persona files it has, not their text (up to 1 MiB each
/// agent), and whether a complete, enabled Slack bot is configured.
#[derive(Debug, Clone, FromRow)]
pub struct ListedAgent {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub emoji: Option<String>,
    pub role: Option<String>,
    pub description: String,
    pub model: Option<String>,
    pub thinking_level: String,
    pub pulse_enabled: bool,
    pub status: String,
    pub template_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub has_identity: bool,
    pub has_soul: bool,
    pub has_agents: bool,
    pub has_decision: bool,
    pub slack_connected: bool,
}

impl ListedAgent {
    pub fn persona_files(&self) -> Vec<String> {
        let present = [
            self.has_identity,
            self.has_soul,
            self.has_agents,
            self.has_decision,
        ];
        PersonaFile::ALL
            .into_iter()
            .zip(present)
            .filter(|(_, has)| *has)
            .map(|(f, _)| f.file_name())
            .collect()
    }
}

/// The tenant's agents, oldest first, in one statement.
/// Every agent of the tenant, oldest first (the fleet status reads them all).
pub async fn list(tx: &mut TenantTx) -> Result<Vec<ListedAgent>, ApiError> {
    Ok(page(tx, Page::new(Some(i64::MAX), Some(0), i64::MAX))
        .await?
        .0)
}

/// A page of the tenant's agents, oldest first, and how many there are.
pub async fn page(tx: &mut TenantTx, page: Page) -> Result<(Vec<ListedAgent>, i64), ApiError> {
    let tenant = tx.tenant().to_string();
    let total: i64 = sqlx::query_scalar("select count(*) from agent.agents where tenant_id = $1")
        .bind(&tenant)
        .fetch_one(&mut **tx)
        .await?;
    let rows = sqlx::query_as(
        "select a.id, a.name, a.slug, a.emoji, a.role, a.description, a.model, a.thinking_level,
                a.pulse_enabled, a.status, a.template_id, a.created_at, a.updated_at,
                a.identity_md is not null as has_identity, a.soul_md is not null as has_soul,
                a.agents_md is not null as has_agents, a.decision_md is not null as has_decision,
                exists (select 1 from agent.channel_credentials c
                         where c.tenant_id = a.tenant_id and c.agent_id = a.id
                           and c.channel = 'slack' and c.enabled
                           and c.primary_token is not null and c.secondary_token is not null)
                    as slack_connected
           from agent.agents a
          where a.tenant_id = $1
          order by a.created_at, a.id
          limit $2 offset $3",
    )
    .bind(&tenant)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(&mut **tx)
    .await?;
    Ok((rows, total))
}

/// What a new agent starts with; the row fills in ids and times.
#[derive(Debug, Clone, Default)]
pub struct NewAgent {
    pub name: String,
    pub slug: String,
    pub emoji: Option<String>,
    pub role: Option<String>,
    pub description: String,
    pub files: [Option<String>; 4],
    pub config: AgentRuntimeConfig,
    pub template_id: Option<String>,
}

pub async fn insert(tx: &mut TenantTx, new: &NewAgent, now: i64) -> Result<Agent, ApiError> {
    let id = shared_schemas::ids::AgentId::generate().to_string();
    let tenant = tx.tenant().to_string();
    let [identity, soul, agents, decision] = &new.files;
    let thinking = thinking_column(&new.config);
    sqlx::query_as(&format!(
        "insert into agent.agents (id, tenant_id, name, slug, emoji, role, description, model,
             thinking_level, pulse_enabled, identity_md, soul_md, agents_md, decision_md,
             config_json, template_id, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
         returning {COLUMNS}"
    ))
    .bind(id)
    .bind(tenant)
    .bind(new.name.trim())
    .bind(&new.slug)
    .bind(&new.emoji)
    .bind(&new.role)
    .bind(&new.description)
    .bind(&new.config.model)
    .bind(thinking)
    .bind(new.config.pulse_enabled.unwrap_or(false))
    .bind(identity)
    .bind(soul)
    .bind(agents)
    .bind(decision)
    .bind(new.config.to_stored())
    .bind(&new.template_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .on_constraint("agents_tenant_slug_key", || {
        ApiError::conflict(
            "slug_taken",
            format!("an agent with slug `{}` already exists", new.slug),
        )
    })
}

fn thinking_column(config: &AgentRuntimeConfig) -> String {
    config
        .thinking_level
        .and_then(|l| serde_json::to_value(l).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "off".to_owned())
}

/// Writes a config, mirroring the keys that also live in their own columns.
pub async fn set_config(
    tx: &mut TenantTx,
    agent_id: &str,
    config: &AgentRuntimeConfig,
    now: i64,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    let done = sqlx::query(
        "update agent.agents set config_json = $3, model = $4, thinking_level = $5,
                pulse_enabled = $6, updated_at = $7
          where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(config.to_stored())
    .bind(&config.model)
    .bind(thinking_column(config))
    .bind(config.pulse_enabled.unwrap_or(false))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(())
}

/// Reads an agent's config for a change: the row stays locked until the transaction ends, so
/// two concurrent edits of different keys both survive.
pub async fn config_for_update(
    tx: &mut TenantTx,
    agent_id: &str,
) -> Result<AgentRuntimeConfig, ApiError> {
    let tenant = tx.tenant().to_string();
    let json: Option<String> = sqlx::query_scalar(
        "select config_json from agent.agents where tenant_id = $1 and id = $2 for update",
    )
    .bind(tenant)
    .bind(agent_id)
    .fetch_optional(&mut **tx)
    .await?;
    json.map(|j| AgentRuntimeConfig::from_stored(&j))
        .ok_or_else(not_found)
}

pub async fn set_file(
    tx: &mut TenantTx,
    agent_id: &str,
    file: PersonaFile,
    content: &str,
    now: i64,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    let column = column(file);
    let done = sqlx::query(&format!(
        "update agent.agents set {column} = $3, updated_at = $4 where tenant_id = $1 and id = $2"
    ))
    .bind(tenant)
    .bind(agent_id)
    .bind(content)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(())
}

/// Deletes the agent; everything of it in agent-svc goes with it (foreign keys cascade).
pub async fn delete(tx: &mut TenantTx, agent_id: &str) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    let done = sqlx::query("delete from agent.agents where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(agent_id)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(())
}
