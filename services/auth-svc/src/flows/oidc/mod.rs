//! OIDC sign-in: provider management, the authorize/callback round trip, and which account an
//! identity signs in to. See docs/auth.md "Sign-in with OIDC".

pub mod account;
pub mod client;
pub mod link;
pub mod login;
pub mod providers;

pub use client::OidcHttp;
