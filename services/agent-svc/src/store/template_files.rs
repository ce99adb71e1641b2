//! Agent templates as files: `<dir>/<slug>/template.yml` plus optional persona files.

use std::path::Path;

use serde::Deserialize;

use crate::domain::agent_config::AgentRuntimeConfig;
use crate::domain::agents::PersonaFile;
use crate::domain::validate::is_slug;

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub id: String,
    pub name: String,
    pub emoji: Option<String>,
    pub role: Option<String>,
    pub description: String,
    pub files: [Option<String>; 4],
    pub config: AgentRuntimeConfig,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFile {
    name: String,
    emoji: Option<String>,
    role: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    config: AgentRuntimeConfig,
}

/// Every template under `dir`, sorted by id. A broken template fails the whole load with its
/// path named: the catalog is ours, so a mistake in it should stop a deploy, not hide.
pub fn load_dir(dir: &Path) -> anyhow::Result<Vec<Template>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(dir = %dir.display(), "no agent template folder; the catalog is empty");
            return Ok(out);
        }
        Err(e) => return Err(anyhow::anyhow!("reading {}: {e}", dir.display())),
    };
    for entry in entries {
        let path = entry?.path();
        let Some(id) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        if !path.is_dir() || id.starts_with(['.', '_']) {
            continue;
        }
        anyhow::ensure!(is_slug(&id), "template folder `{id}` is not a valid slug");
        out.push(load_one(&path, id)?);
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

fn load_one(path: &Path, id: String) -> anyhow::Result<Template> {
    let manifest = path.join("template.yml");
    let raw = std::fs::read_to_string(&manifest)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", manifest.display()))?;
    let file: TemplateFile =
        serde_norway::from_str(&raw).map_err(|e| anyhow::anyhow!("{}: {e}", manifest.display()))?;
    let mut errors = Vec::new();
    file.config.validate(&mut errors);
    if let Some(e) = errors.first() {
        anyhow::bail!("{}: config.{}: {}", manifest.display(), e.path, e.message);
    }
    let mut files: [Option<String>; 4] = Default::default();
    for f in PersonaFile::ALL {
        let p = path.join(f.file_name());
        if p.is_file() {
            files[f as usize] = Some(std::fs::read_to_string(&p)?);
        }
    }
    Ok(Template {
        id,
        name: file.name,
        emoji: file.emoji,
        role: file.role,
        description: file.description,
        files,
        config: file.config,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_catalog_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../agent-templates");
        let templates = load_dir(&dir).expect("catalog");
        assert!(templates.len() >= 4);
        for t in &templates {
            assert!(
                t.files.iter().all(Option::is_some),
                "{} lacks a persona file",
                t.id
            );
        }
    }

    #[test]
    fn a_broken_template_names_its_file() {
        let dir =
            std::env::temp_dir().join(format!("djb-tpl-{}", shared_schemas::ids::random_body()));
        std::fs::create_dir_all(dir.join("bad")).expect("mkdir");
        std::fs::write(
            dir.join("bad/template.yml"),
            "name: X\nconfig: {modle: y}\n",
        )
        .expect("w");
        let err = load_dir(&dir).expect_err("unknown key").to_string();
        assert!(err.contains("bad/template.yml"), "{err}");
        assert!(load_dir(&dir.join("missing")).expect("empty").is_empty());
    }
}
