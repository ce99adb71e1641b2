//! Secrets at rest use kit's AES-256-GCM box, shared with every service that stores secrets.

pub use kit::crypto::{CryptoError, SecretBox, mask};
