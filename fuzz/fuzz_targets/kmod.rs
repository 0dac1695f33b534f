//! Fuzz the readers of depmod's files (modules.dep, modules.alias,
//! modules.softdep, modules.builtin; modules.dep(5)) and /proc/modules, the
//! tree built from them, the fnmatch(3) alias matcher and the load plan.
//! These files come from the image (or the running system), not from the
//! network, but a hand-made or truncated one must give an error, not a panic.
//!
//! Input: the texts separated by NUL bytes, in the order modules.dep,
//! modules.alias, modules.softdep, modules.builtin, /proc/modules, then
//! modaliases (one a line) and wanted module names (one a line).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use netroot::fuzzing as parse;
use netroot::kmod::Tree;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\0');
    let mut next = || parts.next().unwrap_or("");
    let (dep, alias, softdep, builtin, proc_modules) = (next(), next(), next(), next(), next());
    let (modaliases, wanted) = (next(), next());
    for line in parse::modules_dep(dep) {
        assert!(!line.path.is_empty());
        let name = parse::name_of_path(&line.path);
        assert!(!name.contains('-'));
    }
    for (pattern, module) in parse::modules_alias(alias) {
        assert!(!module.contains('-'));
        // A pattern without wildcards matches itself.
        if !pattern.contains(['*', '?', '[', '\\']) {
            assert!(parse::fnmatch(&pattern, &pattern), "{pattern:?}");
        }
    }
    let _ = parse::modules_softdep(softdep);
    let builtins = parse::modules_builtin(builtin);
    let loaded = parse::proc_modules(proc_modules);

    let mut tree = Tree::from_texts(Path::new("/lib/modules/fuzz"), dep, alias, softdep, builtin);
    tree.mark_loaded(&loaded);
    let aliases: Vec<String> = modaliases.lines().take(64).map(str::to_string).collect();
    for a in &aliases {
        for m in tree.resolve_alias(a) {
            assert!(!m.contains('-'));
        }
    }
    let wanted: Vec<&str> = wanted.lines().take(16).collect();
    if let Ok(plan) = tree.plan(&wanted, &aliases) {
        // Nothing planned twice, nothing already loaded or built in.
        let names = plan.names();
        for (i, n) in names.iter().enumerate() {
            assert!(!names[..i].contains(n), "{n} planned twice");
            assert!(
                !loaded.iter().any(|l| parse::normalize(l) == *n),
                "{n} is loaded"
            );
            assert!(!builtins.iter().any(|b| b == n), "{n} is built in");
        }
    }
});
