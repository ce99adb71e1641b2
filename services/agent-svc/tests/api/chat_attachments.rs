//! Chat attachments: upload limits, text extraction (text and a PDF written here by hand),
//! download, linking to a message, deletion with the session, and the tenant wall.

use std::path::{Path, PathBuf};

use kit::testing::TestApp;
use reqwest::Method;
use serde_json::{Value, json as j};

use crate::chat::{events, start};
use crate::creds;
use crate::helpers::{agent, assert_error, send, spawn_with, tenant};

const BOUNDARY: &str = "djb-test-boundary-7f3a";

/// A one-page PDF showing `text` in Helvetica, with a correct cross-reference table.
pub fn pdf(text: &str) -> Vec<u8> {
    let stream = format!("BT /F1 24 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A multipart body with the part `file`.
pub fn form(filename: &str, content_type: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
         Content-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub async fn upload(app: &TestApp, token: &str, path: &str, body: Vec<u8>) -> (u16, Value) {
    let res = app
        .client
        .request(Method::POST, path)
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .expect("upload");
    let (status, body) = kit::testing::json(res).await;
    (status, body)
}

fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!(
        "djb-chat-att-{}",
        shared_schemas::ids::random_body()
    ))
}

fn stored(data: &Path, tenant: &str, session: &str) -> Vec<String> {
    let dir = data
        .join("tenants")
        .join(tenant)
        .join("attachments")
        .join(session);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test]
async fn text_and_pdf_uploads_are_stored_extracted_and_served() {
    let data = scratch();
    let app = spawn_with(j!({"data_path": data, "attachment_max_bytes": 4096})).await;
    let a = tenant(&app, "Alpha").await;
    let coder = agent(&app, &a, "coder").await;
    let session = start(&app, &a.token, &coder, j!({})).await;
    let path = format!("/v1/agents/coder/chat/{session}/upload");

    let text = "Quarterly numbers: up and to the right. ".repeat(4);
    let (status, note) = upload(
        &app,
        &a.token,
        &path,
        form(
            "../../notes.txt",
            "text/plain; charset=utf-8",
            text.as_bytes(),
        ),
    )
    .await;
    assert_eq!(status, 200, "{note}");
    assert_eq!(note["filename"], "notes.txt", "the path is dropped");
    assert_eq!(
        (note["mimeType"].clone(), note["processingStatus"].clone()),
        (j!("text/plain"), j!("processed"))
    );
    assert_eq!(note["estimatedTokens"], text.chars().count() / 4);
    assert_eq!(note["isImage"], false);
    let note_id = note["id"].as_str().expect("id");
    assert!(note_id.starts_with("att_"));

    let (status, report) = upload(
        &app,
        &a.token,
        &path,
        form("report.pdf", "application/pdf", &pdf("Hello attachment")),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["processingStatus"], "processed", "{report}");
    let report_id = report["id"].as_str().expect("id");
    let (status, extracted) = send(
        &app,
        "GET",
        &format!("/v1/chat/attachments/{report_id}/text"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{extracted}");
    let extracted_text = extracted["extractedText"].as_str().expect("text");
    assert!(
        extracted_text.contains("Hello attachment"),
        "{extracted_text:?}"
    );

    let (status, broken) = upload(
        &app,
        &a.token,
        &path,
        form("broken.pdf", "application/pdf", b"%PDF-1.7 truncated"),
    )
    .await;
    assert_eq!(
        (status, broken["processingStatus"].clone()),
        (200, j!("failed")),
        "{broken}"
    );
    let (status, unknown) = upload(
        &app,
        &a.token,
        &path,
        form("pic", "application/octet-stream", b"no extension"),
    )
    .await;
    assert_error(status, &unknown, 415, "unsupported_media_type");
    let (status, out) = upload(
        &app,
        &a.token,
        &path,
        form("a.zip", "application/zip", b"PK"),
    )
    .await;
    assert_error(status, &out, 415, "unsupported_media_type");
    let (status, out) = upload(
        &app,
        &a.token,
        &path,
        form("big.txt", "text/plain", &[b'x'; 5000]),
    )
    .await;
    assert_error(status, &out, 413, "payload_too_large");
    let (status, out) = send(&app, "POST", &path, &a.token, Some(j!({"file": "x"}))).await;
    assert_error(status, &out, 400, "multipart_expected");

    // The bytes come back as stored, as a download.
    let res = app
        .client
        .request(
            Method::GET,
            &format!("/v1/chat/attachments/{note_id}/content"),
        )
        .bearer_auth(&a.token)
        .send()
        .await
        .expect("content");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/plain");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"notes.txt\""),
        "{disposition}"
    );
    assert_eq!(res.text().await.expect("body"), text);

    let mut want = vec![
        note_id.to_owned(),
        report_id.to_owned(),
        broken["id"].as_str().expect("id").to_owned(),
    ];
    want.sort();
    assert_eq!(
        stored(&data, a.id.as_str(), &session),
        want,
        "named by id, refused ones not kept"
    );
    let (_, list) = send(
        &app,
        "GET",
        &format!("/v1/chat/sessions/{session}/attachments"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(list["attachments"].as_array().map(Vec::len), Some(3));

    // Sent with a message: linked, and described to the engine.
    let message = j!({"message": "see attached", "attachment_ids": [note_id, report_id]});
    let (status, queued) = send(
        &app,
        "POST",
        &format!("/v1/agents/{coder}/chat/{session}/message"),
        &a.token,
        Some(message),
    )
    .await;
    assert_eq!(status, 200, "{queued}");
    let (_, meta) = send(
        &app,
        "GET",
        &format!("/v1/chat/attachments/{note_id}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(meta["messageId"], queued["userMessageId"]);
    let sent = events(&app, &a)
        .await
        .into_iter()
        .find(|e| e["type"] == "CHAT_MESSAGE_SENT")
        .expect("sent");
    assert_eq!(sent["attachments"][1]["mimeType"], "application/pdf");
    assert_eq!(sent["attachments"][0]["id"], note_id);

    // Deleting the session removes the files too.
    let (status, _) = send(
        &app,
        "DELETE",
        &format!("/v1/chat/sessions/{session}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(stored(&data, a.id.as_str(), &session), Vec::<String>::new());
    let (status, out) = send(
        &app,
        "GET",
        &format!("/v1/chat/attachments/{note_id}"),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &out, 404, "attachment_not_found");
}

#[tokio::test]
async fn attachments_stay_inside_their_tenant_and_session() {
    let data = scratch();
    let app = spawn_with(j!({"data_path": data})).await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let coder = agent(&app, &a, "coder").await;
    agent(&app, &b, "coder").await;
    let session = start(&app, &a.token, &coder, j!({})).await;
    let other = start(&app, &a.token, &coder, j!({})).await;
    let b_session = start(&app, &b.token, "coder", j!({})).await;
    let path = format!("/v1/agents/coder/chat/{session}/upload");
    let (_, note) = upload(
        &app,
        &a.token,
        &path,
        form("secret.txt", "text/plain", b"A's secret"),
    )
    .await;
    let id = note["id"].as_str().expect("id");

    let b_service = creds::service(&app, &b);
    for token in [&b.token, &b_service] {
        for suffix in ["", "/content", "/text"] {
            let (status, out) = send(
                &app,
                "GET",
                &format!("/v1/chat/attachments/{id}{suffix}"),
                token,
                None,
            )
            .await;
            assert_eq!(status, 404, "{suffix}: {out}");
        }
        let (status, _) = send(
            &app,
            "GET",
            &format!("/v1/chat/sessions/{session}/attachments"),
            token,
            None,
        )
        .await;
        assert_eq!(status, 404);
        let (status, _) = upload(&app, token, &path, form("x.txt", "text/plain", b"x")).await;
        assert_eq!(status, 404);
    }
    // B cannot send A's attachment with its own message, nor A with another session's.
    let steal = j!({"message": "mine now", "attachment_ids": [id]});
    let (status, out) = send(
        &app,
        "POST",
        &format!("/v1/agents/coder/chat/{b_session}/message"),
        &b.token,
        Some(steal.clone()),
    )
    .await;
    assert_error(status, &out, 422, "validation_failed");
    let (status, out) = send(
        &app,
        "POST",
        &format!("/v1/agents/coder/chat/{other}/message"),
        &a.token,
        Some(steal),
    )
    .await;
    assert_error(status, &out, 422, "validation_failed");

    // The services' upload: a service credential only, into a session of its tenant.
    let bytes_path = format!(
        "/v1/internal/chat/attachments/upload-bytes?session_id={session}&filename=slack.json&mime_type=application/json"
    );
    let (status, out) = upload(
        &app,
        &a.token,
        &bytes_path,
        form("f", "application/octet-stream", b"{}"),
    )
    .await;
    assert_error(status, &out, 403, "forbidden");
    let (status, out) = upload(
        &app,
        &b_service,
        &bytes_path,
        form("f", "application/octet-stream", b"{}"),
    )
    .await;
    assert_error(status, &out, 404, "session_not_found");
    let a_service = creds::service(&app, &a);
    let (status, out) = upload(
        &app,
        &a_service,
        &bytes_path,
        form("f", "application/octet-stream", b"{\"k\": 1}"),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(
        (
            out["filename"].clone(),
            out["mimeType"].clone(),
            out["sizeBytes"].clone()
        ),
        (j!("slack.json"), j!("application/json"), j!(8))
    );

    let mut names = stored(&data, a.id.as_str(), &session);
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(stored(&data, b.id.as_str(), &b_session).is_empty());
}
