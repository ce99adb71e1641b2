//! The parsed pipelines in Redis (spec §3.8.3C), shared by every replica: `pipeline_cache(t, id)`
//! holds the effective row and its `PipelineConfig` as JSON, with a TTL. Nothing is kept in a
//! replica's memory, so a change seen by one replica is seen by all.
//!
//! A change bumps a generation counter (the tenant's for its own pipelines, the global one for
//! shipped ones) after its commit, deletes the entry, and the flow's outbox notice reaches
//! `pipeline_invalidate` (`{tenantId, pipelineId}`) for anything else that listens. An entry
//! records the counters read *before* the database was, and is served only while they are
//! unchanged: an entry filled by a read that raced a change is never served, whatever the order
//! in which the two reach Redis.

use kit::db::TenantTx;
use kit::{ApiError, Platform};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use shared_schemas::ids::TenantId;
use shared_schemas::pipeline::{PipelineConfig, parse_pipeline};

use crate::config::EngineConfig;
use crate::store::pipelines::{self as store, PipelineRow};

/// Generation counters outlive any entry by far; they only guard entries, so losing one to
/// expiry merely refills a cache entry.
const GENERATION_TTL_SECS: i64 = 24 * 3600;

#[derive(Serialize, Deserialize)]
struct Entry {
    /// The tenant's and the global counter when the row was read.
    generations: [i64; 2],
    row: PipelineRow,
    config: PipelineConfig,
}

/// The pipeline `id` as `tenant` runs it (its own, else the global one) with its parsed model,
/// from the cache or else Postgres. Redis being unreachable costs a database read, not an error.
pub async fn load(
    platform: &Platform,
    config: &EngineConfig,
    tenant: &TenantId,
    id: &str,
) -> Result<Option<(PipelineRow, PipelineConfig)>, ApiError> {
    let cache_key = platform.keys.pipeline_cache(tenant, id);
    let generations = match lookup(platform, &cache_key, tenant, id).await {
        Ok(Lookup::Hit(entry)) => return Ok(Some((entry.row, entry.config))),
        Ok(Lookup::Miss(generations)) => Some(generations),
        Err(err) => {
            tracing::warn!(error = %err, "pipeline cache unreachable; reading the database");
            None
        }
    };
    let mut tx = TenantTx::begin(platform.db.pool(), tenant).await?;
    let row = store::effective(&mut tx, id).await?;
    tx.commit().await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let parsed = parse_pipeline(&row.yaml_content).map_err(|errors| {
        let first = errors.first().map(ToString::to_string).unwrap_or_default();
        ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_pipeline",
            format!("pipeline `{id}` no longer parses ({first}): fix it with PUT"),
        )
    })?;
    if let Some(generations) = generations {
        let entry = Entry {
            generations,
            row,
            config: parsed,
        };
        store_entry(platform, config, &cache_key, &entry).await;
        return Ok(Some((entry.row, entry.config)));
    }
    Ok(Some((row, parsed)))
}

enum Lookup {
    Hit(Box<Entry>),
    Miss([i64; 2]),
}

async fn lookup(
    platform: &Platform,
    cache_key: &str,
    tenant: &TenantId,
    id: &str,
) -> redis::RedisResult<Lookup> {
    let keys = [
        cache_key.to_owned(),
        platform.keys.pipeline_generation(Some(tenant), id),
        platform.keys.pipeline_generation(None, id),
    ];
    let mut redis = platform.redis.clone();
    let (text, own, global): (Option<String>, Option<i64>, Option<i64>) = redis::cmd("MGET")
        .arg(&keys)
        .query_async(&mut redis)
        .await?;
    let generations = [own.unwrap_or(0), global.unwrap_or(0)];
    let entry = text.and_then(|t| serde_json::from_str::<Entry>(&t).ok());
    Ok(match entry {
        Some(entry) if entry.generations == generations => Lookup::Hit(Box::new(entry)),
        _ => Lookup::Miss(generations),
    })
}

async fn store_entry(platform: &Platform, config: &EngineConfig, key: &str, entry: &Entry) {
    let Ok(text) = serde_json::to_string(entry) else {
        return;
    };
    let ttl = config.pipeline_cache_ttl().as_secs();
    let mut redis = platform.redis.clone();
    if let Err(err) = redis.set_ex::<_, _, ()>(key, text, ttl).await {
        tracing::warn!(error = %err, "could not cache a pipeline");
    }
}

/// After the commit of a change to the pipeline `id` of `tenant` (`None`: the global one):
/// every entry read before it stops being served. A failure is logged: the change is committed,
/// and entries expire with their TTL.
pub async fn changed(platform: &Platform, tenant: Option<&TenantId>, id: &str) {
    let generation = platform.keys.pipeline_generation(tenant, id);
    let mut pipe = redis::pipe();
    pipe.atomic()
        .incr(&generation, 1)
        .ignore()
        .expire(&generation, GENERATION_TTL_SECS)
        .ignore();
    if let Some(tenant) = tenant {
        pipe.del(platform.keys.pipeline_cache(tenant, id)).ignore();
    }
    let mut redis = platform.redis.clone();
    if let Err(err) = pipe.query_async::<()>(&mut redis).await {
        tracing::warn!(error = %err, pipeline = id, "could not invalidate a cached pipeline");
    }
}

/// The notice of a change, as `pipeline_invalidate` carries it.
pub fn notice(tenant: Option<&TenantId>, id: &str) -> serde_json::Value {
    serde_json::json!({ "tenantId": tenant, "pipelineId": id })
}
