//! Tests of the pickle machine on hand-assembled pickles (opcodes as
//! CPython's `pickletools.dis` names them, in the comments).

use super::*;

fn run(bytes: &[u8]) -> Result<Value, String> {
    unpickle(&mut Cursor::new(bytes), &mut StorageTable::new())
}

fn entries(value: &Value) -> Vec<(String, String)> {
    value.entries().expect("a mapping").iter().map(|(k, v)| (k.key_text(), v.summary())).collect()
}

fn pair(key: &str, value: &str) -> (String, String) {
    (key.to_string(), value.to_string())
}

#[test]
fn a_dict_subclass_keeps_its_items_and_records_its_state() {
    // PROTO 2; GLOBAL '__main__ Cfg'; EMPTY_TUPLE; NEWOBJ; BINPUT 1;
    // MARK 'a' 1 SETITEMS; EMPTY_DICT 'imm' False SETITEM; BUILD; STOP
    let bytes = b"\x80\x02c__main__\nCfg\n)\x81q\x01(X\x01\x00\x00\x00aK\x01u}X\x03\x00\x00\x00imm\x89sb.";
    let value = run(bytes).unwrap();
    assert_eq!(value.kind(), "__main__.Cfg");
    assert_eq!(entries(&value), [pair("a", "int 1")]);
    let Value::Object(object) = &value else { panic!("an object") };
    assert_eq!(object.state.as_ref().map(entries), Some(vec![pair("imm", "bool False")]));
}

#[test]
fn a_memoised_container_is_seen_with_what_was_added_after() {
    // EMPTY_LIST; MARK; EMPTY_DICT; BINPUT 1; MARK 'a' 1 SETITEMS; BINGET 1; APPENDS; STOP
    let value = run(b"](}q\x01(X\x01\x00\x00\x00aK\x01uh\x01e.").unwrap();
    let Value::List(items) = value else { panic!("a list") };
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|d| entries(d) == [pair("a", "int 1")]));
}

#[test]
fn protocol_0_text_opcodes_are_read() {
    // MARK DICT PUT 0; STRING 'a'; INT 1; SETITEM; STRING 'b'; FLOAT 2.5; SETITEM; STOP
    let value = run(b"(dp0\nS'a'\nI1\nsS'b'\nF2.5\ns.").unwrap();
    assert_eq!(entries(&value), [pair("a", "int 1"), pair("b", "float 2.5")]);
    // MARK LIST; INT 01 (True); APPEND; STOP
    assert!(matches!(run(b"(lI01\na.").unwrap(), Value::List(items) if matches!(items[0], Value::Bool(true))));
}

#[test]
fn long_integers_keep_their_sign_and_wide_ones_their_bytes() {
    assert!(matches!(run(b"\x8a\x01\xff.").unwrap(), Value::Int(-1)));
    assert!(matches!(run(b"\x8a\x02\x00\x01.").unwrap(), Value::Int(256)));
    let magic = b"\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.";
    assert!(matches!(run(magic).unwrap(), Value::BigInt(b) if b.len() == 10));
}

#[test]
fn tensors_are_rebuilt_from_their_storage_and_strides() {
    // GLOBAL torch._utils _rebuild_tensor_v2; MARK; MARK 'storage' GLOBAL torch FloatStorage
    // '0' 'cpu' 6 TUPLE BINPERSID; 0; (2, 3); (3, 1); False; OrderedDict(); TUPLE; REDUCE; STOP
    let bytes = b"ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\n\
X\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x06tQK\x00K\x02K\x03\x86K\x03K\x01\x86\x89\
ccollections\nOrderedDict\n)RtR.";
    let mut storages = StorageTable::new();
    let value = unpickle(&mut Cursor::new(bytes), &mut storages).unwrap();
    let Value::Tensor(tensor) = value else { panic!("a tensor, got {value:?}") };
    assert_eq!((tensor.shape.as_slice(), tensor.stride.as_slice()), (&[2, 3][..], &[3, 1][..]));
    assert_eq!((tensor.storage.key.as_str(), tensor.elem), ("0", Elem::F32));
    assert_eq!(storages.get("0"), Some(&Elem::F32));
}

#[test]
fn malformed_pickles_are_errors() {
    for (bytes, what) in [
        (&b"s."[..], "underflow"),
        (b"0.", "underflow"),
        (b"h\x05.", "memo slot 5"),
        (b"K\x01K\x02u.", "MARK"),
        (b"(K\x01K\x02K\x03d.", "without a value"),
        (b"K\x01\x81.", "underflow"),
        (b"K\x01K\x02a.", "APPENDS on a int"),
        (b"\xa5.", "unknown pickle opcode"),
        (b"X\xff\xff\x00\x00ab.", "truncated"),
        (b"}", "truncated"),
    ] {
        let err = run(bytes).unwrap_err();
        assert!(err.contains(what), "{bytes:?}: {err}");
    }
}

#[test]
fn deep_nesting_is_refused_before_it_can_overflow_a_walk() {
    let mut bytes = b")".to_vec();
    bytes.extend(std::iter::repeat_n(0x85u8, MAX_DEPTH + 5)); // TUPLE1 around it, again and again
    bytes.push(b'.');
    assert!(run(&bytes).unwrap_err().contains("nest deeper"));
}

#[test]
fn random_bytes_never_panic() {
    // Opcodes and small operands drawn at random: every outcome must be a
    // value or an error.
    let alphabet = b"().0125NIJKLMFGSTUVXBC)]}tldaesupqrghjcPQRbio\x80\x81\x85\x86\x87\x88\x89\x8a\x8c\x8f\x90\x91\x93\x94\x95\n\x00\x01\x02'";
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut parsed = 0;
    for _ in 0..20_000 {
        let len = (next() % 40) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
        parsed += usize::from(run(&bytes).is_ok());
    }
    assert!(parsed > 0, "some random pickles are well formed");
}
