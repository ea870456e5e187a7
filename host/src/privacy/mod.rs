//! Personal information: masking for display, sealing at rest and the blind index. A leaf: it
//! knows strings, keys and ciphers, nothing of cases. Which fields of a case are personal, and
//! how each is masked or sealed, is said once in `workflow/personal.rs`.

pub mod cipher;
pub mod keyring;
pub mod mask;

pub use cipher::Algorithm;
pub use keyring::{Keyring, KeyringError, SealError};
