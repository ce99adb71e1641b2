//! What a note says about itself: frontmatter, title, category, tags, aliases, headings and the
//! wiki-links it writes. Pure: text in, facts out; a note that does not parse is still a note
//! (its frontmatter is then empty), since runtimes write what they write.

use serde_json::{Map, Value};

/// The largest frontmatter block read as YAML; a longer one is left in the body.
const MAX_FRONTMATTER_BYTES: usize = 64 * 1024;

/// How a link was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// `[[…]]` in the body.
    Wiki,
    /// `[[…]]` in a frontmatter value (`related: "[[Alice]]"`).
    Frontmatter,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wiki => "wiki",
            Self::Frontmatter => "frontmatter",
        }
    }

    pub fn parse(s: &str) -> Self {
        if s == "frontmatter" {
            Self::Frontmatter
        } else {
            Self::Wiki
        }
    }
}

/// `[[target#heading|label]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WikiLink {
    pub kind: LinkKind,
    pub target: String,
    pub heading: Option<String>,
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedNote {
    pub title: String,
    pub category: String,
    pub note_type: Option<String>,
    pub tags: Vec<String>,
    pub aliases: Vec<String>,
    pub headings: Vec<String>,
    /// Always a JSON object.
    pub frontmatter: Value,
    pub body: String,
    pub links: Vec<WikiLink>,
}

/// `path` is the note's path in its vault (`people/alice.md`).
pub fn parse(path: &str, content: &str) -> ParsedNote {
    let (frontmatter, body) = split_frontmatter(content);
    let meta = frontmatter.as_object().cloned().unwrap_or_default();
    let (headings, tags_inline, mut links) = scan_body(body);
    let title = string_field(&meta, "title")
        .or_else(|| headings.first().cloned())
        .unwrap_or_else(|| stem(path).to_owned());
    let category = string_field(&meta, "category").unwrap_or_else(|| {
        path.rsplit_once('/')
            .map(|(dir, _)| dir.split('/').next().unwrap_or_default().to_owned())
            .unwrap_or_default()
    });
    let mut tags = list_field(&meta, "tags");
    for tag in tags_inline {
        if !tags.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
            tags.push(tag);
        }
    }
    let mut aliases = list_field(&meta, "aliases");
    aliases.extend(list_field(&meta, "alias"));
    let mut front_links = Vec::new();
    for value in meta.values() {
        collect_links(value, &mut front_links);
    }
    links.splice(0..0, front_links);
    ParsedNote {
        title,
        category,
        note_type: string_field(&meta, "type"),
        tags,
        aliases,
        headings,
        frontmatter: Value::Object(meta),
        body: body.to_owned(),
        links,
    }
}

/// The file name without `.md` and without its directories.
pub fn stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".md").unwrap_or(name)
}

/// The frontmatter (a JSON object, or `{}`) and the rest of the note.
pub fn split_frontmatter(content: &str) -> (Value, &str) {
    let empty = || Value::Object(Map::new());
    let Some(rest) = content
        .strip_prefix("---\n")
        .or_else(|| content.strip_prefix("---\r\n"))
    else {
        return (empty(), content);
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare == "---" || bare == "..." {
            let yaml = &rest[..offset];
            let body = &rest[offset + line.len()..];
            if yaml.len() > MAX_FRONTMATTER_BYTES {
                return (empty(), content);
            }
            let value = match shared_schemas::yaml::from_str::<Value>(yaml) {
                Ok(v @ Value::Object(_)) => v,
                _ => empty(),
            };
            return (value, body);
        }
        offset += line.len();
    }
    (empty(), content)
}

