//! What the pickle machine interprets of the calls a pickle makes: tensor
//! and parameter rebuilds, `OrderedDict`, sets, storages named by
//! persistent id, and the state dict of a pickled `torch.nn.Module`.
//! Everything else is an instance of an opaque class.

use std::rc::Rc;

use super::value::{Elem, Storage, TensorRef, Value};

/// The outcome of `REDUCE callable(args)`.
pub enum Call {
    /// A value the reader understands.
    Built(Value),
    /// An instance of this class, left opaque.
    Instance(String),
    /// Another call to make: `(callable, args)` (a tensor subclass's inner
    /// rebuild).
    Again(Value, Value),
}

/// Interprets `name(*fields)`.
pub fn call(name: &str, fields: &[Value]) -> Result<Call, String> {
    Ok(Call::Built(match name {
        "torch._utils._rebuild_tensor" | "torch._utils._rebuild_tensor_v2" => tensor(fields, None)?,
        "torch._utils._rebuild_tensor_v3" => tensor(fields, fields.get(6))?,
        "torch._utils._rebuild_parameter" | "torch._utils._rebuild_parameter_with_state" => {
            fields.first().cloned().ok_or("a parameter without data")?
        }
        "torch._tensor._rebuild_from_type_v2" if fields.len() >= 3 => {
            return Ok(Call::Again(fields[0].clone(), fields[2].clone()));
        }
        "collections.OrderedDict" => match fields.first() {
            None => Value::Dict(Rc::default()),
            Some(Value::List(items) | Value::Tuple(items)) => {
                let mut entries = Vec::with_capacity(items.len());
                for item in items.iter() {
                    entries.extend(pairs_of(sequence(item).to_vec())?);
                }
                Value::Dict(Rc::new(entries))
            }
            Some(other) => return Err(format!("OrderedDict of a {}", other.kind())),
        },
        "builtins.set" | "builtins.frozenset" | "__builtin__.set" | "__builtin__.frozenset" => {
            Value::List(Rc::new(fields.first().map(sequence).unwrap_or_default().to_vec()))
        }
        "copyreg._reconstructor" | "copy_reg._reconstructor" if !fields.is_empty() => {
            return Ok(Call::Instance(fields[0].callable_name()));
        }
        _ => return Ok(Call::Instance(name.to_string())),
    }))
}

/// `_rebuild_tensor_v2(storage, offset, size, stride, …)`; `dtype` is v3's.
fn tensor(fields: &[Value], dtype: Option<&Value>) -> Result<Value, String> {
    let [Value::Storage(storage), offset, size, stride, ..] = fields else {
        return Err("a tensor rebuilt from something other than (storage, offset, size, stride)".into());
    };
    let (shape, stride) = (size.indices("tensor size")?, stride.indices("tensor stride")?);
    if shape.len() != stride.len() {
        return Err(format!("tensor of size {shape:?} with stride {stride:?}"));
    }
    let elem = match dtype {
        Some(Value::Global(name)) => {
            Elem::from_torch_name(name).ok_or_else(|| format!("dtype {name} is not supported"))?
        }
        _ => storage.elem,
    };
    let offset = offset.index("storage offset")?;
    Ok(Value::Tensor(Rc::new(TensorRef { storage: Rc::clone(storage), elem, offset, shape, stride })))
}

/// The storage a persistent id `('storage', type, key, location, numel[,
/// view])` names.
pub fn storage(pid: &Value) -> Result<Storage, String> {
    let fields = match pid {
        Value::Tuple(fields) if fields.len() >= 5 && matches!(&fields[0], Value::Str(t) if &**t == "storage") => fields,
        other => return Err(format!("a persistent id that is not a torch storage ({})", other.kind())),
    };
    let elem = match &fields[1] {
        Value::Global(name) | Value::Str(name) => {
            Elem::from_torch_name(name).ok_or_else(|| format!("storage type {name} is not supported"))?
        }
        other => return Err(format!("storage type is a {}", other.kind())),
    };
    let key = match &fields[2] {
        Value::Str(_) | Value::Int(_) => fields[2].key_text(),
        other => return Err(format!("storage key is a {}", other.kind())),
    };
    // Legacy files' storage views: (view key, offset in elements, size).
    let offset = match fields.get(5) {
        Some(Value::Tuple(view)) if view.len() == 3 => view[1].index("storage view offset")?,
        _ => 0,
    };
    Ok(Storage { key, elem, offset })
}

