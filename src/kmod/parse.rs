//! PURE parsers for the files depmod(8) writes (modules.dep, modules.alias,
//! modules.softdep, modules.builtin; see modules.dep(5)) and for
//! /proc/modules, plus the fnmatch(3) subset modalias patterns use.

/// A module's canonical name: the kernel treats `-` and `_` alike in module
/// names (kmod's `modname_normalize`), so we store every name with `_`.
pub fn normalize(name: &str) -> String {
    name.replace('-', "_")
}

/// The module name of a path in modules.dep: the file name without directory
/// and without `.ko`, `.ko.xz`, `.ko.zst`, `.ko.gz`, normalised.
pub fn name_of_path(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = match file.find(".ko") {
        Some(i) => &file[..i],
        None => file,
    };
    normalize(stem)
}

/// One line of modules.dep: `kernel/a/b.ko: kernel/c.ko kernel/d.ko`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepLine {
    /// Path of the module relative to the modules directory.
    pub path: String,
    /// Paths of the modules it needs (depmod lists the full closure).
    pub deps: Vec<String>,
}

/// Parse modules.dep. Lines without a `:` and comment lines are skipped
/// (depmod never writes them; a hand-made file may).
pub fn modules_dep(text: &str) -> Vec<DepLine> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let (path, deps) = l.split_once(':')?;
            let path = path.trim();
            if path.is_empty() {
                return None;
            }
            Some(DepLine {
                path: path.to_string(),
                deps: deps.split_whitespace().map(str::to_string).collect(),
            })
        })
        .collect()
}

/// Parse modules.alias: `alias <pattern> <module>` lines, returned as
/// `(pattern, normalised module name)`.
pub fn modules_alias(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            if w.next()? != "alias" {
                return None;
            }
            let pattern = w.next()?;
            let module = w.next()?;
            Some((pattern.to_string(), normalize(module)))
        })
        .collect()
}

/// Parse modules.softdep: `softdep <module> pre: a b post: c`. Returns
/// `(module, pre-modules)`; post dependencies do not order anything we need.
/// The pre entries stay as written: they may be aliases (`crypto-crc32c`),
/// which `-`/`_` normalisation would break.
pub fn modules_softdep(text: &str) -> Vec<(String, Vec<String>)> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            if w.next()? != "softdep" {
                return None;
            }
            let module = normalize(w.next()?);
            let mut pre = Vec::new();
            let mut in_pre = false;
            for word in w {
                match word {
                    "pre:" => in_pre = true,
                    "post:" => in_pre = false,
                    m if in_pre => pre.push(m.to_string()),
                    _ => {}
                }
            }
            Some((module, pre))
        })
        .collect()
}

/// Parse modules.builtin (one path per line) into module names.
pub fn modules_builtin(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(name_of_path)
        .collect()
}

/// Parse /proc/modules (`name size refcount deps state address`) into the
/// names of modules that are loaded or loading.
pub fn proc_modules(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(normalize)
        .collect()
}

/// fnmatch(3) without flags, as the kernel's modalias matching in kmod uses it:
/// `*` any run, `?` one character, `[abc]`, `[a-z]`, `[!x]`/`[^x]` classes,
/// `\` escapes. Iterative with one backtrack point, so linear-ish and never
/// recursive on hostile patterns.
pub fn fnmatch(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                b'?' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, next)) = class(p, pi, t[ti]) {
                        if matched {
                            pi = next;
                            ti += 1;
                            continue;
                        }
                    } else if t[ti] == b'[' {
                        // An unterminated class is a literal `[`.
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
                b'\\' if pi + 1 < p.len() => {
                    if p[pi + 1] == t[ti] {
                        pi += 2;
                        ti += 1;
                        continue;
                    }
                }
                c => {
                    if c == t[ti] {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
            }
        }
        // Mismatch: let the last `*` swallow one more character.
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// Match `c` against the class starting at `p[start] == b'['`. Returns
/// `(matched, index after ']')`, or None when the class is unterminated.
fn class(p: &[u8], start: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let lo = *p.get(i)?;
        if lo == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if p.get(i + 1) == Some(&b'-') && p.get(i + 2).is_some_and(|&h| h != b']') {
            let hi = p[i + 2];
            if lo <= c && c <= hi {
                matched = true;
            }
            i += 3;
        } else {
            if lo == c {
                matched = true;
            }
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnmatch_cases() {
        let yes = [
            (
                "pci:v00001AF4d*sv*sd*bc*sc*i*",
                "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00",
            ),
            ("virtio:d00000001v*", "virtio:d00000001v00001AF4"),
            ("a?c", "abc"),
            ("a[bc]d", "acd"),
            ("a[a-c]d", "abd"),
            ("a[!x]d", "abd"),
            ("a[^x]d", "abd"),
            ("*", ""),
            ("a*b*c", "aXXbYYc"),
            ("a\\*", "a*"),
            ("[]]", "]"),
            ("a[", "a["),
        ];
        for (p, t) in yes {
            assert!(fnmatch(p, t), "{p} should match {t}");
        }
        let no = [
            ("pci:v00001AF4d*", "pci:v00008086d00001000"),
            ("a?c", "ac"),
            ("a[bc]d", "aad"),
            ("a[!b]d", "abd"),
            ("abc", "abcd"),
            ("a*b", "aXXc"),
            ("a\\*", "ab"),
        ];
        for (p, t) in no {
            assert!(!fnmatch(p, t), "{p} should not match {t}");
        }
    }

    #[test]
    fn fnmatch_many_stars_is_fast() {
        let p = "*a".repeat(40) + "b";
        let t = "a".repeat(200);
        assert!(!fnmatch(&p, &t));
    }

    #[test]
    fn names() {
        assert_eq!(
            name_of_path("kernel/drivers/net/virtio_net.ko"),
            "virtio_net"
        );
        assert_eq!(name_of_path("kernel/fs/nfs/nfs-v4.ko.zst"), "nfs_v4");
        assert_eq!(normalize("net-failover"), "net_failover");
    }

    #[test]
    fn dep_alias_softdep_builtin_proc() {
        let d = modules_dep("a/x.ko: a/y.ko a/z.ko\n# c\nbad line\na/y.ko:\n");
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].deps, vec!["a/y.ko", "a/z.ko"]);
        assert!(d[1].deps.is_empty());
        let a = modules_alias("# Aliases\nalias fs-nfs4 nfsv4\nalias x\nalias p:* net-failover\n");
        assert_eq!(
            a,
            vec![
                ("fs-nfs4".into(), "nfsv4".into()),
                ("p:*".into(), "net_failover".into())
            ]
        );
        let s = modules_softdep("softdep ext4 pre: crypto-crc32c post: foo\n");
        assert_eq!(s, vec![("ext4".into(), vec!["crypto-crc32c".to_string()])]);
        assert_eq!(modules_builtin("kernel/fs/ext4/ext4.ko\n\n"), vec!["ext4"]);
        assert_eq!(
            proc_modules("nfsv4 1 0 - Live 0x0\nvirtio_net 2 0 net_failover, Live 0x0\n"),
            vec!["nfsv4", "virtio_net"]
        );
    }
}
