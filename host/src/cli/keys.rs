//! `lianban keys rotate`: a new data key becomes current, every sealed value is sealed again
//! under it, and the old keys leave the keyring.

use std::path::PathBuf;

use clap::Args;
use lianban::privacy::Algorithm;

#[derive(Args)]
pub struct RotateArgs {
    #[arg(long, default_value = "lianban-data")]
    pub data: PathBuf,
    /// The keyring (default: keys/data.keys in the data folder).
    #[arg(long)]
    pub data_key_file: Option<PathBuf>,
    /// The new key's algorithm: aes-256-gcm or sm4-gcm (GB/T 32907).
    #[arg(long, default_value = "aes-256-gcm")]
    pub algorithm: Algorithm,
}

/// Runs with the host stopped (one process owns the database); see
/// [`lianban::store::SledStore::rotate_data_keys`].
pub fn rotate(args: &RotateArgs) -> Result<String, String> {
    let path = args
        .data_key_file
        .clone()
        .unwrap_or_else(|| args.data.join("keys/data.keys"));
    let (done, keys) =
        lianban::store::SledStore::rotate_data_keys(&args.data, &path, args.algorithm)?;
    Ok(format!(
        "re-encrypted {} cases, {} recorded inputs, {} messages, {} certificates with key {:?} ({})\n",
        done.cases,
        done.inputs,
        done.messages,
        done.certificates,
        keys.key_ids(),
        keys.current_algorithm()
    ))
}
