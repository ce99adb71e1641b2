//! Pure rules of the runtime: the protocol of CONTRACTS.md §5.2 (decoding commands, the status
//! messages that answer them). No IO.

pub mod protocol;
