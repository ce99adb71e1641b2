//! SKILL.md documents: YAML frontmatter (`name`, `description`, `tags`, `enabled`) between `---`
//! lines, then the markdown body agents load. Shared by the catalog loader and `POST /parse`.

use kit::error::FieldError;
use serde::Deserialize;

use crate::domain::validate::{self, MAX_DOCUMENT, MAX_NAME, MAX_TEXT};

pub const MAX_TAGS: usize = 32;
pub const MAX_TAG: usize = 64;

/// The frontmatter keys we read. Other keys (`license`, `metadata`, …, used by other skill
/// ecosystems) are ignored, so documents written for them still load.
#[derive(Debug, Default, Deserialize)]
struct Frontmatter {
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    enabled: Option<bool>,
}

/// A parsed SKILL.md: the slug comes from `name`, the body is everything after the frontmatter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkillDoc {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub tags: Vec<String>,
    pub enabled: bool,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    #[error("the document must start with YAML frontmatter between `---` lines")]
    NoFrontmatter,
    #[error("the frontmatter is not valid YAML: {0}")]
    Yaml(String),
    #[error("frontmatter field `{0}` is required")]
    Missing(&'static str),
    #[error("{0}")]
    Invalid(String),
    #[error("the skill body (after the frontmatter) is empty")]
    EmptyBody,
}

