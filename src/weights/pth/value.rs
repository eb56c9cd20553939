//! What the pickle machine builds: Python values as far as a weight loader
//! needs them, with every class it does not know kept as an opaque
//! [`Object`].

use std::rc::Rc;

use burn::tensor::DType;

/// A Python value. Containers are shared (`Rc`) so that memo references
/// cost nothing; they are never cyclic, since a container is copied rather
/// than aliased when it changes after being memoised.
#[derive(Debug, Clone)]
pub enum Value {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An integer that fits 64 bits.
    Int(i64),
    /// A wider integer, as little-endian two's complement bytes.
    BigInt(Rc<[u8]>),
    /// A float.
    Float(f64),
    /// A text string.
    Str(Rc<str>),
    /// A byte string.
    Bytes(Rc<[u8]>),
    /// A class or function named by `GLOBAL`, as `module.name`.
    Global(Rc<str>),
    /// A tuple.
    Tuple(Rc<Vec<Value>>),
    /// A list (sets are read as lists too).
    List(Rc<Vec<Value>>),
    /// A dict, in insertion order.
    Dict(Rc<Vec<(Value, Value)>>),
    /// An instance of a class the reader does not interpret.
    Object(Rc<Object>),
    /// A tensor storage named by a persistent id.
    Storage(Rc<Storage>),
    /// A tensor: a view into a storage.
    Tensor(Rc<TensorRef>),
}

/// An instance of an uninterpreted class: what the pickle did to it is
/// recorded, not run.
#[derive(Debug, Clone)]
pub struct Object {
    /// The class (or the function that built it), `module.name`.
    pub class: String,
    /// Its entries: items set on it (`SETITEMS`: a dict subclass such as
    /// yacs' `CfgNode`), or a module's state dict; `None` if it has none.
    pub items: Option<Vec<(Value, Value)>>,
    /// Items appended to it (`APPENDS`: a list subclass's elements).
    pub elements: Vec<Value>,
    /// The state handed to `__setstate__` (`BUILD`), if any.
    pub state: Option<Value>,
}

impl Object {
    /// How many values it holds (what copying it costs).
    pub fn len(&self) -> usize {
        self.items.as_ref().map_or(0, Vec::len) + self.elements.len()
    }
}

/// The element type of a storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem {
    /// `float64`.
    F64,
    /// `float32`.
    F32,
    /// `float16`.
    F16,
    /// `bfloat16`.
    BF16,
    /// `int64`.
    I64,
    /// `int32`.
    I32,
    /// `int16`.
    I16,
    /// `int8`.
    I8,
    /// `uint8`, and bytes of untyped storages.
    U8,
    /// `bool` (one byte each).
    Bool,
}

impl Elem {
    /// From a storage class (`torch.FloatStorage`) or dtype (`torch.float32`).
    pub fn from_torch_name(name: &str) -> Option<Self> {
        let short = name.strip_prefix("torch.")?;
        Some(match short {
            "DoubleStorage" | "float64" => Elem::F64,
            "FloatStorage" | "float32" => Elem::F32,
            "HalfStorage" | "float16" => Elem::F16,
            "BFloat16Storage" | "bfloat16" => Elem::BF16,
            "LongStorage" | "int64" => Elem::I64,
            "IntStorage" | "int32" => Elem::I32,
            "ShortStorage" | "int16" => Elem::I16,
            "CharStorage" | "int8" => Elem::I8,
            "ByteStorage" | "uint8" | "UntypedStorage" | "storage.UntypedStorage" => Elem::U8,
            "BoolStorage" | "bool" => Elem::Bool,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Elem::F64 | Elem::I64 => 8,
            Elem::F32 | Elem::I32 => 4,
            Elem::F16 | Elem::BF16 | Elem::I16 => 2,
            Elem::I8 | Elem::U8 | Elem::Bool => 1,
        }
    }

    /// burn's dtype for these bytes (bools travel as bytes: no model
    /// shiftscope builds has a bool tensor).
    pub fn dtype(self) -> DType {
        match self {
            Elem::F64 => DType::F64,
            Elem::F32 => DType::F32,
            Elem::F16 => DType::F16,
            Elem::BF16 => DType::BF16,
            Elem::I64 => DType::I64,
            Elem::I32 => DType::I32,
            Elem::I16 => DType::I16,
            Elem::I8 => DType::I8,
            Elem::U8 | Elem::Bool => DType::U8,
        }
    }
}

/// A storage named by a persistent id: its bytes live outside the pickle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storage {
    /// The key of its bytes (`data/<key>` in a zip checkpoint).
    pub key: String,
    /// Its element type.
    pub elem: Elem,
    /// Where this view starts in the stored storage, in elements (legacy
    /// files' storage views; 0 otherwise).
    pub offset: usize,
}

/// A tensor as `_rebuild_tensor_v2` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorRef {
    /// The storage holding its elements.
    pub storage: Rc<Storage>,
    /// Its element type (the storage's, or the dtype a v3 rebuild names).
    pub elem: Elem,
    /// First element, in elements from the storage's start.
    pub offset: usize,
    /// Shape.
    pub shape: Vec<usize>,
    /// Strides, in elements.
    pub stride: Vec<usize>,
}

