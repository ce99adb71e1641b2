//! Sending one request with bounded retries: 429, 5xx and connection errors are retried after
//! `Retry-After` (capped) or an exponential backoff; anything else is answered at once.

use std::time::Duration;

use serde_json::Value;

use super::LlmError;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// The first backoff when the provider names none; doubled each retry.
    pub base_delay: Duration,
    /// The longest wait, whatever `Retry-After` asks.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get("retry-after")?.to_str().ok()?;
    let secs = value.trim().parse::<f64>().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// The provider's error message: `{error: {message}}` when it says one, else the body's start.
fn error_message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            v["error"]["message"]
                .as_str()
                .or_else(|| v["error"].as_str())
                .or_else(|| v["message"].as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| body.chars().take(500).collect())
}

pub async fn send(
    http: &reqwest::Client,
    policy: &RetryPolicy,
    url: &str,
    headers: &[(&'static str, String)],
    body: &Value,
) -> Result<reqwest::Response, LlmError> {
    let mut attempt = 0;
    loop {
        let mut request = http.post(url).json(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let backoff = policy
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(policy.max_delay);
        let (error, wait) = match request.send().await {
            Ok(response) if response.status().is_success() => return Ok(response),
            Ok(response) => {
                let status = response.status();
                let wait = retry_after(&response).map_or(backoff, |d| d.min(policy.max_delay));
                let message = error_message(&response.text().await.unwrap_or_default());
                let error = LlmError::Status {
                    status: status.as_u16(),
                    message,
                };
                if status.as_u16() != 429 && !status.is_server_error() {
                    return Err(error);
                }
                (error, wait)
            }
            // The URL is ours, not a secret; reqwest's error names it, never a header.
            Err(err) => (LlmError::Transport(err.without_url().to_string()), backoff),
        };
        if attempt >= policy.retries {
            return Err(error);
        }
        attempt += 1;
        tracing::warn!(attempt, wait_ms = wait.as_millis() as u64, error = %error, "LLM call retried");
        tokio::time::sleep(wait).await;
    }
}
