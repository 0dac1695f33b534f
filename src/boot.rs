//! The phase pipeline: cmdline → modules → link → ip config → root → state → hand-over → switch_root.

/// Entry point called by `main`: returns the process exit code.
pub fn main_entry() -> i32 {
    0
}
