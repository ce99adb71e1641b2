//! Rules that are neither HTTP nor SQL.

pub mod api_keys;
pub mod crypto;
pub mod lockout;
pub mod mail;
pub mod oidc;
pub mod password;
pub mod throttle;
pub mod tokens;
pub mod totp;
pub mod validate;
