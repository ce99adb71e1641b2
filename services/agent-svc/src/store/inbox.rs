//! SQL of `agent.inbox_messages`: messages to an agent, newest first.

use kit::ApiError;
use kit::db::TenantTx;
use sqlx::FromRow;

use crate::domain::inbox::InboxFilter;

#[derive(Debug, Clone, FromRow)]
pub struct Message {
    pub id: String,
    pub sender: String,
    pub from_agent_id: Option<String>,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub priority: String,
    pub subject: Option<String>,
    pub body: String,
    pub run_context: Option<String>,
    pub step_context: Option<String>,
    pub read_at: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, sender, from_agent_id, type, priority, subject, body, run_context, \
    step_context, read_at, created_at";

/// A message to store; the row adds id and time.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub sender: &'a str,
    pub from_agent_id: Option<&'a str>,
    pub kind: &'static str,
    pub priority: &'static str,
    pub subject: Option<&'a str>,
    pub body: &'a str,
    pub run_context: Option<&'a str>,
    pub step_context: Option<&'a str>,
}

/// One page of the filtered messages, and how many match in all.
pub async fn page(
    tx: &mut TenantTx,
    agent_id: &str,
    filter: InboxFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Message>, i64), ApiError> {
    let tenant = tx.tenant().to_string();
    let condition = filter.condition();
    let total: i64 = sqlx::query_scalar(&format!(
        "select count(*) from agent.inbox_messages
          where tenant_id = $1 and agent_id = $2 and {condition}"
    ))
    .bind(&tenant)
    .bind(agent_id)
    .fetch_one(&mut **tx)
    .await?;
    let rows = sqlx::query_as(&format!(
        "select {COLUMNS} from agent.inbox_messages
          where tenant_id = $1 and agent_id = $2 and {condition}
          order by seq desc limit $3 offset $4"
    ))
    .bind(&tenant)
    .bind(agent_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut **tx)
    .await?;
    Ok((rows, total))
}

pub async fn unread_count(tx: &mut TenantTx, agent_id: &str) -> Result<i64, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_scalar(
        "select count(*) from agent.inbox_messages
          where tenant_id = $1 and agent_id = $2 and read_at is null",
    )
    .bind(tenant)
    .bind(agent_id)
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn get(tx: &mut TenantTx, agent_id: &str, id: &str) -> Result<Option<Message>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from agent.inbox_messages
          where tenant_id = $1 and agent_id = $2 and id = $3"
    ))
    .bind(tenant)
    .bind(agent_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

pub async fn insert(
    tx: &mut TenantTx,
    agent_id: &str,
    m: &NewMessage<'_>,
    now: i64,
) -> Result<Message, ApiError> {
    let id = format!("msg_{}", shared_schemas::ids::random_body());
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "insert into agent.inbox_messages (id, tenant_id, agent_id, sender, from_agent_id, type,
             priority, subject, body, run_context, step_context, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         returning {COLUMNS}"
    ))
    .bind(id)
    .bind(tenant)
    .bind(agent_id)
    .bind(m.sender)
    .bind(m.from_agent_id)
    .bind(m.kind)
    .bind(m.priority)
    .bind(m.subject)
    .bind(m.body)
    .bind(m.run_context)
    .bind(m.step_context)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?)
}

/// Marks the listed unread messages of the agent read; how many changed.
pub async fn mark_read(
    tx: &mut TenantTx,
    agent_id: &str,
    ids: &[String],
    now: i64,
) -> Result<u64, ApiError> {
    let tenant = tx.tenant().to_string();
    let done = sqlx::query(
        "update agent.inbox_messages set read_at = $4
          where tenant_id = $1 and agent_id = $2 and id = any($3) and read_at is null",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(ids)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes every message of the agent; how many there were.
pub async fn clear(tx: &mut TenantTx, agent_id: &str) -> Result<u64, ApiError> {
    let tenant = tx.tenant().to_string();
    let done =
        sqlx::query("delete from agent.inbox_messages where tenant_id = $1 and agent_id = $2")
            .bind(tenant)
            .bind(agent_id)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected())
}
