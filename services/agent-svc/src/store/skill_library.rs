//! The global skill library on disk: `SKILLS_DIR/<slug>/SKILL.md` plus optional companion files
//! (`references/…`, `templates/…`). Read at start by the catalog seeder; companion files are read
//! on demand by the gated content endpoint, always through `kit::paths::resolve_within`.

use std::path::{Path, PathBuf};

use kit::ApiError;
use kit::paths::resolve_within;

use crate::domain::skill_doc::{self, SkillDoc};
use crate::domain::validate;

/// Largest companion file the content endpoint returns.
pub const MAX_COMPANION_FILE: u64 = 1024 * 1024;
/// A listing stops here: a library folder with more files is a mistake, not a skill.
const MAX_LISTED_FILES: usize = 1000;

/// What one folder of the library holds.
#[derive(Debug, Clone)]
pub struct LibrarySkill {
    /// The folder name, which is the skill's slug.
    pub slug: String,
    /// The parsed SKILL.md, or why it could not be used (the row then stays as it was).
    pub doc: Result<SkillDoc, String>,
    pub has_files: bool,
}

/// Every folder with a SKILL.md under `dir`; None when `dir` does not exist (a missing or
/// mistyped SKILLS_DIR must not look like an empty library and delete every global skill).
pub fn load(dir: &Path) -> std::io::Result<Option<Vec<LibrarySkill>>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut skills = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Some(slug) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let folder = entry.path();
        if !entry.file_type()?.is_dir() || !folder.join("SKILL.md").is_file() {
            continue;
        }
        let doc = if validate::is_slug(&slug) {
            std::fs::read_to_string(folder.join("SKILL.md"))
                .map_err(|e| e.to_string())
                .and_then(|raw| skill_doc::parse(&raw).map_err(|e| e.to_string()))
                .map(|mut doc| {
                    // The folder names the skill; the frontmatter name is its display name.
                    doc.slug.clone_from(&slug);
                    doc
                })
        } else {
            Err(format!("folder name `{slug}` is not a valid skill slug"))
        };
        let has_files = !companion_files(&folder)?.is_empty();
        skills.push(LibrarySkill {
            slug,
            doc,
            has_files,
        });
    }
    skills.sort_by(|a, b| a.slug.cmp(&b.slug));
    Ok(Some(skills))
}

/// Relative paths of a skill folder's files other than SKILL.md, sorted. Hidden entries and
/// symlinks are skipped: a link could point anywhere on the host.
pub fn companion_files(folder: &Path) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        let entries = match std::fs::read_dir(folder.join(&rel)) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let kind = entry.file_type()?;
            if name.starts_with('.') || kind.is_symlink() {
                continue;
            }
            let path = rel.join(&name);
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() && path != Path::new("SKILL.md") {
                out.push(path.to_string_lossy().replace('\\', "/"));
                if out.len() >= MAX_LISTED_FILES {
                    out.sort();
                    return Ok(out);
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

fn file_not_found(file: &str) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "skill_file_not_found",
        format!("the skill has no file `{file}`"),
    )
}

/// A companion file of the global skill `slug`: 400 `invalid_path` for traversal or absolute
/// paths, 404 for hidden or missing files, 422 `not_text` for binary ones.
pub fn read_companion(skills_dir: &Path, slug: &str, file: &str) -> Result<String, ApiError> {
    if !validate::is_slug(slug) {
        return Err(file_not_found(file));
    }
    let folder = skills_dir.join(slug);
    let path = resolve_within(&folder, file)?;
    let hidden = Path::new(file.trim_start_matches('/'))
        .components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
    let meta = std::fs::symlink_metadata(&path).map_err(|_| file_not_found(file))?;
    if hidden || !meta.is_file() {
        return Err(file_not_found(file));
    }
    if meta.len() > MAX_COMPANION_FILE {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "file_too_large",
            format!("`{file}` is larger than {MAX_COMPANION_FILE} bytes"),
        ));
    }
    let bytes = std::fs::read(&path).map_err(ApiError::internal)?;
    String::from_utf8(bytes).map_err(|_| {
        ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "not_text",
            format!("`{file}` is not a UTF-8 text file"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "djb-skill-lib-{}",
            shared_schemas::ids::random_body()
        ));
        std::fs::create_dir_all(&dir).expect("mkdir");
        dir
    }

    #[test]
    fn loads_folders_and_companions() {
        let dir = scratch();
        let good = dir.join("good-skill");
        std::fs::create_dir_all(good.join("references")).expect("mkdir");
        std::fs::write(
            good.join("SKILL.md"),
            "---\nname: Good\ndescription: d\n---\nbody",
        )
        .expect("write");
        std::fs::write(good.join("references/a.md"), "a").expect("write");
        std::fs::write(good.join(".hidden"), "h").expect("write");
        std::fs::create_dir_all(dir.join("Bad_Name")).expect("mkdir");
        std::fs::write(dir.join("Bad_Name/SKILL.md"), "x").expect("write");
        std::fs::create_dir_all(dir.join("no-skill-md")).expect("mkdir");

        let skills = load(&dir).expect("load").expect("exists");
        let slugs: Vec<_> = skills.iter().map(|s| s.slug.as_str()).collect();
        assert_eq!(slugs, ["Bad_Name", "good-skill"]);
        assert!(skills[0].doc.is_err());
        let good_skill = &skills[1];
        assert_eq!(good_skill.doc.as_ref().expect("doc").slug, "good-skill");
        assert!(good_skill.has_files);
        assert_eq!(companion_files(&good).expect("list"), ["references/a.md"]);
        assert_eq!(
            read_companion(&dir, "good-skill", "references/a.md").expect("read"),
            "a"
        );
        for bad in [
            "../good-skill/SKILL.md",
            "references/../../x",
            "a\0b",
            "/etc/passwd",
        ] {
            let err = read_companion(&dir, "good-skill", bad).expect_err(bad);
            assert_eq!(err.status(), axum::http::StatusCode::BAD_REQUEST, "{bad}");
        }
        for missing in [".hidden", "references", "nope.md"] {
            let err = read_companion(&dir, "good-skill", missing).expect_err(missing);
            assert_eq!(err.status(), axum::http::StatusCode::NOT_FOUND, "{missing}");
        }
        assert!(load(&dir.join("absent")).expect("ok").is_none());
    }
}
