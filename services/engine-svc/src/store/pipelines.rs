//! Pipelines as stored: a tenant's row shadows the global one with the same id.

use kit::db::TenantTx;
use shared_schemas::ids::TenantId;

#[derive(Debug, Clone, sqlx::FromRow)]
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

/// The pipeline `id` as the tenant sees it: its own row, else the global one.
pub async fn effective(tx: &mut TenantTx, id: &str) -> sqlx::Result<Option<PipelineRow>> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(
        "select id, tenant_id, is_global, name, description, version, yaml_content, created_at,
                updated_at
           from engine.pipelines
          where id = $1 and (tenant_id = $2 or tenant_id is null)
          order by tenant_id is null
          limit 1",
    )
    .bind(id)
    .bind(&tenant)
    .fetch_optional(&mut **tx)
    .await
}
