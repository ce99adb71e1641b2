//! Types of chat attachments (contract §1.3 attachments).

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::chat;
use crate::domain::validate::{err, finish};

/// An attachment's metadata.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentResponse {
    pub id: String,
    pub session_id: String,
    pub filename: String,
    pub mime_type: String,
    pub size_bytes: i64,
    /// `processed` (text extracted, or an image) or `failed` (an unreadable PDF).
    pub processing_status: String,
    /// About a quarter of the extracted text's characters.
    pub estimated_tokens: Option<i32>,
    pub is_image: bool,
    pub pdf_page_count: Option<i32>,
    /// The user message it was sent with, once sent.
    pub message_id: Option<String>,
    pub created_at: i64,
}

/// `GET /v1/chat/attachments/{attachment_id}/text`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentText {
    pub id: String,
    pub filename: String,
    pub mime_type: String,
    /// Null for images and unreadable PDFs.
    pub extracted_text: Option<String>,
    pub estimated_tokens: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentList {
    pub attachments: Vec<AttachmentResponse>,
}

/// The multipart body of an upload: one part named `file`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// `POST /v1/internal/chat/attachments/upload-bytes?session_id&filename&mime_type`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadBytesQuery {
    pub session_id: String,
    /// Overrides the part's file name.
    pub filename: Option<String>,
    /// Overrides the part's content type.
    pub mime_type: Option<String>,
}

impl Validate for UploadBytesQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !chat::is_session_id(&self.session_id) {
            errors.push(err("session_id", "must be a chat session id (chat_…)"));
        }
        if self.filename.as_ref().is_some_and(|f| f.len() > 1024) {
            errors.push(err("filename", "must be at most 1024 bytes"));
        }
        if self.mime_type.as_ref().is_some_and(|m| m.len() > 128) {
            errors.push(err("mime_type", "must be at most 128 bytes"));
        }
        finish(errors)
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadedBytes {
    pub id: String,
    pub filename: String,
    pub mime_type: String,
    pub size_bytes: i64,
}
