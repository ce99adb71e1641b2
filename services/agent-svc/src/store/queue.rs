//! SQL of `agent.queue_items`: work waiting for an agent, oldest first.

use kit::ApiError;
use kit::db::TenantTx;
use sqlx::FromRow;
use sqlx::types::Json;

#[derive(Debug, Clone, FromRow)]
pub struct QueueItem {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub run_id: Option<String>,
    pub step: Option<String>,
    pub payload: Json<serde_json::Value>,
    pub priority: String,
    pub estimated_duration: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str =
    "id, kind, title, run_id, step, payload, priority, estimated_duration, created_at";

/// What a producer enqueues; the row adds id, status and time.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub kind: String,
    pub title: String,
    pub run_id: Option<String>,
    pub step: Option<String>,
    pub payload: serde_json::Value,
    pub priority: &'static str,
    pub estimated_duration: Option<i64>,
}

pub async fn queued(tx: &mut TenantTx, agent_id: &str) -> Result<Vec<QueueItem>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from agent.queue_items
          where tenant_id = $1 and agent_id = $2 and status = 'queued' order by seq"
    ))
    .bind(tenant)
    .bind(agent_id)
    .fetch_all(&mut **tx)
    .await?)
}

pub async fn insert(
    tx: &mut TenantTx,
    agent_id: &str,
    item: &NewItem,
    now: i64,
) -> Result<QueueItem, ApiError> {
    let id = format!("qi_{}", shared_schemas::ids::random_body());
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "insert into agent.queue_items (id, tenant_id, agent_id, kind, title, run_id, step,
             payload, priority, estimated_duration, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         returning {COLUMNS}"
    ))
    .bind(id)
    .bind(tenant)
    .bind(agent_id)
    .bind(&item.kind)
    .bind(&item.title)
    .bind(&item.run_id)
    .bind(&item.step)
    .bind(Json(&item.payload))
    .bind(item.priority)
    .bind(item.estimated_duration)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?)
}

/// Marks queued items cancelled (one, or all when `item_id` is None); how many were.
pub async fn cancel(
    tx: &mut TenantTx,
    agent_id: &str,
    item_id: Option<&str>,
) -> Result<u64, ApiError> {
    let tenant = tx.tenant().to_string();
    let done = sqlx::query(
        "update agent.queue_items set status = 'cancelled'
          where tenant_id = $1 and agent_id = $2 and status = 'queued'
            and ($3::text is null or id = $3)",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(item_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Takes a queued item off the queue for good (the consumer took it); whether it was there.
pub async fn delete(tx: &mut TenantTx, agent_id: &str, item_id: &str) -> Result<bool, ApiError> {
    let tenant = tx.tenant().to_string();
    let done = sqlx::query(
        "delete from agent.queue_items
          where tenant_id = $1 and agent_id = $2 and id = $3 and status = 'queued'",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(item_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}
