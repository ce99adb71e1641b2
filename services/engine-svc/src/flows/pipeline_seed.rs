//! The global pipelines, rewritten from `PIPELINES_DIR` at every start. Idempotent: a file
//! whose SHA-256 did not change leaves its row alone, so replicas starting together and restarts
//! are harmless. A file that does not parse is reported and changes nothing; while any file is
//! invalid no global row is removed (its pipeline may be the one that failed).

use std::collections::BTreeSet;

use kit::Platform;
use redis::AsyncCommands;
use shared_schemas::pipeline::PipelineError;

use crate::config::EngineConfig;
use crate::domain::pipeline_check;
use crate::flows::pipeline_cache::{changed, notice};
use crate::store::pipeline_seed::{self as store, GlobalPipeline, PipelineFile};

/// What a seeding pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    /// Ids of the global pipelines inserted or rewritten.
    pub written: Vec<String>,
    pub unchanged: usize,
    /// Ids of the global pipelines whose file is gone.
    pub removed: Vec<String>,
    /// `<file>: <problem>` for each file that could not be used.
    pub invalid: Vec<String>,
    /// False when the directory does not exist (nothing was changed).
    pub found_dir: bool,
}

pub async fn seed(platform: &Platform, config: &EngineConfig) -> anyhow::Result<SeedReport> {
    let dir = config.pipelines_dir();
    let read = dir.clone();
    let Some(files) = tokio::task::spawn_blocking(move || store::read_dir(&read)).await?? else {
        tracing::warn!(dir = %dir.display(), "pipelines directory not found; global pipelines left as they are");
        return Ok(SeedReport::default());
    };
    let (entries, invalid) = entries(&files);
    let now = platform.clock.now_ms();
    let changes = store::seed(platform.db.pool(), &entries, invalid.is_empty(), now).await?;
    for id in changes.written.iter().chain(&changes.removed) {
        changed(platform, None, id).await;
        let mut redis = platform.redis.clone();
        let message = notice(None, id).to_string();
        let channel = platform.keys.pipeline_invalidate();
        if let Err(err) = redis.publish::<_, _, ()>(channel, message).await {
            tracing::warn!(error = %err, pipeline = %id, "could not announce a global pipeline change");
        }
    }
    let report = SeedReport {
        written: changes.written,
        unchanged: changes.unchanged,
        removed: changes.removed,
        invalid,
        found_dir: true,
    };
    for problem in &report.invalid {
        tracing::error!(problem, "skipped an invalid global pipeline");
    }
    tracing::info!(
        written = report.written.len(),
        unchanged = report.unchanged,
        removed = report.removed.len(),
        invalid = report.invalid.len(),
        "global pipelines seeded"
    );
    Ok(report)
}

/// The rows of the files that parse, and a problem for each file that does not (or repeats
/// the id of an earlier file).
fn entries(files: &[PipelineFile]) -> (Vec<GlobalPipeline>, Vec<String>) {
    let mut seen = BTreeSet::new();
    let mut entries = Vec::new();
    let mut invalid = Vec::new();
    for file in files {
        match pipeline_check::parse_written(&file.text, None) {
            Ok(config) if !seen.insert(config.id.as_str().to_owned()) => {
                invalid.push(format!(
                    "{}: another file has the id `{}`",
                    file.file_name, config.id
                ));
            }
            Ok(config) => entries.push(GlobalPipeline {
                id: config.id.as_str().to_owned(),
                description: config.description.unwrap_or_default(),
                name: config.name,
                version: config.version,
                content_hash: pipeline_check::content_hash(&file.text),
                yaml_content: file.text.clone(),
            }),
            Err(errors) => invalid.push(format!("{}: {}", file.file_name, first(&errors))),
        }
    }
    (entries, invalid)
}

fn first(errors: &[PipelineError]) -> String {
    errors.first().map(ToString::to_string).unwrap_or_default()
}
