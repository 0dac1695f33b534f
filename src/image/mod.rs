//! `netroot initramfs`: the image builder. The same binary that builds the
//! image is the image's `/init`.
//!
//! - [`plan`] (PURE): the module set, its modules.dep + softdep closure,
//!   depmod's files for exactly those modules, the firmware search, the
//!   archive's entries;
//! - [`modinfo`] (PURE): the `firmware=` fields of a module's `.modinfo`;
//! - [`cpio`] (PURE): a deterministic newc writer;
//! - [`build`]: the IO around them (read the kernel's files, decompress,
//!   run the compressor, write the file).

pub mod build;
pub mod cpio;
pub mod modinfo;
pub mod plan;

use std::path::PathBuf;

pub use build::{build, CaBundle, Compress, Options, Report};
pub use plan::Set;

/// Why an image cannot be built. Each names the module, file or program.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A module asked for is not in the kernel (nor built in, nor an alias).
    #[error("module {module}: not in kernel {kver} (not in modules.dep, modules.builtin or modules.alias)")]
    MissingModule {
        /// The name asked for.
        module: String,
        /// The kernel release.
        kver: String,
    },
    /// modules.dep names a dependency without a line of its own.
    #[error("module {module} needs {dependency}, which is not in modules.dep")]
    MissingDependency {
        /// The module.
        module: String,
        /// Its missing dependency.
        dependency: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error in words.
        reason: String,
    },
    /// A decompressor or compressor failed or is missing.
    #[error("{program} ({what}): {reason}")]
    Program {
        /// The program (`xz`, `zstd`, `gzip`).
        program: &'static str,
        /// What it was run on.
        what: String,
        /// Why it failed.
        reason: String,
    },
    /// A module file is not a readable ELF module.
    #[error("module {path}: {reason}")]
    Module {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: modinfo::Error,
    },
    /// The archive cannot be written.
    #[error("archive: {0}")]
    Cpio(#[from] cpio::Error),
}
