//! SQL of `engine.pipelines` as a tenant sees it: its own rows and the global ones (seeded from
//! the repository, read-only to tenants). A tenant's row shadows the global row with its id.
//! Seeding the global rows is `store::pipeline_seed`.

use kit::db::TenantTx;
use serde::{Deserialize, Serialize};
use shared_schemas::ids::TenantId;
use sqlx::FromRow;

/// One stored pipeline. `yaml_content` is what the tenant wrote (or the shipped file), kept as
/// text so `raw` returns it byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, FromRow, Serialize, Deserialize)]
pub struct PipelineRow {
    pub id: String,
    pub tenant_id: Option<TenantId>,
    pub is_global: bool,
    pub name: String,
    pub description: String,
    pub version: String,
    pub yaml_content: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str =
    "id, tenant_id, is_global, name, description, version, yaml_content, created_at, updated_at";

/// What a tenant writes: the YAML and the fields read from it.
#[derive(Debug, Clone)]
pub struct PipelineContent<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub version: &'a str,
    pub yaml_content: &'a str,
    pub content_hash: &'a str,
}

/// The pipeline the tenant runs under `id`: its own row, else the global one.
pub async fn effective(tx: &mut TenantTx, id: &str) -> sqlx::Result<Option<PipelineRow>> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(&format!(
        "select {COLUMNS} from engine.pipelines
          where id = $2 and (tenant_id = $1 or tenant_id is null)
          order by tenant_id is null limit 1"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Every pipeline the tenant runs: its own rows and the global rows it does not shadow, by id.
pub async fn list(tx: &mut TenantTx) -> sqlx::Result<Vec<PipelineRow>> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(&format!(
        "select distinct on (id) {COLUMNS} from engine.pipelines
          where tenant_id = $1 or tenant_id is null
          order by id, tenant_id is null"
    ))
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await
}

/// The tenant's own row with `id`, locked for the rest of the transaction.
pub async fn own_for_update(tx: &mut TenantTx, id: &str) -> sqlx::Result<Option<PipelineRow>> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(&format!(
        "select {COLUMNS} from engine.pipelines where tenant_id = $1 and id = $2 for update"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Whether a global pipeline has `id`.
pub async fn global_exists(tx: &mut TenantTx, id: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select exists (select 1 from engine.pipelines where tenant_id is null and id = $1)",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await
}

/// Inserts a tenant pipeline; `None` when the tenant already has one with that id.
pub async fn insert(
    tx: &mut TenantTx,
    content: &PipelineContent<'_>,
    created_by: &str,
    now: i64,
) -> sqlx::Result<Option<PipelineRow>> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(&format!(
        "insert into engine.pipelines
             (tenant_id, id, is_global, name, description, version, yaml_content, content_hash,
              created_by, created_at, updated_at)
         values ($1, $2, false, $3, $4, $5, $6, $7, $8, $9, $9)
         on conflict (tenant_id, id) do nothing
         returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(content.id)
    .bind(content.name)
    .bind(content.description)
    .bind(content.version)
    .bind(content.yaml_content)
    .bind(content.content_hash)
    .bind(created_by)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await
}

/// Rewrites one of the tenant's own pipelines; `None` when it has none with that id.
pub async fn update(
    tx: &mut TenantTx,
    content: &PipelineContent<'_>,
    now: i64,
) -> sqlx::Result<Option<PipelineRow>> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(&format!(
        "update engine.pipelines
            set name = $3, description = $4, version = $5, yaml_content = $6, content_hash = $7,
                updated_at = $8
          where tenant_id = $1 and id = $2
          returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(content.id)
    .bind(content.name)
    .bind(content.description)
    .bind(content.version)
    .bind(content.yaml_content)
    .bind(content.content_hash)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await
}

/// Deletes one of the tenant's own pipelines; false when it has none with that id.
pub async fn delete(tx: &mut TenantTx, id: &str) -> sqlx::Result<bool> {
    let tenant = tx.tenant().clone();
    let done = sqlx::query("delete from engine.pipelines where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// How many pipelines the tenant has of its own (a cap keeps the list answer bounded).
pub async fn count_own(tx: &mut TenantTx) -> sqlx::Result<i64> {
    let tenant = tx.tenant().clone();
    sqlx::query_scalar("select count(*) from engine.pipelines where tenant_id = $1")
        .bind(tenant)
        .fetch_one(&mut **tx)
        .await
}

/// Pipelines the tenant can start (its own and the global ones, an id counted once), for
/// `GET /v1/status`.
pub async fn pipeline_count(tx: &mut TenantTx) -> sqlx::Result<i64> {
    let tenant = tx.tenant().clone();
    sqlx::query_scalar(
        "select count(distinct id) from engine.pipelines where tenant_id = $1 or tenant_id is null",
    )
    .bind(&tenant)
    .fetch_one(&mut **tx)
    .await
}
