//! PURE writer of the "new" portable cpio format (`newc`, magic `070701`),
//! the format the kernel unpacks into its rootfs
//! (Documentation/driver-api/early-userspace/buffer-format.rst): a 110-byte
//! header of 13 eight-digit hex fields, the NUL-terminated name padded to a
//! multiple of 4, the data padded to a multiple of 4, and a `TRAILER!!!`
//! entry at the end.
//!
//! Deterministic: entries sorted by path, inode numbers counted from 1 in
//! that order, every mtime, uid, gid and device number 0. The same entries
//! give the same bytes.

/// What an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A directory.
    Dir,
    /// A regular file with its contents.
    File(Vec<u8>),
    /// A character device node (`/dev/console` is c 5 1).
    CharDev {
        /// Major number.
        major: u32,
        /// Minor number.
        minor: u32,
    },
}

/// One archive member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path inside the archive, relative, no leading `/` (`lib/modules`).
    pub path: String,
    /// Permission bits (`0o755`); the type bits come from `kind`.
    pub perm: u32,
    /// Directory, file or device.
    pub kind: Kind,
}

const S_IFDIR: u32 = 0o040_000;
const S_IFREG: u32 = 0o100_000;
const S_IFCHR: u32 = 0o020_000;

fn header(out: &mut Vec<u8>, fields: [u32; 13], name: &str) {
    out.extend_from_slice(b"070701");
    for f in fields {
        out.extend_from_slice(format!("{f:08X}").as_bytes());
    }
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    pad(out);
}

fn pad(out: &mut Vec<u8>) {
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

/// Why an archive cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// newc stores sizes in 32 bits.
    #[error("{0}: larger than 4 GiB, too large for a newc cpio archive")]
    TooLarge(String),
    /// Two entries with one path.
    #[error("{0}: twice in the archive")]
    Duplicate(String),
    /// A path that is empty, absolute or has `.`/`..`/empty components.
    #[error("{0:?}: not a clean relative path")]
    BadPath(String),
}

/// The archive of `entries` (sorted here, so their order does not matter).
pub fn write(entries: &[Entry]) -> Result<Vec<u8>, Error> {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut out = Vec::new();
    for (i, e) in sorted.iter().enumerate() {
        if i > 0 && sorted[i - 1].path == e.path {
            return Err(Error::Duplicate(e.path.clone()));
        }
        if e.path.is_empty()
            || e.path
                .split('/')
                .any(|c| c.is_empty() || c == "." || c == "..")
        {
            return Err(Error::BadPath(e.path.clone()));
        }
        let too_large = || Error::TooLarge(e.path.clone());
        let (ty, nlink, data, rdev): (u32, u32, &[u8], (u32, u32)) = match &e.kind {
            Kind::Dir => (S_IFDIR, 2, &[], (0, 0)),
            Kind::File(d) => (S_IFREG, 1, d.as_slice(), (0, 0)),
            Kind::CharDev { major, minor } => (S_IFCHR, 1, &[], (*major, *minor)),
        };
        let ino = u32::try_from(i + 1).map_err(|_| too_large())?;
        let size = u32::try_from(data.len()).map_err(|_| too_large())?;
        let namesize = u32::try_from(e.path.len() + 1).map_err(|_| too_large())?;
        let mode = ty | (e.perm & 0o7777);
        // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
        header(
            &mut out,
            [
                ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev.0, rdev.1, namesize, 0,
            ],
            &e.path,
        );
        out.extend_from_slice(data);
        pad(&mut out);
    }
    header(
        &mut out,
        [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 11, 0],
        "TRAILER!!!",
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, data: &[u8]) -> Entry {
        Entry {
            path: path.into(),
            perm: 0o644,
            kind: Kind::File(data.to_vec()),
        }
    }

    /// (mode, rdev, name, data) of one entry read back.
    type Member = (u32, (u32, u32), String, Vec<u8>);

    /// Parse an archive back.
    fn read(mut d: &[u8]) -> Vec<Member> {
        let mut out = Vec::new();
        let mut pos = 0usize;
        loop {
            assert_eq!(&d[..6], b"070701");
            let f: Vec<u32> = (0..13)
                .map(|k| {
                    u32::from_str_radix(std::str::from_utf8(&d[6 + 8 * k..14 + 8 * k]).unwrap(), 16)
                        .unwrap()
                })
                .collect();
            let nsz = f[11] as usize;
            let name = String::from_utf8(d[110..110 + nsz - 1].to_vec()).unwrap();
            let hdr = (110 + nsz + 3) & !3;
            let size = f[6] as usize;
            let data = d[hdr..hdr + size].to_vec();
            let next = (hdr + size + 3) & !3;
            assert_eq!((pos + hdr) % 4, 0);
            pos += next;
            d = &d[next..];
            if name == "TRAILER!!!" {
                assert!(d.is_empty());
                return out;
            }
            out.push((f[1], (f[9], f[10]), name, data));
        }
    }

    #[test]
    fn round_trip_sorted_and_padded() {
        let entries = vec![
            file("init", b"\x7fELF..."),
            Entry {
                path: "dev/console".into(),
                perm: 0o600,
                kind: Kind::CharDev { major: 5, minor: 1 },
            },
            Entry {
                path: "dev".into(),
                perm: 0o755,
                kind: Kind::Dir,
            },
            file("a", b""),
        ];
        let bytes = write(&entries).unwrap();
        let back = read(&bytes);
        let names: Vec<&str> = back.iter().map(|e| e.2.as_str()).collect();
        assert_eq!(names, ["a", "dev", "dev/console", "init"]);
        assert_eq!(back[1].0, 0o040_755);
        assert_eq!((back[2].0, back[2].1), (0o020_600, (5, 1)));
        assert_eq!(back[3].3, b"\x7fELF...");
        // Same entries in another order: the same bytes.
        let mut rev = entries.clone();
        rev.reverse();
        assert_eq!(write(&rev).unwrap(), bytes);
    }

    #[test]
    fn rejects_duplicates_and_bad_paths() {
        assert_eq!(
            write(&[file("x", b"1"), file("x", b"2")]),
            Err(Error::Duplicate("x".into()))
        );
        for p in ["", "/init", "a//b", "../x", "a/./b"] {
            assert_eq!(write(&[file(p, b"")]), Err(Error::BadPath(p.into())));
        }
    }
}