fn string_field(meta: &Map<String, Value>, key: &str) -> Option<String> {
    match meta.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A list (`[a, b]`) or a comma-separated string (`a, b`).
fn list_field(meta: &Map<String, Value>, key: &str) -> Vec<String> {
    let items: Vec<String> = match meta.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) => s.split(',').map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    items
        .into_iter()
        .map(|s| s.trim().trim_start_matches('#').to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn collect_links(value: &Value, out: &mut Vec<WikiLink>) {
    match value {
        Value::String(s) => links_in_line(s, LinkKind::Frontmatter, out),
        Value::Array(items) => items.iter().for_each(|v| collect_links(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_links(v, out)),
        _ => {}
    }
}

/// Headings, inline `#tags` and wiki-links of the body, outside fenced code blocks and inline
/// code spans.
fn scan_body(body: &str) -> (Vec<String>, Vec<String>, Vec<WikiLink>) {
    let (mut headings, mut tags, mut links) = (Vec::new(), Vec::new(), Vec::new());
    let mut fence: Option<(char, usize)> = None;
    for line in body.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if indent <= 3
            && let Some((ch, len)) = fence_marker(trimmed)
        {
            match fence {
                None => fence = Some((ch, len)),
                Some((open, open_len)) if open == ch && len >= open_len => fence = None,
                Some(_) => {}
            }
            continue;
        }
        if fence.is_some() {
            continue;
        }
        if indent <= 3
            && let Some(heading) = heading_text(trimmed)
        {
            headings.push(heading);
        }
        let visible = strip_code_spans(line);
        links_in_line(&visible, LinkKind::Wiki, &mut links);
        inline_tags(&visible, &mut tags);
    }
    (headings, tags, links)
}

fn fence_marker(line: &str) -> Option<(char, usize)> {
    let ch = line.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = line.chars().take_while(|c| *c == ch).count();
    (len >= 3).then_some((ch, len))
}

fn heading_text(line: &str) -> Option<String> {
    let hashes = line.chars().take_while(|c| *c == '#').count();
    if !(1..=6).contains(&hashes) {
        return None;
    }
    let rest = &line[hashes..];
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let text = rest.trim().trim_end_matches('#').trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The line with every `` `code` `` span blanked out.
fn strip_code_spans(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    for ch in line.chars() {
        if ch == '`' {
            in_code = !in_code;
            out.push(' ');
        } else if in_code {
            out.push(' ');
        } else {
            out.push(ch);
        }
    }
    out
}

fn links_in_line(line: &str, kind: LinkKind, out: &mut Vec<WikiLink>) {
    let mut rest = line;
    while let Some(start) = rest.find("[[") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("]]") else { return };
        let inner = &after[..end];
        rest = &after[end + 2..];
        if inner.contains('[') || inner.len() > 512 {
            continue;
        }
        let (target, label) = match inner.split_once('|') {
            Some((t, l)) => (t, Some(l.trim()).filter(|l| !l.is_empty())),
            None => (inner, None),
        };
        let (target, heading) = match target.split_once('#') {
            Some((t, h)) => (t, Some(h.trim()).filter(|h| !h.is_empty())),
            None => (target, None),
        };
        let target = target.trim();
        // `[[#Heading]]` points into the note itself: no edge.
        if target.is_empty() {
            continue;
        }
        out.push(WikiLink {
            kind,
            target: target.to_owned(),
            heading: heading.map(str::to_owned),
            label: label.map(str::to_owned),
        });
    }
}

/// `#tag` preceded by a space or the line start; `# heading`, `#1` and `a#b` are not tags.
fn inline_tags(line: &str, out: &mut Vec<String>) {
    let bytes = line.as_bytes();
    for (i, _) in line.match_indices('#') {
        if i > 0 && !bytes[i - 1].is_ascii_whitespace() {
            continue;
        }
        let tag: String = line[i + 1..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '/'))
            .collect();
        if tag.chars().next().is_some_and(char::is_alphabetic)
            && !out.iter().any(|t: &String| t.eq_ignore_ascii_case(&tag))
        {
            out.push(tag);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn frontmatter_title_tags_aliases_and_type_are_read() {
        let note = parse(
            "people/alice.md",
            "---\ntitle: Alice Smith\ntags: [team, lead]\naliases: [Ali]\ntype: relationship\n\
             related: \"[[Bob]]\"\n---\n# Heading One\nWorks with [[Carol|C.]] on #infra.\n",
        );
        assert_eq!(note.title, "Alice Smith");
        assert_eq!(note.category, "people");
        assert_eq!(note.note_type.as_deref(), Some("relationship"));
        assert_eq!(note.tags, vec!["team", "lead", "infra"]);
        assert_eq!(note.aliases, vec!["Ali"]);
        assert_eq!(note.headings, vec!["Heading One"]);
        assert_eq!(note.frontmatter["title"], json!("Alice Smith"));
        assert!(note.body.starts_with("# Heading One"));
        let targets: Vec<_> = note
            .links
            .iter()
            .map(|l| (l.kind, l.target.as_str()))
            .collect();
        assert_eq!(
            targets,
            vec![(LinkKind::Frontmatter, "Bob"), (LinkKind::Wiki, "Carol")]
        );
        assert_eq!(note.links[1].label.as_deref(), Some("C."));
    }

    #[test]
    fn title_falls_back_to_the_first_heading_then_the_stem() {
        assert_eq!(parse("a/b.md", "text\n## Second\n").title, "Second");
        assert_eq!(parse("a/my-note.md", "no heading").title, "my-note");
        assert_eq!(parse("top.md", "x").category, "");
    }

    #[test]
    fn links_in_code_fences_and_spans_are_ignored_and_headings_split() {
        let body = "[[A#Intro]]\n```\n[[Fenced]]\n~~~\n[[StillFenced]]\n```\n\
                    `[[Span]]` and [[B|label]] and [[#Self]] and [[folder/C]]\n    ~~~~\n[[D]]\n";
        let note = parse("n.md", body);
        let got: Vec<_> = note
            .links
            .iter()
            .map(|l| (l.target.as_str(), l.heading.as_deref(), l.label.as_deref()))
            .collect();
        // An indented ~~~~ (4 spaces) is code, not a fence: [[D]] counts.
        assert_eq!(
            got,
            vec![
                ("A", Some("Intro"), None),
                ("B", None, Some("label")),
                ("folder/C", None, None),
                ("D", None, None),
            ]
        );
    }

    #[test]
    fn broken_or_hostile_frontmatter_leaves_an_empty_object() {
        for content in ["---\n: : [\n---\nbody", "---\n- a list\n---\nbody"] {
            let note = parse("x.md", content);
            assert_eq!(note.frontmatter, json!({}), "{content}");
            assert_eq!(note.body, "body");
        }
        // No closing line: all of it is body.
        assert_eq!(parse("x.md", "---\ntitle: t\n").body, "---\ntitle: t\n");
        let bomb = format!("---\na: &a [x,x,x,x,x,x,x,x,x]\n{}---\n", {
            let mut s = String::new();
            let mut prev = "a".to_owned();
            for i in 0..9 {
                let name = format!("l{i}");
                s.push_str(&format!("{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
                prev = name;
            }
            s
        });
        assert_eq!(parse("x.md", &bomb).frontmatter, json!({}));
    }
}
