//! Files attached to chat sessions: accepted by type, their text extracted at upload (text and
//! PDF), stored under the tenant's directory with the attachment id as the file name.

use kit::paths::DataPaths;
use kit::{ApiError, Platform, TenantContext};

use crate::api::chat_attachments::{AttachmentList, AttachmentResponse, AttachmentText};
use crate::domain::attachments::{self, Extracted};
use crate::flows::{chat, chat_sessions};
use crate::store::chat_attachments::{self as store_att, Attachment};
use crate::store::{self, chat_sessions as sessions};

/// Largest stored file served back, whatever the upload limit is today.
const SERVE_LIMIT: u64 = 256 * 1024 * 1024;

/// An uploaded file as the multipart body carried it.
#[derive(Debug)]
pub struct Upload {
    pub filename: String,
    /// The part's `Content-Type`, if it had one.
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// Where an upload goes: the session under an agent's path, or a session by id alone.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Agent { agent: &'a str, session: &'a str },
    Session(&'a str),
}

pub fn view(a: &Attachment) -> AttachmentResponse {
    AttachmentResponse {
        id: a.id.clone(),
        session_id: a.session_id.clone(),
        filename: a.filename.clone(),
        mime_type: a.mime_type.clone(),
        size_bytes: a.size_bytes,
        processing_status: a.processing_status.clone(),
        estimated_tokens: a.estimated_tokens,
        is_image: attachments::is_image(&a.mime_type),
        pdf_page_count: a.pdf_page_count,
        message_id: a.message_id.clone(),
        created_at: a.created_at,
    }
}

fn unsupported(mime: &str) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!(
            "`{mime}` files cannot be attached; text, JSON, PDF and PNG/JPEG/GIF/WebP images can"
        ),
    )
}

/// Stores the upload: 404 for a session the caller cannot see, 415 for a refused type. The
/// session is checked first (a short transaction); the text is extracted and the file written
/// outside any transaction; the row is inserted last, so a file never has a row before its
/// bytes are on disk.
pub async fn upload(
    platform: &Platform,
    paths: &DataPaths,
    ctx: &TenantContext,
    target: Target<'_>,
    file: Upload,
) -> Result<AttachmentResponse, ApiError> {
    let (tx, session) = match target {
        Target::Agent { agent, session } => {
            chat::open_session(platform, ctx, agent, session).await?
        }
        Target::Session(session) => chat_sessions::open(platform, ctx, session).await?,
    };
    tx.commit().await?;
    let filename = attachments::sanitize_filename(&file.filename);
    let sent = file.content_type.as_deref().map(attachments::essence);
    let mime = match sent.as_deref() {
        None | Some("" | "application/octet-stream") => attachments::guess(&filename)
            .map(str::to_owned)
            .or(sent)
            .unwrap_or_else(|| "application/octet-stream".to_owned()),
        Some(m) => m.to_owned(),
    };
    if !attachments::is_allowed(&mime) {
        return Err(unsupported(&mime));
    }
    let id = attachments::new_attachment_id();
    let tenant = ctx.tenant_id.to_string();
    let size = i64::try_from(file.bytes.len()).map_err(ApiError::internal)?;
    let (write_paths, write_tenant, write_session, write_id, write_mime) = (
        paths.clone(),
        tenant.clone(),
        session.id.clone(),
        id.clone(),
        mime.clone(),
    );
    let extracted: Extracted = tokio::task::spawn_blocking(move || {
        store_att::write_file(
            &write_paths,
            &write_tenant,
            &write_session,
            &write_id,
            &file.bytes,
        )?;
        Ok::<_, ApiError>(attachments::extract(&write_mime, &file.bytes))
    })
    .await
    .map_err(ApiError::internal)??;
    let row = Attachment {
        id,
        session_id: session.id.clone(),
        message_id: None,
        filename,
        mime_type: mime,
        size_bytes: size,
        processing_status: extracted.status.to_owned(),
        extracted_text: extracted.text,
        estimated_tokens: extracted.estimated_tokens,
        pdf_page_count: extracted.page_count,
        created_at: store::now_ms(),
    };
    let inserted = async {
        let mut tx = platform.db.begin_tenant(ctx).await?;
        store_att::insert(&mut tx, &row).await?;
        tx.commit().await?;
        Ok::<_, ApiError>(())
    }
    .await;
    if let Err(e) = inserted {
        // The session went away meanwhile (or the database refused): the file goes too.
        let (paths, session, id) = (paths.clone(), session.id.clone(), row.id.clone());
        let _ = tokio::task::spawn_blocking(move || {
            store_att::remove_file(&paths, &tenant, &session, &id);
        })
        .await;
        return Err(e);
    }
    Ok(view(&row))
}

/// The attachment, when the caller may see its session (agents: their own sessions only).
async fn find(
    platform: &Platform,
    ctx: &TenantContext,
    attachment_id: &str,
) -> Result<Attachment, ApiError> {
    if !attachments::is_attachment_id(attachment_id) {
        return Err(store_att::not_found());
    }
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let attachment = store_att::get(&mut tx, attachment_id).await?;
    let session = sessions::get(&mut tx, &attachment.session_id).await?;
    ctx.require_access_to_agent(&session.agent_id)?;
    tx.commit().await?;
    Ok(attachment)
}

pub async fn metadata(
    platform: &Platform,
    ctx: &TenantContext,
    attachment_id: &str,
) -> Result<AttachmentResponse, ApiError> {
    Ok(view(&find(platform, ctx, attachment_id).await?))
}

pub async fn text(
    platform: &Platform,
    ctx: &TenantContext,
    attachment_id: &str,
) -> Result<AttachmentText, ApiError> {
    let a = find(platform, ctx, attachment_id).await?;
    Ok(AttachmentText {
        id: a.id,
        filename: a.filename,
        mime_type: a.mime_type,
        extracted_text: a.extracted_text,
        estimated_tokens: a.estimated_tokens,
    })
}

/// The stored bytes with the attachment's metadata.
pub async fn content(
    platform: &Platform,
    paths: &DataPaths,
    ctx: &TenantContext,
    attachment_id: &str,
) -> Result<(Attachment, Vec<u8>), ApiError> {
    let a = find(platform, ctx, attachment_id).await?;
    let (paths, tenant, session, id) = (
        paths.clone(),
        ctx.tenant_id.to_string(),
        a.session_id.clone(),
        a.id.clone(),
    );
    let bytes = tokio::task::spawn_blocking(move || {
        store_att::read_file(&paths, &tenant, &session, &id, SERVE_LIMIT)
    })
    .await
    .map_err(ApiError::internal)??;
    Ok((a, bytes))
}

/// The session's attachments in upload order.
pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
    session_id: &str,
) -> Result<AttachmentList, ApiError> {
    let (mut tx, session) = chat_sessions::open(platform, ctx, session_id).await?;
    let rows = store_att::list(&mut tx, &session.id).await?;
    tx.commit().await?;
    Ok(AttachmentList {
        attachments: rows.iter().map(view).collect(),
    })
}
