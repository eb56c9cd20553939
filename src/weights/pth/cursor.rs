//! Reading a byte slice front to back, with "truncated" instead of a panic
//! at its end.

/// A position in a byte slice.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// At the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    /// Bytes read so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&end| end <= self.bytes.len()).ok_or_else(|| {
            format!("truncated: {n} bytes wanted at offset {}, {} left", self.pos, self.bytes.len() - self.pos)
        })?;
        let taken = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(taken)
    }

    /// A length-prefixed field's length, checked against what is left
    /// before anything is allocated for it.
    pub fn take_len(&mut self, len: u64) -> Result<&'a [u8], String> {
        let len = usize::try_from(len).map_err(|_| format!("length {len} does not fit in memory"))?;
        self.take(len)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    /// A little-endian `u16`.
    pub fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    /// A little-endian `u32`.
    pub fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// A little-endian `i32`.
    pub fn i32(&mut self) -> Result<i32, String> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    /// A little-endian `u64`.
    pub fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A big-endian `f64` (pickle's `BINFLOAT`).
    pub fn f64_be(&mut self) -> Result<f64, String> {
        Ok(f64::from_be_bytes(self.array()?))
    }

    /// The text up to the next newline (which is consumed, not returned).
    pub fn line(&mut self) -> Result<&'a str, String> {
        let rest = &self.bytes[self.pos..];
        let len = rest.iter().position(|&b| b == b'\n').ok_or("truncated: a text field has no end of line")?;
        let text = std::str::from_utf8(&rest[..len]).map_err(|_| "a text field is not UTF-8".to_string())?;
        self.pos += len + 1;
        Ok(text)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_in_order_and_reports_truncation() {
        let mut c = Cursor::new(b"\x01\x02\x00abc\nxyz");
        assert_eq!(c.u8(), Ok(1));
        assert_eq!(c.u16(), Ok(2));
        assert_eq!(c.line(), Ok("abc"));
        assert_eq!(c.position(), 7);
        assert!(c.line().unwrap_err().contains("truncated"));
        assert!(c.u32().unwrap_err().contains("truncated"));
        assert!(c.take_len(u64::MAX).is_err());
        assert_eq!(c.take(3), Ok(&b"xyz"[..]));
    }
}
