//! agent-svc uses kit's shared field rules and limits.

pub use kit::validate::*;
