//! Chat attachments: upload (multipart `file`, size and type limits), metadata, the stored
//! bytes and the extracted text; and the services' upload of bytes they fetched themselves.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderMap, HeaderValue};
use axum::http::{HeaderName, StatusCode};
use axum::response::IntoResponse;
use kit::auth::scope::ServiceOnly;
use kit::extract::ValidQuery;
use kit::{ApiError, TenantContext};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::chat_attachments::{
    AttachmentResponse, AttachmentText, UploadBytesQuery, UploadForm, UploadedBytes,
};
use crate::domain::validate::field_error;
use crate::flows;
use crate::flows::chat_attachments::{Target, Upload};

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .routes(routes!(metadata))
        .routes(routes!(content))
        .routes(routes!(text))
        .routes(routes!(upload_bytes))
}

/// Uploads a file to the session: multipart part `file`, at most `ATTACHMENT_MAX_BYTES`
/// (20 MiB by default; 413 above), text, JSON, PDF or PNG/JPEG/GIF/WebP (415 otherwise). The
/// text of text files and PDFs is extracted now; an unreadable PDF is stored with
/// `processingStatus: "failed"`.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/chat/{session_id}/upload", tag = "attachments",
    params(("agent_id" = String, Path), ("session_id" = String, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = AttachmentResponse), (status = 400), (status = 404),
        (status = 413), (status = 415), (status = 422)))]
async fn upload(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, session_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<AttachmentResponse>, ApiError> {
    let file = read_upload(&headers, body, app.config.attachment_max_bytes).await?;
    let target = Target::Agent {
        agent: &agent_id,
        session: &session_id,
    };
    Ok(Json(
        flows::chat_attachments::upload(&app.platform, &app.paths, &ctx, target, file).await?,
    ))
}

#[utoipa::path(get, path = "/v1/chat/attachments/{attachment_id}", tag = "attachments",
    params(("attachment_id" = String, Path)),
    responses((status = 200, body = AttachmentResponse), (status = 404)))]
async fn metadata(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(attachment_id): Path<String>,
) -> Result<Json<AttachmentResponse>, ApiError> {
    Ok(Json(
        flows::chat_attachments::metadata(&app.platform, &ctx, &attachment_id).await?,
    ))
}

/// The stored bytes, with the stored content type, as a download.
#[utoipa::path(get, path = "/v1/chat/attachments/{attachment_id}/content", tag = "attachments",
    params(("attachment_id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404)))]
async fn content(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(attachment_id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let (a, bytes) =
        flows::chat_attachments::content(&app.platform, &app.paths, &ctx, &attachment_id).await?;
    let mut headers = HeaderMap::new();
    let mime = HeaderValue::from_str(&a.mime_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(CONTENT_TYPE, mime);
    headers.insert(CONTENT_DISPOSITION, disposition(&a.filename));
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    Ok((StatusCode::OK, headers, bytes))
}

/// `attachment` with an ASCII `filename` and the exact name in `filename*` (RFC 6266).
fn disposition(filename: &str) -> HeaderValue {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .filter(|c| *c != '"' && *c != '\\')
        .collect();
    let exact = utf8_percent_encode(filename, NON_ALPHANUMERIC);
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{exact}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}

/// The text extracted at upload (null for images and unreadable PDFs).
#[utoipa::path(get, path = "/v1/chat/attachments/{attachment_id}/text", tag = "attachments",
    params(("attachment_id" = String, Path)),
    responses((status = 200, body = AttachmentText), (status = 404)))]
async fn text(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(attachment_id): Path<String>,
) -> Result<Json<AttachmentText>, ApiError> {
    Ok(Json(
        flows::chat_attachments::text(&app.platform, &ctx, &attachment_id).await?,
    ))
}

/// A service stores bytes it fetched (a Slack file) in a session, with the same limits.
#[utoipa::path(post, path = "/v1/internal/chat/attachments/upload-bytes", tag = "attachments",
    params(UploadBytesQuery),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = UploadedBytes), (status = 400), (status = 403),
        (status = 404), (status = 413), (status = 415), (status = 422)))]
async fn upload_bytes(
    State(app): State<AppState>,
    ServiceOnly(ctx): ServiceOnly,
    ValidQuery(q): ValidQuery<UploadBytesQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<UploadedBytes>, ApiError> {
    let mut file = read_upload(&headers, body, app.config.attachment_max_bytes).await?;
    if let Some(name) = q.filename {
        file.filename = name;
    }
    if let Some(mime) = q.mime_type {
        file.content_type = Some(mime);
    }
    let target = Target::Session(&q.session_id);
    let a = flows::chat_attachments::upload(&app.platform, &app.paths, &ctx, target, file).await?;
    Ok(Json(UploadedBytes {
        id: a.id,
        filename: a.filename,
        mime_type: a.mime_type,
        size_bytes: a.size_bytes,
    }))
}

/// The multipart part `file` (other parts are skipped), at most `limit` bytes: 413 above it,
/// 400 for a body that is not multipart, 422 without a `file` part.
async fn read_upload(headers: &HeaderMap, body: Body, limit: u64) -> Result<Upload, ApiError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = multer::parse_boundary(content_type).map_err(|_| {
        ApiError::bad_request(
            "multipart_expected",
            "send the file as multipart/form-data in a part named `file`",
        )
    })?;
    // Room for the other parts' headers and small fields around the file.
    let stream_limit = limit.saturating_add(64 * 1024);
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(stream_limit)
            .per_field(limit),
    );
    let mut form =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        if field.name() != Some("file") {
            continue;
        }
        let filename = field.file_name().unwrap_or("file").to_owned();
        let content_type = field.content_type().map(ToString::to_string);
        let bytes = field.bytes().await.map_err(multipart_error)?;
        return Ok(Upload {
            filename,
            content_type,
            bytes: bytes.to_vec(),
        });
    }
    Err(field_error("file", "a part named `file` is required"))
}

fn multipart_error(e: multer::Error) -> ApiError {
    match e {
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the file is larger than attachments may be",
            )
        }
        other => ApiError::bad_request("invalid_multipart", other.to_string()),
    }
}