impl Value {
    /// The Python type a user would recognise (`dict`, `float`, or an
    /// object's class).
    pub fn kind(&self) -> String {
        match self {
            Value::None => "None".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) | Value::BigInt(_) => "int".into(),
            Value::Float(_) => "float".into(),
            Value::Str(_) => "str".into(),
            Value::Bytes(_) => "bytes".into(),
            Value::Global(name) => format!("class {name}"),
            Value::Tuple(_) => "tuple".into(),
            Value::List(_) => "list".into(),
            Value::Dict(_) => "dict".into(),
            Value::Object(object) => object.class.clone(),
            Value::Storage(_) => "storage".into(),
            Value::Tensor(_) => "tensor".into(),
        }
    }

    /// The entries of a mapping: a dict, or an object with entries (a dict
    /// subclass, a `torch.nn.Module`).
    pub fn entries(&self) -> Option<&[(Value, Value)]> {
        match self {
            Value::Dict(entries) => Some(entries),
            Value::Object(object) => object.items.as_deref(),
            _ => None,
        }
    }

    /// A dict key as text (state dicts use strings; optimizer states ints).
    pub fn key_text(&self) -> String {
        match self {
            Value::Str(s) => s.to_string(),
            Value::Int(i) => i.to_string(),
            other => format!("<{}>", other.kind()),
        }
    }

    /// The type with the value of a number or short string, for notes
    /// (`int 300`, `float 81.3`, `str 'asmlp'`, `dict`).
    pub fn summary(&self) -> String {
        match self {
            Value::Bool(b) => format!("bool {}", if *b { "True" } else { "False" }),
            Value::Int(i) => format!("int {i}"),
            Value::Float(f) => format!("float {f}"),
            Value::Str(s) if s.chars().count() <= 24 => format!("str '{s}'"),
            Value::Bytes(b) => format!("bytes, {} long", b.len()),
            other => other.kind(),
        }
    }

    /// A text field (bytes that are not UTF-8 are replaced, not refused).
    pub fn text(bytes: &[u8]) -> Value {
        Value::Str(String::from_utf8_lossy(bytes).into())
    }

    /// A decimal integer field (`INT`, `LONG`).
    pub fn int_from_text(text: &str) -> Result<Value, String> {
        let digits = text.trim();
        match digits.parse::<i64>() {
            Ok(i) => Ok(Value::Int(i)),
            Err(_) if !digits.is_empty() && digits.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Value::BigInt(digits.as_bytes().into()))
            }
            Err(_) => Err(format!("`{text}` is not an integer")),
        }
    }

    /// A `LONG1` / `LONG4` payload: little-endian two's complement.
    pub fn int_from_le_bytes(bytes: &[u8]) -> Value {
        if bytes.len() > 8 {
            return Value::BigInt(bytes.into());
        }
        let fill = if bytes.last().is_some_and(|&b| b & 0x80 != 0) { 0xff } else { 0 };
        let mut wide = [fill; 8];
        wide[..bytes.len()].copy_from_slice(bytes);
        Value::Int(i64::from_le_bytes(wide))
    }

    /// A non-negative integer, or why not.
    pub fn index(&self, what: &str) -> Result<usize, String> {
        match self {
            Value::Int(i) => usize::try_from(*i).map_err(|_| format!("{what} is negative ({i})")),
            Value::Bool(b) => Ok(usize::from(*b)),
            other => Err(format!("{what} must be an integer, not {}", other.kind())),
        }
    }

    /// A tuple or list of non-negative integers (a shape or strides).
    pub fn indices(&self, what: &str) -> Result<Vec<usize>, String> {
        match self {
            Value::Tuple(items) | Value::List(items) => items.iter().map(|v| v.index(what)).collect(),
            other => Err(format!("{what} must be a tuple, not {}", other.kind())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_classes_and_dtypes_name_the_same_elements() {
        for (class, dtype) in [("FloatStorage", "float32"), ("HalfStorage", "float16"), ("LongStorage", "int64")] {
            let elem = Elem::from_torch_name(&format!("torch.{class}"));
            assert!(elem.is_some(), "{class}");
            assert_eq!(elem, Elem::from_torch_name(&format!("torch.{dtype}")));
        }
        assert_eq!(Elem::from_torch_name("torch.FloatStorage").map(Elem::size), Some(4));
        assert_eq!(Elem::from_torch_name("torch.ComplexFloatStorage"), None);
        assert_eq!(Elem::from_torch_name("numpy.float32"), None);
    }

    #[test]
    fn dict_subclass_objects_read_as_mappings() {
        let key = Value::Str("lr".into());
        let object = Object {
            class: "__main__.CfgNode".into(),
            items: Some(vec![(key.clone(), Value::Float(0.1))]),
            elements: Vec::new(),
            state: None,
        };
        let value = Value::Object(Rc::new(object));
        assert_eq!(value.kind(), "__main__.CfgNode");
        assert_eq!(value.summary(), "__main__.CfgNode");
        assert_eq!(Value::Float(81.25).summary(), "float 81.25");
        assert_eq!(Value::Str("x".repeat(30).into()).summary(), "str");
        assert_eq!(value.entries().map(|e| e[0].0.key_text()), Some("lr".to_string()));
        assert!(Value::Tuple(Rc::new(vec![key])).entries().is_none());
    }

    #[test]
    fn shapes_must_be_non_negative_integers() {
        let shape = Value::Tuple(Rc::new(vec![Value::Int(2), Value::Int(3)]));
        assert_eq!(shape.indices("size"), Ok(vec![2, 3]));
        let negative = Value::Tuple(Rc::new(vec![Value::Int(-1)]));
        assert!(negative.indices("size").unwrap_err().contains("negative"));
        assert!(Value::Float(1.0).indices("size").unwrap_err().contains("float"));
    }
}
