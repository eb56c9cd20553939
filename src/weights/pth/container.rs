//! The two containers `torch.save` writes around its pickle, and tensor
//! bytes cut out of their storages.
//!
//! - **zip** (torch ≥ 1.6, the default): `<root>/data.pkl` holds the
//!   pickle, `<root>/data/<key>` each storage's raw little-endian bytes.
//! - **legacy** (`_use_new_zipfile_serialization=False`, torch < 1.6): five
//!   pickles in a row (magic number, protocol 1001, system info, the object,
//!   the sorted storage keys), then per key an `i64` element count and the
//!   bytes.
//!
//! A file that is one pickle and nothing else (no magic number) is read as
//! that pickle, without storages.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Read;

use zip::{CompressionMethod, ZipArchive};

use super::cursor::Cursor;
use super::machine::{unpickle, StorageTable};
use super::value::{TensorRef, Value};

/// The legacy format's magic number, its first pickle.
const LEGACY_MAGIC: u128 = 0x1950a86a20f9469cfc6c;
/// Largest tensor materialised beyond its storage's size (a zero stride
/// lets a view outgrow its storage; a real one hardly ever does by much).
const MAX_VIEW_BYTES: usize = 256 << 20;

/// A checkpoint's unpickled object and where its storages' bytes are.
pub struct Checkpoint<'a> {
    /// What was saved.
    pub root: Value,
    storages: Storages<'a>,
}

enum Storages<'a> {
    /// `bytes`: the whole archive, which stored entries are borrowed from.
    Zip {
        archive: ZipArchive<std::io::Cursor<&'a [u8]>>,
        bytes: &'a [u8],
        prefix: String,
    },
    Stream(HashMap<String, &'a [u8]>),
}

impl<'a> Checkpoint<'a> {
    /// Parses the container and its pickle; storages are read only when a
    /// tensor asks for them.
    pub fn open(bytes: &'a [u8]) -> Result<Self, String> {
        if bytes.starts_with(b"PK\x03\x04") {
            Self::open_zip(bytes)
        } else {
            Self::open_stream(bytes)
        }
    }

    fn open_zip(bytes: &'a [u8]) -> Result<Self, String> {
        let mut archive = ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| format!("zip archive: {e}"))?;
        let pickle_name = archive
            .file_names()
            .filter_map(|name| name.ok())
            .filter(|name| name.ends_with("data.pkl") && name.matches('/').count() <= 1)
            .min_by_key(|name| name.len())
            .map(|name| name.into_owned())
            .ok_or("the zip archive has no data.pkl: not a torch.save file")?;
        let prefix = pickle_name.trim_end_matches("data.pkl").to_string();
        if let Ok(order) = read_entry(&mut archive, bytes, &format!("{prefix}byteorder")) {
            if &order[..] != b"little" {
                return Err(format!("byte order `{}` is not supported", String::from_utf8_lossy(&order)));
            }
        }
        let pickle = read_entry(&mut archive, bytes, &pickle_name)?;
        let root = unpickle(&mut Cursor::new(&pickle), &mut StorageTable::new())?;
        Ok(Checkpoint { root, storages: Storages::Zip { archive, bytes, prefix } })
    }

    fn open_stream(bytes: &'a [u8]) -> Result<Self, String> {
        let mut cursor = Cursor::new(bytes);
        let mut table = StorageTable::new();
        let first = unpickle(&mut cursor, &mut table)?;
        let magic = &LEGACY_MAGIC.to_le_bytes()[..10];
        if !matches!(&first, Value::BigInt(b) if &b[..] == magic) {
            return Ok(Checkpoint { root: first, storages: Storages::Stream(HashMap::new()) });
        }
        match unpickle(&mut cursor, &mut table)? {
            Value::Int(1001) => {}
            other => return Err(format!("legacy protocol {other:?} is not supported (1001 is)")),
        }
        let system = unpickle(&mut cursor, &mut table)?;
        let little = system.entries().and_then(|e| e.iter().find(|(k, _)| k.key_text() == "little_endian"));
        if matches!(little, Some((_, Value::Bool(false)))) {
            return Err("big-endian legacy files are not supported".into());
        }
        let root = unpickle(&mut cursor, &mut table)?;
        let keys = match unpickle(&mut cursor, &mut table)? {
            Value::List(keys) => keys,
            other => return Err(format!("legacy storage key list is a {}", other.kind())),
        };
        let mut storages = HashMap::new();
        for key in keys.iter().map(Value::key_text) {
            let elem = *table.get(&key).ok_or_else(|| format!("storage {key} is listed but never used"))?;
            let count = cursor.u64()?;
            let len = count.checked_mul(elem.size() as u64).ok_or("storage size overflows")?;
            storages.insert(key, cursor.take_len(len)?);
        }
        Ok(Checkpoint { root, storages: Storages::Stream(storages) })
    }

    /// The raw bytes of storage `key`, borrowed from the file where it holds
    /// them as they are (always, for what `torch.save` writes).
    pub fn storage(&mut self, key: &str) -> Result<Cow<'a, [u8]>, String> {
        match &mut self.storages {
            Storages::Zip { archive, bytes, prefix } => read_entry(archive, bytes, &format!("{prefix}data/{key}")),
            Storages::Stream(storages) => {
                storages.get(key).map(|b| Cow::Borrowed(*b)).ok_or_else(|| format!("storage {key} is not in the file"))
            }
        }
    }
}