/// Splits `---\n<yaml>\n---\n<body>` (CRLF tolerated). None when there is no frontmatter.
fn split(raw: &str) -> Option<(&str, &str)> {
    let rest = raw
        .strip_prefix("---\n")
        .or_else(|| raw.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    // A closing `---` on the last line without a newline.
    (rest[offset..].trim_end() == "---").then(|| (&rest[..offset], ""))
}

/// Parses and checks a whole SKILL.md. `name` may be a display name (`Code Review`); the slug is
/// the name itself when it is one, otherwise made from it.
pub fn parse(raw: &str) -> Result<SkillDoc, DocError> {
    let raw = raw.trim_start_matches('\u{feff}').trim_start();
    let (yaml, body) = split(raw).ok_or(DocError::NoFrontmatter)?;
    let fm: Frontmatter = if yaml.trim().is_empty() {
        Frontmatter::default()
    } else {
        shared_schemas::yaml::from_str(yaml).map_err(|e| DocError::Yaml(e.to_string()))?
    };
    let name = fm
        .name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .ok_or(DocError::Missing("name"))?;
    let description = fm
        .description
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
        .ok_or(DocError::Missing("description"))?;
    let slug = slug_for(&name).ok_or_else(|| {
        DocError::Invalid("`name` must contain at least one letter or digit".to_owned())
    })?;
    let content = body.trim().to_owned();
    if content.is_empty() {
        return Err(DocError::EmptyBody);
    }
    let doc = SkillDoc {
        name,
        slug,
        description,
        tags: fm.tags.iter().map(|t| t.trim().to_owned()).collect(),
        enabled: fm.enabled.unwrap_or(true),
        content,
    };
    let mut errors = Vec::new();
    check_fields(&doc, &mut errors);
    match errors.first() {
        Some(e) => Err(DocError::Invalid(format!("{}: {}", e.path, e.message))),
        None => Ok(doc),
    }
}

/// The slug a skill name stands for: the name when it already is a slug, else made from it.
pub fn slug_for(name: &str) -> Option<String> {
    let name = name.trim();
    if validate::is_slug(name) {
        return Some(name.to_owned());
    }
    name.chars()
        .any(|c| c.is_ascii_alphanumeric())
        .then(|| validate::slugify(name))
}

/// The limits every skill obeys, wherever it comes from.
pub fn check_fields(doc: &SkillDoc, errors: &mut Vec<FieldError>) {
    validate::name("name", &doc.name, MAX_NAME, errors);
    validate::slug("slug", &doc.slug, errors);
    validate::text("description", Some(&doc.description), MAX_TEXT, errors);
    validate::text("content", Some(&doc.content), MAX_DOCUMENT, errors);
    check_tags("tags", &doc.tags, errors);
}

/// At most 32 tags of 1..=64 characters without control characters.
pub fn check_tags(path: &str, tags: &[String], errors: &mut Vec<FieldError>) {
    if tags.len() > MAX_TAGS {
        errors.push(validate::err(
            path,
            format!("at most {MAX_TAGS} tags are allowed"),
        ));
    }
    for (i, tag) in tags.iter().enumerate() {
        validate::name(&format!("{path}[{i}]"), tag, MAX_TAG, errors);
    }
}

/// The `# SKILLS` block for an agent's system prompt: one line per skill it may load, as
/// `(slug, description, has_files)`. Empty when the agent has none, so nothing is injected.
pub fn manifest_text(skills: &[(&str, &str, bool)]) -> String {
    if skills.is_empty() {
        return String::new();
    }
    let mut text = String::from(
        "# SKILLS\n\n\
         These skills hold instructions for specific kinds of work. When a task matches one, \
         call `load_skill(\"<slug>\")` to read it before you start; load only what you need.\n",
    );
    if skills.iter().any(|(_, _, files)| *files) {
        text.push_str(
            "Skills marked (+files) come with reference files: `load_skill(\"<slug>\", \
             file=\"<path>\")` reads one; the skill's text names them.\n",
        );
    }
    text.push('\n');
    for (slug, description, files) in skills {
        let marker = if *files { " (+files)" } else { "" };
        // One line per skill: a description with newlines would break the list.
        let description = description.split_whitespace().collect::<Vec<_>>().join(" ");
        text.push_str(&format!("- **{slug}**{marker}: {description}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        "---\nname: Code Review\ndescription: Review a diff\ntags: [review, git]\n---\n\n# Body\n";

    #[test]
    fn parses_frontmatter_and_body() {
        let doc = parse(GOOD).expect("valid");
        assert_eq!(doc.name, "Code Review");
        assert_eq!(doc.slug, "code-review");
        assert_eq!(doc.tags, vec!["review", "git"]);
        assert!(doc.enabled);
        assert_eq!(doc.content, "# Body");
        let crlf = GOOD.replace('\n', "\r\n");
        assert_eq!(parse(&crlf).expect("crlf").slug, "code-review");
        let off = "---\nname: x\ndescription: d\nenabled: false\nlicense: MIT\n---\nbody";
        assert!(!parse(off).expect("extra keys ignored").enabled);
    }

    #[test]
    fn manifest_lists_one_line_per_skill() {
        assert_eq!(manifest_text(&[]), "");
        let text = manifest_text(&[("a", "first\nline", false), ("b", "second", true)]);
        assert!(text.starts_with("# SKILLS"));
        assert!(text.contains("- **a**: first line\n"));
        assert!(text.contains("- **b** (+files): second\n"));
        assert!(text.contains("file="));
    }

    #[test]
    fn refuses_broken_documents() {
        assert_eq!(parse("# just markdown"), Err(DocError::NoFrontmatter));
        assert_eq!(parse("---\nname: x\nbody"), Err(DocError::NoFrontmatter));
        assert_eq!(
            parse("---\ndescription: d\n---\nbody"),
            Err(DocError::Missing("name"))
        );
        assert_eq!(
            parse("---\nname: x\n---\nbody"),
            Err(DocError::Missing("description"))
        );
        assert_eq!(
            parse("---\nname: x\ndescription: d\n---\n  \n"),
            Err(DocError::EmptyBody)
        );
        assert!(matches!(
            parse("---\nname: [unclosed\n---\nbody"),
            Err(DocError::Yaml(_))
        ));
        assert!(matches!(
            parse("---\nname: '!!!'\ndescription: d\n---\nbody"),
            Err(DocError::Invalid(_))
        ));
        let many: Vec<String> = (0..33).map(|i| format!("t{i}")).collect();
        let raw = format!(
            "---\nname: x\ndescription: d\ntags: [{}]\n---\nb",
            many.join(",")
        );
        assert!(matches!(parse(&raw), Err(DocError::Invalid(_))));
    }
}
