//! Pages of a list: kit's, shared by every service (ARCHITECTURE §7).

pub use kit::page::{MAX_LIMIT, Page};
