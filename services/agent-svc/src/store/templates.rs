//! SQL of `agent.agent_templates`, the global catalog (no tenant rows, no RLS).

use kit::ApiError;
use kit::db::TenantTx;
use sqlx::{FromRow, PgPool};

use crate::domain::agent_config::AgentRuntimeConfig;
use crate::store::template_files::Template;

#[derive(Debug, Clone, FromRow)]
pub struct TemplateRow {
    pub id: String,
    pub name: String,
    pub emoji: Option<String>,
    pub role: Option<String>,
    pub description: String,
    pub identity_md: Option<String>,
    pub soul_md: Option<String>,
    pub agents_md: Option<String>,
    pub decision_md: Option<String>,
    pub config_json: String,
    pub updated_at: i64,
}

impl TemplateRow {
    pub fn config(&self) -> AgentRuntimeConfig {
        AgentRuntimeConfig::from_stored(&self.config_json)
    }

    pub fn files(&self) -> [Option<String>; 4] {
        [
            self.identity_md.clone(),
            self.soul_md.clone(),
            self.agents_md.clone(),
            self.decision_md.clone(),
        ]
    }
}

const COLUMNS: &str = "id, name, emoji, role, description, identity_md, soul_md, agents_md, \
                       decision_md, config_json, updated_at";

/// Makes the catalog exactly `templates`, in one transaction.
pub async fn replace_all(pool: &PgPool, templates: &[Template], now: i64) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    let ids: Vec<&str> = templates.iter().map(|t| t.id.as_str()).collect();
    sqlx::query("delete from agent.agent_templates where id <> all($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    for t in templates {
        let [identity, soul, agents, decision] = &t.files;
        sqlx::query(
            "insert into agent.agent_templates (id, name, emoji, role, description, identity_md,
                 soul_md, agents_md, decision_md, config_json, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             on conflict (id) do update set name = excluded.name, emoji = excluded.emoji,
                 role = excluded.role, description = excluded.description,
                 identity_md = excluded.identity_md, soul_md = excluded.soul_md,
                 agents_md = excluded.agents_md, decision_md = excluded.decision_md,
                 config_json = excluded.config_json, updated_at = excluded.updated_at",
        )
        .bind(&t.id)
        .bind(&t.name)
        .bind(&t.emoji)
        .bind(&t.role)
        .bind(&t.description)
        .bind(identity)
        .bind(soul)
        .bind(agents)
        .bind(decision)
        .bind(t.config.to_stored())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn list(tx: &mut TenantTx) -> Result<Vec<TemplateRow>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from agent.agent_templates order by id"
    ))
    .fetch_all(&mut **tx)
    .await?)
}

pub async fn get(tx: &mut TenantTx, id: &str) -> Result<Option<TemplateRow>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from agent.agent_templates where id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}
