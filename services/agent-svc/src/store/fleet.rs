//! The per-agent counters of the fleet status (`GET /v1/agents/status`), for every agent of the
//! tenant in one statement: queued work, unread inbox messages and the last pulse routine run.

use std::collections::HashMap;

use kit::ApiError;
use kit::db::TenantTx;
use sqlx::FromRow;

#[derive(Debug, Clone, Default, FromRow)]
pub struct Counters {
    pub agent_id: String,
    pub queued: i64,
    pub unread: i64,
    pub last_pulse: Option<i64>,
}

/// Counters by agent id; an agent with nothing queued, unread or run has no entry.
pub async fn counters(tx: &mut TenantTx) -> Result<HashMap<String, Counters>, ApiError> {
    let tenant = tx.tenant().to_string();
    let rows: Vec<Counters> = sqlx::query_as(
        "select agent_id, sum(queued)::bigint as queued, sum(unread)::bigint as unread,
                max(last_pulse) as last_pulse
           from (select agent_id, count(*) as queued, 0 as unread, null::bigint as last_pulse
                   from agent.queue_items
                  where tenant_id = $1 and status = 'queued' group by agent_id
                 union all
                 select agent_id, 0, count(*), null from agent.inbox_messages
                  where tenant_id = $1 and read_at is null group by agent_id
                 union all
                 select agent_id, 0, 0, max(last_run_at) from agent.pulse_routines
                  where tenant_id = $1 group by agent_id) c
          group by agent_id",
    )
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| (r.agent_id.clone(), r)).collect())
}
