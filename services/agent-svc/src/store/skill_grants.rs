//! SQL of `agent.agent_skills`: which of the tenant's agents may load which skill (the tenant's
//! own or a global one). Callers have already resolved the agent and the skill in the tenant.

use kit::ApiError;
use kit::db::TenantTx;
use sqlx::FromRow;

use crate::store::skills::{COLUMNS, Skill};

/// A granted skill with the grant's details.
#[derive(Debug, Clone, FromRow)]
pub struct GrantedSkill {
    #[sqlx(flatten)]
    pub skill: Skill,
    pub granted_by: String,
    pub granted_at: i64,
}

/// The skills granted to the agent, by slug; `only_enabled` for what the agent can load now
/// (enabled and approved).
pub async fn list(
    tx: &mut TenantTx,
    agent_id: &str,
    only_enabled: bool,
) -> Result<Vec<GrantedSkill>, ApiError> {
    let tenant = tx.tenant().to_string();
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("s.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(sqlx::query_as(&format!(
        "select {columns}, g.granted_by, g.granted_at
           from agent.agent_skills g
           join agent.skills s on s.id = g.skill_id
          where g.tenant_id = $1 and g.agent_id = $2 and g.granted
            and (s.tenant_id = $1 or s.tenant_id is null)
            and ((s.enabled and s.approval_status = 'approved') or not $3)
          order by s.slug, s.is_global, s.id"
    ))
    .bind(tenant)
    .bind(agent_id)
    .bind(only_enabled)
    .fetch_all(&mut **tx)
    .await?)
}

pub async fn is_granted(
    tx: &mut TenantTx,
    agent_id: &str,
    skill_id: &str,
) -> Result<bool, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_scalar(
        "select exists (select 1 from agent.agent_skills
                         where tenant_id = $1 and agent_id = $2 and skill_id = $3 and granted)",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(skill_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// Grants (or re-grants) the skill; returns `(granted_by, granted_at)` of the grant as stored.
pub async fn grant(
    tx: &mut TenantTx,
    agent_id: &str,
    skill_id: &str,
    granted_by: &str,
    now: i64,
) -> Result<(String, i64), ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(
        "insert into agent.agent_skills (tenant_id, agent_id, skill_id, granted, granted_at, granted_by)
         values ($1, $2, $3, true, $4, $5)
         on conflict (tenant_id, agent_id, skill_id) do update
            set granted = true, granted_at = excluded.granted_at, granted_by = excluded.granted_by
         returning granted_by, granted_at",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(skill_id)
    .bind(now)
    .bind(granted_by)
    .fetch_one(&mut **tx)
    .await?)
}

/// Removes the grant; false when there was none.
pub async fn revoke(tx: &mut TenantTx, agent_id: &str, skill_id: &str) -> Result<bool, ApiError> {
    let tenant = tx.tenant().to_string();
    let done = sqlx::query(
        "delete from agent.agent_skills where tenant_id = $1 and agent_id = $2 and skill_id = $3",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(skill_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}
