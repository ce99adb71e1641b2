//! slack-svc's own settings on top of kit's common ones, read from the same layered sources
//! (defaults, `DJB_CONFIG_FILE`, then the environment).

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SlackConfig {}

impl SlackConfig {
    pub fn load() -> Result<Self, kit::config::ConfigError> {
        kit::config::load()
    }
}
