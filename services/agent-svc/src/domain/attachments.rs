//! Rules of chat attachments: which files are accepted, how their names are cleaned, and the
//! text extracted from them at upload (text files and PDFs) for the agent to read.

use std::panic::{AssertUnwindSafe, catch_unwind};

use shared_schemas::ids::random_body;

/// Images the runtime passes to a vision model as they are.
const IMAGES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];
/// Longest media type stored (the column holds 128).
const MAX_MIME: usize = 100;
/// Longest stored file name, in characters.
const MAX_FILENAME: usize = 255;

pub fn new_attachment_id() -> String {
    format!("att_{}", random_body())
}

/// Whether `id` has the shape of an attachment id.
pub fn is_attachment_id(id: &str) -> bool {
    shared_schemas::ids::validate("att_", id).is_ok()
}

/// The media type without parameters, lower-cased (`Text/Plain; charset=x` → `text/plain`).
pub fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The media type a client that sent none (or `application/octet-stream`) most likely meant,
/// from the file name's extension.
pub fn guess(filename: &str) -> Option<&'static str> {
    let ext = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "txt" | "log" => "text/plain",
        "md" | "markdown" => "text/markdown",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        _ => return None,
    })
}

/// Text of any kind, JSON, PDF and the four image formats; everything else is refused (415).
pub fn is_allowed(mime: &str) -> bool {
    let text = mime.starts_with("text/")
        && mime.len() <= MAX_MIME
        && mime
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
    text || mime == "application/json" || mime == "application/pdf" || is_image(mime)
}

pub fn is_image(mime: &str) -> bool {
    IMAGES.contains(&mime)
}

/// A file name safe to show and to put in a `Content-Disposition` header: the last path
/// component, without control characters, quotes or separators, at most 255 characters;
/// `file` when nothing is left.
pub fn sanitize_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';' | '<' | '>' | '|' | '*' | '?'))
        .take(MAX_FILENAME)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}

/// What upload extracted from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// `processed` (text extracted, or an image kept as it is) or `failed` (an unreadable PDF).
    pub status: &'static str,
    pub text: Option<String>,
    pub estimated_tokens: Option<i32>,
    pub page_count: Option<i32>,
}

/// Extracts the text of a text file (UTF-8, invalid bytes replaced) or a PDF. A PDF the parser
/// cannot read, or one it panics on, is `failed`; never an error for the upload itself.
pub fn extract(mime: &str, bytes: &[u8]) -> Extracted {
    let text = if mime == "application/pdf" {
        match pdf_text(bytes) {
            Some(pdf) => Some(pdf),
            None => {
                return Extracted {
                    status: "failed",
                    text: None,
                    estimated_tokens: None,
                    page_count: None,
                };
            }
        }
    } else if mime.starts_with("text/") || mime == "application/json" {
        Some(String::from_utf8_lossy(bytes).into_owned())
    } else {
        None
    };
    // Postgres text cannot hold NUL; a binary-ish text file loses them, nothing else.
    let text = text.map(|t| {
        if t.contains('\0') {
            t.replace('\0', "")
        } else {
            t
        }
    });
    let pages = text
        .as_ref()
        .filter(|_| mime == "application/pdf")
        .map(|t| i32::try_from(t.matches('\u{c}').count() + 1).unwrap_or(i32::MAX));
    Extracted {
        status: "processed",
        estimated_tokens: text.as_deref().map(estimate_tokens),
        text,
        page_count: pages,
    }
}

/// About four characters per token.
pub fn estimate_tokens(text: &str) -> i32 {
    i32::try_from(text.chars().count() / 4).unwrap_or(i32::MAX)
}

/// The PDF's text, pages separated by form feeds; `None` when it cannot be read. The parser
/// has panicked on malformed files before, so a panic is caught and counts as unreadable.
fn pdf_text(bytes: &[u8]) -> Option<String> {
    let pages = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem_by_pages(bytes)
    }));
    match pages {
        Ok(Ok(pages)) => Some(pages.join("\u{c}")),
        Ok(Err(e)) => {
            tracing::info!(error = %e, "an uploaded PDF could not be read");
            None
        }
        Err(_) => {
            tracing::warn!("the PDF parser panicked on an uploaded file");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_paths_and_odd_characters() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(
            sanitize_filename("C:\\x\\report \"q1\".pdf"),
            "report q1.pdf"
        );
        assert_eq!(sanitize_filename("..."), "file");
        assert_eq!(sanitize_filename("a\u{0}b\nc.txt"), "abc.txt");
    }

    #[test]
    fn only_text_json_pdf_and_four_image_types_are_allowed() {
        for ok in [
            "text/plain",
            "text/csv",
            "application/json",
            "application/pdf",
            "image/webp",
        ] {
            assert!(is_allowed(ok), "{ok}");
        }
        for refused in [
            "application/zip",
            "image/svg+xml",
            "application/octet-stream",
        ] {
            assert!(!is_allowed(refused), "{refused}");
        }
        assert_eq!(essence("Text/Plain; charset=utf-8"), "text/plain");
        assert_eq!(guess("notes.MD"), Some("text/markdown"));
    }

    #[test]
    fn text_is_read_lossily_and_a_broken_pdf_fails() {
        let text = extract("text/plain", b"hello world, \xff!\0");
        assert_eq!(text.status, "processed");
        assert_eq!(text.text.as_deref(), Some("hello world, \u{fffd}!"));
        assert_eq!(text.estimated_tokens, Some(3));
        let broken = extract("application/pdf", b"%PDF-1.4 this is not a pdf");
        assert_eq!(broken.status, "failed");
        let image = extract("image/png", b"\x89PNG");
        assert_eq!((image.status, image.text), ("processed", None));
    }
}
