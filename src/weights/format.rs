//! Recognising a weight file by its first bytes.

/// The container formats shiftscope reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightFormat {
    /// safetensors (8-byte header length, then a JSON header).
    Safetensors,
    /// burn's burnpack (magic `NRUB`).
    Burnpack,
    /// PyTorch `torch.save` output (a zip archive or a legacy pickle).
    Pytorch,
}

impl WeightFormat {
    /// Human-readable name.
    pub fn name(self) -> &'static str {
        match self {
            WeightFormat::Safetensors => "safetensors",
            WeightFormat::Burnpack => "burnpack",
            WeightFormat::Pytorch => "PyTorch",
        }
    }
}

/// The format of a weight file from its first 16 bytes, if recognisable.
pub fn detect_format(head: &[u8]) -> Option<WeightFormat> {
    if head.starts_with(b"NRUB") {
        return Some(WeightFormat::Burnpack);
    }
    if head.starts_with(b"PK\x03\x04") || head.first() == Some(&0x80) {
        return Some(WeightFormat::Pytorch);
    }
    if head.len() >= 9 && head[8] == b'{' {
        return Some(WeightFormat::Safetensors);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_apart_by_magic() {
        assert_eq!(detect_format(b"NRUB\x01\x00"), Some(WeightFormat::Burnpack));
        assert_eq!(detect_format(b"PK\x03\x04rest"), Some(WeightFormat::Pytorch));
        assert_eq!(detect_format(b"\x80\x02}q"), Some(WeightFormat::Pytorch));
        assert_eq!(detect_format(b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\""), Some(WeightFormat::Safetensors));
        assert_eq!(detect_format(b"GIF89a"), None);
        assert_eq!(detect_format(b""), None);
    }
}