/// The state dict entries of a pickled `torch.nn.Module` from the
/// attributes `BUILD` hands it: parameters, persistent buffers, then
/// submodules (themselves objects with entries), as `state_dict()` orders
/// them. `None` for the state of anything else.
pub fn module_entries(state: &Value) -> Option<Vec<(Value, Value)>> {
    let attrs = state.entries()?;
    let attr = |name: &str| attrs.iter().find(|(k, _)| k.key_text() == name).map(|(_, v)| v);
    let parameters = attr("_parameters")?.entries()?;
    let modules = attr("_modules")?.entries()?;
    let buffers = attr("_buffers").and_then(Value::entries).unwrap_or_default();
    let transient: Vec<String> = attr("_non_persistent_buffers_set")
        .map(|set| sequence(set).iter().map(Value::key_text).collect())
        .unwrap_or_default();
    let buffers = buffers.iter().filter(|(k, _)| !transient.contains(&k.key_text()));
    let present = |(_, v): &&(Value, Value)| !matches!(v, Value::None);
    Some(parameters.iter().chain(buffers).chain(modules.iter()).filter(present).cloned().collect())
}

/// Alternating keys and values as pairs.
pub fn pairs_of(values: Vec<Value>) -> Result<Vec<(Value, Value)>, String> {
    if !values.len().is_multiple_of(2) {
        return Err("a dict item without a value".into());
    }
    let mut it = values.into_iter();
    Ok(std::iter::from_fn(|| Some((it.next()?, it.next()?))).collect())
}

fn sequence(value: &Value) -> &[Value] {
    match value {
        Value::Tuple(items) | Value::List(items) => items,
        _ => &[],
    }
}

impl Value {
    /// The class name an object built by calling this gets.
    pub fn callable_name(&self) -> String {
        match self {
            Value::Global(name) => name.to_string(),
            other => other.kind(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value {
        Value::Str(text.into())
    }

    fn dict(entries: Vec<(&str, Value)>) -> Value {
        Value::Dict(Rc::new(entries.into_iter().map(|(k, v)| (s(k), v)).collect()))
    }

    #[test]
    fn unknown_calls_are_opaque_instances_and_known_ones_build() {
        assert!(matches!(call("argparse.Namespace", &[]), Ok(Call::Instance(c)) if c == "argparse.Namespace"));
        let pairs = Value::List(Rc::new(vec![Value::Tuple(Rc::new(vec![s("a"), Value::Int(1)]))]));
        let Ok(Call::Built(Value::Dict(entries))) = call("collections.OrderedDict", &[pairs]) else { panic!() };
        assert_eq!(entries[0].0.key_text(), "a");
        assert!(call("torch._utils._rebuild_tensor_v2", &[Value::Int(0)]).is_err());
    }

    #[test]
    fn storages_come_from_torch_persistent_ids_only() {
        let pid = |kind: &str| {
            let fields = [s("storage"), Value::Global(kind.into()), s("7"), s("cpu"), Value::Int(4)];
            Value::Tuple(Rc::new(fields.to_vec()))
        };
        assert_eq!(storage(&pid("torch.HalfStorage")), Ok(Storage { key: "7".into(), elem: Elem::F16, offset: 0 }));
        assert!(storage(&pid("torch.QInt8Storage")).unwrap_err().contains("not supported"));
        assert!(storage(&s("storage")).is_err());
    }

    #[test]
    fn module_state_keeps_parameters_persistent_buffers_and_children() {
        let state = dict(vec![
            ("training", Value::Bool(false)),
            ("_parameters", dict(vec![("weight", Value::Int(1)), ("bias", Value::None)])),
            ("_buffers", dict(vec![("mean", Value::Int(2)), ("cache", Value::Int(3))])),
            ("_non_persistent_buffers_set", Value::List(Rc::new(vec![s("cache")]))),
            ("_modules", dict(vec![("fc", Value::Int(4))])),
        ]);
        let names: Vec<String> = module_entries(&state).unwrap().iter().map(|(k, _)| k.key_text()).collect();
        assert_eq!(names, ["weight", "mean", "fc"]);
        assert!(module_entries(&dict(vec![("_parameters", dict(vec![]))])).is_none());
    }
}
