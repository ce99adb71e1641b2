//! Secrets at rest use kit's AES-256-GCM box, shared with every service that stores secrets.

pub use kit::crypto::{CryptoError, SecretBox, mask};

/// What each sealed value is bound to (kit's `encrypt_bound`): its table, column and row, so a
/// ciphertext copied into another row or column by someone with write access to the database
/// does not open there (security review L11). Values sealed before binding still open.
pub mod bound {
    pub fn totp_secret(tenant: &str, user: &str) -> String {
        format!("auth.users.totp_secret:{tenant}:{user}")
    }

    pub fn oidc_client_secret(provider: &str) -> String {
        format!("auth.oidc_providers.client_secret:{provider}")
    }

    pub fn successor_token(session: &str) -> String {
        format!("auth.sessions.successor_token:{session}")
    }

    /// The platform's one SMTP settings row.
    pub const SMTP_PASSWORD: &str = "auth.email_settings.smtp_password";
}
