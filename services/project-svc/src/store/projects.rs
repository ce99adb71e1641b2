//! SQL of `project.projects`: the existence check every project route starts with.

use kit::ApiError;
use kit::db::TenantTx;

pub fn not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "project_not_found",
        "project not found",
    )
}

/// 404 unless the project exists in the transaction's tenant. Locks nothing.
pub async fn require(tx: &mut TenantTx, project_id: &str) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    let found: Option<i32> =
        sqlx::query_scalar("select 1 from project.projects where tenant_id = $1 and id = $2")
            .bind(tenant)
            .bind(project_id)
            .fetch_optional(&mut **tx)
            .await?;
    found.map(|_| ()).ok_or_else(not_found)
}
