//! The netroot binary: picks the mode from argv and PID, reports errors.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let code = match args.get(1).map(String::as_str) {
        Some("net") => netroot::net::run_cli(&args[2..]),
        _ => netroot::boot::main_entry(),
    };
    std::process::exit(code);
}