/// The bytes of zip entry `name` of `bytes`: borrowed when stored
/// uncompressed, as `torch.save` stores every entry (checked against the
/// entry's CRC-32 all the same), else inflated, up to the archive's own size
/// (which no stored entry can exceed, whatever a damaged header claims).
fn read_entry<'a>(
    archive: &mut ZipArchive<std::io::Cursor<&'a [u8]>>,
    bytes: &'a [u8],
    name: &str,
) -> Result<Cow<'a, [u8]>, String> {
    let entry = archive.by_name(name).map_err(|e| format!("zip entry {name}: {e}"))?;
    let stored = entry.compression() == CompressionMethod::Stored && entry.compressed_size() == entry.size();
    if let (true, false, Some(start)) = (stored, entry.encrypted(), entry.data_start()) {
        let range = usize::try_from(start).ok().zip(usize::try_from(entry.size()).ok());
        let data = range.and_then(|(start, len)| bytes.get(start..start.checked_add(len)?));
        let data = data.ok_or_else(|| format!("zip entry {name} reaches past the end of the file"))?;
        if crc32fast::hash(data) != entry.crc32() {
            return Err(format!("zip entry {name}: its checksum does not match, the file is corrupt"));
        }
        return Ok(Cow::Borrowed(data));
    }
    let limit = bytes.len() as u64;
    if entry.size() > limit {
        return Err(format!("zip entry {name} claims {} bytes", entry.size()));
    }
    let mut out = Vec::with_capacity(entry.size() as usize);
    entry.take(limit).read_to_end(&mut out).map_err(|e| format!("zip entry {name}: {e}"))?;
    Ok(Cow::Owned(out))
}

/// The bytes of `tensor` in row-major order, cut out of its storage's
/// bytes by offset and strides; fails when the view reaches past them.
pub fn tensor_bytes(tensor: &TensorRef, storage: &[u8]) -> Result<Vec<u8>, String> {
    let size = tensor.elem.size();
    let too_big = || format!("tensor of size {:?} is too large", tensor.shape);
    let count = tensor.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)).ok_or_else(too_big)?;
    if count.checked_mul(size).is_none_or(|bytes| bytes > storage.len().max(MAX_VIEW_BYTES)) {
        return Err(too_big());
    }
    if count == 0 {
        return Ok(Vec::new());
    }
    let start = tensor.storage.offset.checked_add(tensor.offset).ok_or_else(too_big)?;
    let reach = tensor
        .shape
        .iter()
        .zip(&tensor.stride)
        .try_fold(start, |last, (&d, &s)| (d - 1).checked_mul(s).and_then(|step| last.checked_add(step)));
    let available = storage.len() / size;
    match reach {
        Some(last) if last < available => {}
        _ => {
            return Err(format!(
                "tensor of size {:?} (offset {start}, stride {:?}) reaches past its storage of {available} elements",
                tensor.shape, tensor.stride
            ))
        }
    }
    if is_row_major(&tensor.shape, &tensor.stride) {
        return Ok(storage[start * size..(start + count) * size].to_vec());
    }
    let mut out = Vec::with_capacity(count * size);
    let mut index = vec![0usize; tensor.shape.len()];
    for _ in 0..count {
        let at = start + index.iter().zip(&tensor.stride).map(|(i, s)| i * s).sum::<usize>();
        out.extend_from_slice(&storage[at * size..(at + 1) * size]);
        for (i, &d) in index.iter_mut().zip(&tensor.shape).rev() {
            *i += 1;
            if *i < d {
                break;
            }
            *i = 0;
        }
    }
    Ok(out)
}

fn is_row_major(shape: &[usize], stride: &[usize]) -> bool {
    let mut expected = 1;
    for (&d, &s) in shape.iter().zip(stride).rev() {
        if d != 1 && s != expected {
            return false;
        }
        expected *= d;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weights::pth::value::{Elem, Storage};
    use std::rc::Rc;

    fn view(offset: usize, shape: &[usize], stride: &[usize]) -> TensorRef {
        let storage = Rc::new(Storage { key: "0".into(), elem: Elem::U8, offset: 0 });
        TensorRef { storage, elem: Elem::U8, offset, shape: shape.to_vec(), stride: stride.to_vec() }
    }

    #[test]
    fn views_are_gathered_in_row_major_order() {
        let storage: Vec<u8> = (0..12).collect();
        // A 3×4 matrix, its transpose, a column and a broadcast row.
        assert_eq!(tensor_bytes(&view(0, &[3, 4], &[4, 1]), &storage).unwrap(), storage);
        assert_eq!(tensor_bytes(&view(0, &[4, 3], &[1, 4]), &storage).unwrap(), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
        assert_eq!(tensor_bytes(&view(2, &[3], &[4]), &storage).unwrap(), [2, 6, 10]);
        assert_eq!(tensor_bytes(&view(1, &[2, 2], &[0, 1]), &storage).unwrap(), [1, 2, 1, 2]);
        assert!(tensor_bytes(&view(0, &[0, 5], &[5, 1]), &storage).unwrap().is_empty());
    }

    #[test]
    fn views_past_their_storage_are_refused() {
        let storage = [0u8; 12];
        assert!(tensor_bytes(&view(1, &[3, 4], &[4, 1]), &storage).unwrap_err().contains("reaches past"));
        assert!(tensor_bytes(&view(0, &[2], &[usize::MAX]), &storage).is_err());
        assert!(tensor_bytes(&view(0, &[usize::MAX, 4], &[0, 0]), &storage).unwrap_err().contains("too large"));
    }

    #[test]
    fn a_bare_pickle_is_its_own_root_and_garbage_is_an_error() {
        // protocol 2: EMPTY_DICT, STOP.
        let checkpoint = Checkpoint::open(b"\x80\x02}.").unwrap();
        assert!(matches!(checkpoint.root, Value::Dict(_)));
        assert!(Checkpoint::open(b"\x80\x02}").is_err());
        let err = Checkpoint::open(b"PK\x03\x04 not really a zip").err().expect("refused");
        assert!(err.contains("zip"), "{err}");
    }
}
