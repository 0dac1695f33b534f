//! PURE reader of a kernel module's `.modinfo` section: the `key=value`
//! strings, NUL-separated, that `MODULE_FIRMWARE()`, `MODULE_ALIAS()` and
//! friends put there (include/linux/module.h, include/linux/moduleparam.h's
//! `__MODULE_INFO`). The section is found through the ELF section headers
//! (System V ABI, "Sections": `e_shoff`, `e_shentsize`, `e_shnum`,
//! `e_shstrndx`; each header's `sh_name`, `sh_offset`, `sh_size`). Both ELF
//! classes and byte orders are read; a module is never executed or trusted
//! beyond bounds-checked reads.

/// Why a file is not a readable module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Not an ELF file (no `\x7fELF`), or an unknown class or byte order.
    #[error("not an ELF file")]
    NotElf,
    /// A header or section points outside the file.
    #[error("truncated or malformed ELF ({0})")]
    Malformed(&'static str),
    /// No `.modinfo` section: not a kernel module.
    #[error("no .modinfo section (not a kernel module)")]
    NoModinfo,
}

struct Elf<'a> {
    data: &'a [u8],
    wide: bool,
    big: bool,
}

impl<'a> Elf<'a> {
    fn bytes(&self, off: u64, len: u64) -> Result<&'a [u8], Error> {
        let start = usize::try_from(off).map_err(|_| Error::Malformed("offset"))?;
        let len = usize::try_from(len).map_err(|_| Error::Malformed("size"))?;
        let end = start.checked_add(len).ok_or(Error::Malformed("size"))?;
        self.data
            .get(start..end)
            .ok_or(Error::Malformed("out of bounds"))
    }

    /// An unsigned field of `len` bytes (2, 4 or 8) at `off`.
    fn uint(&self, off: u64, len: u64) -> Result<u64, Error> {
        let b = self.bytes(off, len)?;
        let fold = |acc: u64, x: &u8| (acc << 8) | u64::from(*x);
        Ok(if self.big {
            b.iter().fold(0, fold)
        } else {
            b.iter().rev().fold(0, fold)
        })
    }

    /// A word-sized field: 8 bytes in ELF64, 4 in ELF32.
    fn word(&self, off64: u64, off32: u64) -> Result<u64, Error> {
        if self.wide {
            self.uint(off64, 8)
        } else {
            self.uint(off32, 4)
        }
    }
}

/// The contents of the `.modinfo` section of the module `elf`.
pub fn section(elf: &[u8]) -> Result<&[u8], Error> {
    if elf.get(..4) != Some(b"\x7fELF") {
        return Err(Error::NotElf);
    }
    let wide = match elf.get(4) {
        Some(1) => false,
        Some(2) => true,
        _ => return Err(Error::NotElf),
    };
    let big = match elf.get(5) {
        Some(1) => false,
        Some(2) => true,
        _ => return Err(Error::NotElf),
    };
    let e = Elf {
        data: elf,
        wide,
        big,
    };
    // ELF header: e_shoff at 0x28 (0x20 in ELF32); e_shentsize, e_shnum,
    // e_shstrndx at 0x3a/0x3c/0x3e (0x2e/0x30/0x32).
    let shoff = e.word(0x28, 0x20)?;
    let (base16, min_ent) = if wide { (0x3a, 0x40) } else { (0x2e, 0x28) };
    let shentsize = e.uint(base16, 2)?;
    let shnum = e.uint(base16 + 2, 2)?;
    let shstrndx = e.uint(base16 + 4, 2)?;
    if shentsize < min_ent || shstrndx >= shnum {
        return Err(Error::Malformed("section headers"));
    }
    // Section header: sh_name at 0, sh_offset at 0x18 (0x10), sh_size at 0x20 (0x14).
    let header = |i: u64| -> Result<(u64, u64, u64), Error> {
        let h = shoff
            .checked_add(i.checked_mul(shentsize).ok_or(Error::Malformed("index"))?)
            .ok_or(Error::Malformed("offset"))?;
        Ok((
            e.uint(h, 4)?,
            e.word(h + 0x18, h + 0x10)?,
            e.word(h + 0x20, h + 0x14)?,
        ))
    };
    let (_, str_off, str_size) = header(shstrndx)?;
    let names = e.bytes(str_off, str_size)?;
    for i in 0..shnum {
        let (name, off, size) = header(i)?;
        let name = usize::try_from(name).map_err(|_| Error::Malformed("name"))?;
        let Some(rest) = names.get(name..) else {
            continue;
        };
        if rest.split(|&b| b == 0).next() == Some(b".modinfo".as_slice()) {
            return e.bytes(off, size);
        }
    }
    Err(Error::NoModinfo)
}

