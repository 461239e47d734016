//! Helpers shared by the integration tests.

pub mod emulator;
pub mod federation;
pub mod login;
pub mod logs;

use std::path::PathBuf;

/// `tests/fixtures` of this repository.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}
