//! SQL of `memory.retrieval_log`, `valuations`, `gaps`, `scores` and `scoring_config`.
//!
//! Counters are upserted (`on conflict do update`) in `memory_id` order, so concurrent batches
//! for the same memories neither duplicate rows nor deadlock.

use kit::db::TenantTx;
use sqlx::FromRow;
use sqlx::types::Json;

use crate::api::scores::{Gap, RetrievalEvent, ValuationEvent};
use crate::domain::scores::{Counters, ScoringConfig};

/// Who reported a batch, and from where.
pub struct Origin<'a> {
    pub agent_id: &'a str,
    pub session_id: Option<&'a str>,
    pub run_id: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub now: i64,
}

/// Logs every retrieval and counts each one; the number of score rows touched.
pub async fn record_retrievals(
    tx: &mut TenantTx,
    origin: &Origin<'_>,
    events: &[RetrievalEvent],
) -> sqlx::Result<usize> {
    let tenant = tx.tenant().as_str().to_owned();
    let ids: Vec<&str> = events.iter().map(|e| e.memory_id.as_str()).collect();
    let titles: Vec<Option<&str>> = events.iter().map(|e| e.memory_title.as_deref()).collect();
    let queries: Vec<Option<&str>> = events.iter().map(|e| e.query.as_deref()).collect();
    let sources: Vec<&str> = events.iter().map(|e| e.retrieval_source.as_str()).collect();
    let raw: Vec<f64> = events.iter().map(|e| e.raw_score).collect();
    sqlx::query(
        "insert into memory.retrieval_log (tenant_id, agent_id, memory_id, memory_title, query,
             retrieval_source, raw_score, session_id, run_id, request_id, created_at)
         select $1, $2, u.id, u.title, u.query, u.source, u.raw, $8, $9, $10, $11
           from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::float8[])
                as u(id, title, query, source, raw)",
    )
    .bind(&tenant)
    .bind(origin.agent_id)
    .bind(&ids)
    .bind(&titles)
    .bind(&queries)
    .bind(&sources)
    .bind(&raw)
    .bind(origin.session_id)
    .bind(origin.run_id)
    .bind(origin.request_id)
    .bind(origin.now)
    .execute(&mut **tx)
    .await?;
    let done = sqlx::query(
        "insert into memory.scores (tenant_id, agent_id, memory_id, memory_title, access_count,
             last_accessed, created_at, updated_at)
         select $1, $2, u.id, max(u.title), count(*), $5, $5, $5
           from unnest($3::text[], $4::text[]) as u(id, title)
          group by u.id order by u.id
         on conflict (tenant_id, agent_id, memory_id) do update set
             access_count = memory.scores.access_count + excluded.access_count,
             memory_title = coalesce(excluded.memory_title, memory.scores.memory_title),
             last_accessed = greatest(memory.scores.last_accessed, excluded.last_accessed),
             updated_at = excluded.updated_at",
    )
    .bind(&tenant)
    .bind(origin.agent_id)
    .bind(&ids)
    .bind(&titles)
    .bind(origin.now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() as usize)
}

/// Logs every valuation and counts it; the number of score rows touched.
pub async fn record_valuations(
    tx: &mut TenantTx,
    origin: &Origin<'_>,
    events: &[ValuationEvent],
) -> sqlx::Result<usize> {
    let tenant = tx.tenant().as_str().to_owned();
    let ids: Vec<&str> = events.iter().map(|e| e.memory_id.as_str()).collect();
    let titles: Vec<Option<&str>> = events.iter().map(|e| e.memory_title.as_deref()).collect();
    let useful: Vec<bool> = events.iter().map(|e| e.useful).collect();
    sqlx::query(
        "insert into memory.valuations (tenant_id, agent_id, memory_id, memory_title, useful,
             session_id, run_id, created_at)
         select $1, $2, u.id, u.title, u.useful, $6, $7, $8
           from unnest($3::text[], $4::text[], $5::bool[]) as u(id, title, useful)",
    )
    .bind(&tenant)
    .bind(origin.agent_id)
    .bind(&ids)
    .bind(&titles)
    .bind(&useful)
    .bind(origin.session_id)
    .bind(origin.run_id)
    .bind(origin.now)
    .execute(&mut **tx)
    .await?;
    let done = sqlx::query(
        "insert into memory.scores (tenant_id, agent_id, memory_id, memory_title,
             valuation_count, useful_count, not_useful_count, last_valued, created_at, updated_at)
         select $1, $2, u.id, max(u.title), count(*), count(*) filter (where u.useful),
                count(*) filter (where not u.useful), $6, $6, $6
           from unnest($3::text[], $4::text[], $5::bool[]) as u(id, title, useful)
          group by u.id order by u.id
         on conflict (tenant_id, agent_id, memory_id) do update set
             valuation_count = memory.scores.valuation_count + excluded.valuation_count,
             useful_count = memory.scores.useful_count + excluded.useful_count,
             not_useful_count = memory.scores.not_useful_count + excluded.not_useful_count,
             memory_title = coalesce(excluded.memory_title, memory.scores.memory_title),
             last_valued = greatest(memory.scores.last_valued, excluded.last_valued),
             updated_at = excluded.updated_at",
    )
    .bind(&tenant)
    .bind(origin.agent_id)
    .bind(&ids)
    .bind(&titles)
    .bind(&useful)
    .bind(origin.now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() as usize)
}

