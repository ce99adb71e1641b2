//! Which channels take messaging permissions.

use kit::ApiError;

/// The channels whose tools send to arbitrary targets (Slack and Discord use their own scopes).
pub const CHANNELS: [&str; 3] = ["telegram", "whatsapp", "signal"];

/// 400 `invalid_channel`, the reference's answer for a channel outside the three.
pub fn check_channel(channel: &str) -> Result<(), ApiError> {
    if CHANNELS.contains(&channel) {
        return Ok(());
    }
    Err(ApiError::bad_request(
        "invalid_channel",
        format!(
            "invalid channel `{channel}`; must be one of: {}",
            CHANNELS.join(", ")
        ),
    ))
}
