//! `agent.chat_attachments` and the files behind them: each attachment's bytes live at
//! `DATA_PATH/tenants/{tenant}/attachments/{session}/{attachment id}`, written and read through
//! the session directory's handle (`kit::beneath`), so no path from a request is ever walked.

use axum::http::StatusCode;
use kit::ApiError;
use kit::beneath::{Beneath, ReadError, WriteError};
use kit::db::TenantTx;
use kit::error::OnConstraint;
use kit::paths::{Area, DataPaths, PathError};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct Attachment {
    pub id: String,
    pub session_id: String,
    pub message_id: Option<String>,
    pub filename: String,
    pub mime_type: String,
    pub size_bytes: i64,
    pub processing_status: String,
    pub extracted_text: Option<String>,
    pub estimated_tokens: Option<i32>,
    pub pdf_page_count: Option<i32>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, session_id, message_id, filename, mime_type, size_bytes, \
    processing_status, extracted_text, estimated_tokens, pdf_page_count, created_at";

pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "attachment_not_found",
        "attachment not found",
    )
}

pub async fn insert(tx: &mut TenantTx, a: &Attachment) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query(
        "insert into agent.chat_attachments (id, tenant_id, session_id, filename, mime_type,
             size_bytes, processing_status, extracted_text, estimated_tokens, pdf_page_count,
             created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&a.id)
    .bind(tenant)
    .bind(&a.session_id)
    .bind(&a.filename)
    .bind(&a.mime_type)
    .bind(a.size_bytes)
    .bind(&a.processing_status)
    .bind(&a.extracted_text)
    .bind(a.estimated_tokens)
    .bind(a.pdf_page_count)
    .bind(a.created_at)
    .execute(&mut **tx)
    .await
    // The session was deleted since the upload began.
    .on_constraint(
        "chat_attachments_session_fk",
        super::chat_sessions::not_found,
    )?;
    Ok(())
}

pub async fn get(tx: &mut TenantTx, id: &str) -> Result<Attachment, ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query_as(&format!(
        "select {COLUMNS} from agent.chat_attachments where tenant_id = $1 and id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)
}

/// The session's attachments in upload order (bounded: a session holds at most a few hundred).
pub async fn list(tx: &mut TenantTx, session_id: &str) -> Result<Vec<Attachment>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from agent.chat_attachments
          where tenant_id = $1 and session_id = $2 order by created_at, id limit 1000"
    ))
    .bind(tenant)
    .bind(session_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// The attachments among `ids` that belong to the session, in the order of `ids`.
pub async fn of_session(
    tx: &mut TenantTx,
    session_id: &str,
    ids: &[String],
) -> Result<Vec<Attachment>, ApiError> {
    let tenant = tx.tenant().to_string();
    let mut found: Vec<Attachment> = sqlx::query_as(&format!(
        "select {COLUMNS} from agent.chat_attachments
          where tenant_id = $1 and session_id = $2 and id = any($3)"
    ))
    .bind(tenant)
    .bind(session_id)
    .bind(ids)
    .fetch_all(&mut **tx)
    .await?;
    found.sort_by_key(|a| ids.iter().position(|id| *id == a.id));
    Ok(found)
}

/// Records the message the attachments were sent with.
pub async fn link(tx: &mut TenantTx, ids: &[String], message_id: &str) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query(
        "update agent.chat_attachments set message_id = $3 where tenant_id = $1 and id = any($2)",
    )
    .bind(tenant)
    .bind(ids)
    .bind(message_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Attachment files in the session's directory.
fn session_dir(
    paths: &DataPaths,
    tenant: &str,
    session: &str,
    create: bool,
) -> Result<Beneath, PathError> {
    Beneath::base(paths, tenant, Area::Attachments, session, create)
}

/// Writes a new attachment's bytes (blocking IO: call from `spawn_blocking`).
pub fn write_file(
    paths: &DataPaths,
    tenant: &str,
    session: &str,
    id: &str,
    bytes: &[u8],
) -> Result<(), ApiError> {
    let dir = session_dir(paths, tenant, session, true)?;
    dir.create_file(id, bytes).map_err(|e| match e {
        WriteError::Path(p) => ApiError::from(p),
        other => ApiError::internal(other),
    })
}

/// An attachment's bytes (at most `limit`; blocking IO).
pub fn read_file(
    paths: &DataPaths,
    tenant: &str,
    session: &str,
    id: &str,
    limit: u64,
) -> Result<Vec<u8>, ApiError> {
    let dir = session_dir(paths, tenant, session, false)?;
    match dir.read_file(id, limit) {
        Ok(read) => Ok(read.bytes),
        Err(ReadError::Path(PathError::Io(e))) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "attachment_file_missing",
                "the attachment's file is gone",
            ))
        }
        Err(ReadError::Path(p)) => Err(p.into()),
        Err(other) => Err(ApiError::internal(other)),
    }
}

/// Removes one attachment file (a failed upload's); a missing file is fine.
pub fn remove_file(paths: &DataPaths, tenant: &str, session: &str, id: &str) {
    if let Ok(dir) = session_dir(paths, tenant, session, false)
        && let Err(e) = dir.remove_file(id)
        && !matches!(e, WriteError::NotFound)
    {
        tracing::warn!(error = %e, "could not remove an attachment file");
    }
}

/// Removes every attachment file of the session (its deletion); a missing directory is fine.
pub fn remove_session_files(paths: &DataPaths, tenant: &str, session: &str) {
    match session_dir(paths, tenant, session, false) {
        Ok(dir) => {
            if let Err(e) = dir.remove_tree() {
                tracing::warn!(error = %e, "could not remove a session's attachment files");
            }
        }
        Err(PathError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(error = %e, "could not open a session's attachment files"),
    }
}