pub async fn insert_gap(
    tx: &mut TenantTx,
    origin: &Origin<'_>,
    id: &str,
    description: &str,
    query: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into memory.gaps (id, tenant_id, agent_id, description, query_attempted,
             session_id, run_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(tx.tenant().as_str().to_owned())
    .bind(origin.agent_id)
    .bind(description)
    .bind(query)
    .bind(origin.session_id)
    .bind(origin.run_id)
    .bind(origin.now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, FromRow)]
pub struct ScoreRow {
    pub memory_id: String,
    pub memory_title: Option<String>,
    pub access_count: i64,
    pub valuation_count: i64,
    pub useful_count: i64,
    pub not_useful_count: i64,
    pub last_accessed: Option<i64>,
    pub last_valued: Option<i64>,
    pub created_at: i64,
}

impl ScoreRow {
    pub fn counters(&self) -> Counters {
        Counters {
            access_count: self.access_count,
            valuation_count: self.valuation_count,
            useful_count: self.useful_count,
            last_accessed: self.last_accessed,
            last_valued: self.last_valued,
            created_at: self.created_at,
        }
    }
}

/// An agent's score rows by `memory_id` (only `ids` when given), and how many match.
pub async fn list(
    tx: &mut TenantTx,
    agent_id: &str,
    ids: Option<&[String]>,
    limit: i64,
) -> sqlx::Result<(Vec<ScoreRow>, i64)> {
    let tenant = tx.tenant().as_str().to_owned();
    let rows = sqlx::query_as::<_, ScoreRow>(
        "select memory_id, memory_title, access_count, valuation_count, useful_count,
                not_useful_count, last_accessed, last_valued, created_at
           from memory.scores
          where tenant_id = $1 and agent_id = $2 and ($3::text[] is null or memory_id = any($3))
          order by memory_id limit $4",
    )
    .bind(&tenant)
    .bind(agent_id)
    .bind(ids)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    let total: i64 = sqlx::query_scalar(
        "select count(*) from memory.scores
          where tenant_id = $1 and agent_id = $2 and ($3::text[] is null or memory_id = any($3))",
    )
    .bind(&tenant)
    .bind(agent_id)
    .bind(ids)
    .fetch_one(&mut **tx)
    .await?;
    Ok((rows, total))
}

/// An agent's gaps, newest first, and how many it has.
pub async fn gaps(tx: &mut TenantTx, agent_id: &str, limit: i64) -> sqlx::Result<(Vec<Gap>, i64)> {
    let tenant = tx.tenant().as_str().to_owned();
    let rows = sqlx::query_as::<_, Gap>(
        "select id, agent_id, description, query_attempted, created_at from memory.gaps
          where tenant_id = $1 and agent_id = $2 order by created_at desc, id limit $3",
    )
    .bind(&tenant)
    .bind(agent_id)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    let total: i64 = sqlx::query_scalar(
        "select count(*) from memory.gaps where tenant_id = $1 and agent_id = $2",
    )
    .bind(&tenant)
    .bind(agent_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok((rows, total))
}

/// The tenant's settings; the defaults when it never changed them. Keys missing from a stored
/// document take their defaults too.
pub async fn config(tx: &mut TenantTx) -> sqlx::Result<ScoringConfig> {
    let stored: Option<Json<ScoringConfig>> =
        sqlx::query_scalar("select config from memory.scoring_config where tenant_id = $1")
            .bind(tx.tenant().as_str().to_owned())
            .fetch_optional(&mut **tx)
            .await?;
    Ok(stored.map(|j| j.0).unwrap_or_default())
}

/// Locks the tenant's settings row (if any) for a read-modify-write.
pub async fn lock_config(tx: &mut TenantTx) -> sqlx::Result<ScoringConfig> {
    let stored: Option<Json<ScoringConfig>> = sqlx::query_scalar(
        "select config from memory.scoring_config where tenant_id = $1 for update",
    )
    .bind(tx.tenant().as_str().to_owned())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(stored.map(|j| j.0).unwrap_or_default())
}

pub async fn save_config(tx: &mut TenantTx, config: &ScoringConfig, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "insert into memory.scoring_config (tenant_id, config, updated_at) values ($1, $2, $3)
         on conflict (tenant_id) do update set config = excluded.config,
             updated_at = excluded.updated_at",
    )
    .bind(tx.tenant().as_str().to_owned())
    .bind(Json(config))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn reset_config(tx: &mut TenantTx) -> sqlx::Result<()> {
    sqlx::query("delete from memory.scoring_config where tenant_id = $1")
        .bind(tx.tenant().as_str().to_owned())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Removes everything scored for an agent (its deletion).
pub async fn delete_agent(tx: &mut TenantTx, agent_id: &str) -> sqlx::Result<()> {
    let tenant = tx.tenant().as_str().to_owned();
    for table in ["scores", "valuations", "retrieval_log", "gaps"] {
        sqlx::query(&format!(
            "delete from memory.{table} where tenant_id = $1 and agent_id = $2"
        ))
        .bind(&tenant)
        .bind(agent_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
