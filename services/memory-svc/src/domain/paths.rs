//! Which paths name notes. A note is a `.md` file below its vault, reached by plain names only:
//! no `..`, nothing absolute, no hidden component (`.git`, `.clawvault`, the temporary files of
//! atomic writes), and nothing under the directories ClawVault keeps for itself.

use axum::http::StatusCode;
use kit::ApiError;

/// Top-level directories that are not notes: never listed, indexed or written.
pub const EXCLUDED_DIRS: [&str; 4] = ["templates", ".clawvault", ".git", "node_modules"];

const MAX_PATH_BYTES: usize = 512;
const MAX_DEPTH: usize = 16;

/// `rel` normalized (`./a//b.md` is `a/b.md`) when it may name a note.
pub fn note_path(rel: &str) -> Result<String, ApiError> {
    let path = kit::paths::normalize(rel).map_err(ApiError::from)?;
    if path.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_path",
            "give the note's path",
        ));
    }
    if path.len() > MAX_PATH_BYTES || path.split('/').count() > MAX_DEPTH {
        return Err(ApiError::bad_request(
            "invalid_path",
            "the path is too long",
        ));
    }
    let first = path.split('/').next().unwrap_or_default();
    if EXCLUDED_DIRS.contains(&first) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "protected_path",
            format!("`{first}/` is not for notes"),
        ));
    }
    if path.split('/').any(|part| part.starts_with('.')) {
        return Err(ApiError::bad_request(
            "invalid_path",
            "hidden files and directories are not notes",
        ));
    }
    if !path.ends_with(".md") || path.len() < 4 || path.ends_with("/.md") {
        return Err(ApiError::bad_request(
            "not_markdown",
            "notes are Markdown files ending in `.md`",
        ));
    }
    Ok(path)
}

/// Whether a directory met while scanning a vault holds notes.
pub fn scanned_dir(name: &str, top_level: bool) -> bool {
    let excluded = top_level && EXCLUDED_DIRS.contains(&name);
    !(name.starts_with('.') || excluded)
}

/// Whether a file met while scanning a vault is a note.
pub fn scanned_file(name: &str) -> bool {
    !name.starts_with('.') && name.ends_with(".md") && name.len() > 3
}

/// `category/slug.md` for a title: lower-case, every run of other characters one `-`.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for ch in title.chars().flat_map(char::to_lowercase) {
        if ch.is_alphanumeric() {
            out.push(ch);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    out.chars()
        .take(100)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(rel: &str) -> (u16, &'static str) {
        match note_path(rel) {
            Err(ApiError::Client { status, code, .. }) => (status.as_u16(), code),
            other => panic!("{rel}: {other:?}"),
        }
    }

    #[test]
    fn only_plain_markdown_paths_name_notes() {
        assert_eq!(note_path("./a//b.md").expect("ok"), "a/b.md");
        assert_eq!(note_path("inbox/note-1.md").expect("ok"), "inbox/note-1.md");
        for bad in ["../x.md", "a/../../x.md", "..", "a/.."] {
            assert_eq!(code(bad), (400, "invalid_path"), "{bad}");
        }
        for bad in ["/etc/passwd", "/x.md", "\\x.md"] {
            assert_eq!(code(bad), (400, "invalid_path"), "{bad}");
        }
        assert_eq!(code("a\0b.md"), (400, "invalid_path"));
        assert_eq!(code("a/.hidden.md"), (400, "invalid_path"));
        assert_eq!(code("notes.txt"), (400, "not_markdown"));
        assert_eq!(code("a/.md"), (400, "invalid_path"));
        assert_eq!(code("templates/t.md"), (403, "protected_path"));
        assert_eq!(code(".clawvault/x.md"), (403, "protected_path"));
        assert_eq!(code(""), (400, "invalid_path"));
        assert_eq!(
            code(&format!("{}.md", "a/".repeat(20))),
            (400, "invalid_path")
        );
    }

    #[test]
    fn slugs_are_lower_case_with_single_dashes() {
        assert_eq!(slug("  Hello, World!! 2026 "), "hello-world-2026");
        assert_eq!(slug("Ünïcode Title"), "ünïcode-title");
        assert_eq!(slug("!!!"), "");
    }
}
