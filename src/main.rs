//! The netroot binary: picks the mode from argv and PID, reports errors.

fn main() {
    std::process::exit(netroot::cli::main_entry());
}