/// The values of `key` in a `.modinfo` section, in order (`firmware` may
/// appear many times). Entries that are not UTF-8 are skipped.
pub fn values<'a>(modinfo: &'a [u8], key: &str) -> Vec<&'a str> {
    modinfo
        .split(|&b| b == 0)
        .filter_map(|e| std::str::from_utf8(e).ok())
        .filter_map(|e| e.split_once('='))
        .filter(|(k, v)| *k == key && !v.is_empty())
        .map(|(_, v)| v)
        .collect()
}

/// The firmware files a module names (`MODULE_FIRMWARE`), paths relative to
/// the firmware directory.
pub fn firmware(elf: &[u8]) -> Result<Vec<String>, Error> {
    Ok(values(section(elf)?, "firmware")
        .into_iter()
        .map(str::to_string)
        .collect())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal ELF with sections: null, `.modinfo` (`info`), `.shstrtab`.
    pub(crate) fn elf(wide: bool, big: bool, info: &[u8]) -> Vec<u8> {
        let put = |v: &mut Vec<u8>, off: usize, x: u64, len: usize| {
            let b = x.to_be_bytes();
            let mut f: Vec<u8> = b[8 - len..].to_vec();
            if !big {
                f.reverse();
            }
            v[off..off + len].copy_from_slice(&f);
        };
        let strtab = b"\0.modinfo\0.shstrtab\0";
        let ehsize = if wide { 0x40 } else { 0x34 };
        let shent = if wide { 0x40 } else { 0x28 };
        let info_off = ehsize;
        let str_off = info_off + info.len();
        let shoff = str_off + strtab.len();
        let mut v = vec![0u8; shoff + 3 * shent];
        v[..4].copy_from_slice(b"\x7fELF");
        v[4] = if wide { 2 } else { 1 };
        v[5] = if big { 2 } else { 1 };
        v[info_off..str_off].copy_from_slice(info);
        v[str_off..shoff].copy_from_slice(strtab);
        let w = if wide { 8 } else { 4 };
        put(&mut v, if wide { 0x28 } else { 0x20 }, shoff as u64, w);
        let b16 = if wide { 0x3a } else { 0x2e };
        put(&mut v, b16, shent as u64, 2);
        put(&mut v, b16 + 2, 3, 2);
        put(&mut v, b16 + 4, 2, 2);
        for (i, (name, off, size)) in [(1, info_off, info.len()), (10, str_off, strtab.len())]
            .into_iter()
            .enumerate()
        {
            let h = shoff + (i + 1) * shent;
            put(&mut v, h, name, 4);
            put(&mut v, h + if wide { 0x18 } else { 0x10 }, off as u64, w);
            put(&mut v, h + if wide { 0x20 } else { 0x14 }, size as u64, w);
        }
        v
    }

    const INFO: &[u8] = b"license=GPL\0firmware=rtl_nic/rtl8168d-1.fw\0alias=pci:v*\0\0firmware=rtl_nic/rtl8125a-3.fw\0firmware=\0";

    #[test]
    fn all_classes_and_byte_orders() {
        for wide in [true, false] {
            for big in [false, true] {
                let f = firmware(&elf(wide, big, INFO)).unwrap();
                assert_eq!(f, ["rtl_nic/rtl8168d-1.fw", "rtl_nic/rtl8125a-3.fw"]);
            }
        }
    }

    #[test]
    fn bad_files_are_errors_not_panics() {
        assert_eq!(firmware(b"hello"), Err(Error::NotElf));
        let good = elf(true, false, INFO);
        for cut in 0..good.len() {
            let _ = firmware(&good[..cut]);
        }
        let mut no_info = good.clone();
        // rename .modinfo
        let pos = no_info.windows(8).position(|w| w == b".modinfo").unwrap();
        no_info[pos + 1] = b'X';
        assert_eq!(firmware(&no_info), Err(Error::NoModinfo));
        let mut huge = good;
        huge[0x28..0x30].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(firmware(&huge), Err(Error::Malformed(_))));
    }
}
