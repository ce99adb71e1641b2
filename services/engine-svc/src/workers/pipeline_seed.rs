//! Seeds the global pipelines from `PIPELINES_DIR` when the service starts, beside serving
//! (a failure is logged; the rows of the last successful pass stay).

use std::sync::Arc;

use kit::Platform;

use crate::config::EngineConfig;
use crate::flows::pipeline_seed;

pub fn spawn(platform: Platform, config: Arc<EngineConfig>) {
    tokio::spawn(async move {
        if let Err(err) = pipeline_seed::seed(&platform, &config).await {
            tracing::error!(error = %format!("{err:#}"), "seeding the global pipelines failed");
        }
    });
}
