//! Finding the model's state dict in what a checkpoint saved, and naming
//! everything left beside it.

use std::collections::HashMap;
use std::rc::Rc;

use super::value::{TensorRef, Value};
use crate::weights::SkippedEntry;

/// Keys under which training scripts nest a state dict, in order of
/// preference (timm keeps `state_dict` beside `state_dict_ema`).
const NESTED_STATE_DICT_KEYS: [&str; 3] = ["model", "state_dict", "model_state"];
/// How many nested state dicts are followed (`{"model": {"state_dict": …}}`).
const MAX_NESTING: usize = 3;
/// Most values visited looking for tensors (shared containers can make a
/// small pickle a huge tree).
const MAX_VISITS: usize = 10_000_000;

/// The tensors of a state dict, by name, and what was left out.
#[derive(Debug)]
pub struct StateDict {
    /// `(name, tensor)` in file order, the DDP prefix `module.` removed.
    pub tensors: Vec<(String, Rc<TensorRef>)>,
    /// Entries beside the state dict, and entries in it that are not tensors.
    pub skipped: Vec<SkippedEntry>,
}

/// The state dict in `root` (a dict, dict subclass or module): the mapping
/// under the first of [`NESTED_STATE_DICT_KEYS`] that holds tensors
/// (repeatedly), else `root` itself.
pub fn find_state_dict(root: &Value) -> Result<StateDict, String> {
    let Some(mut entries) = root.entries() else {
        return Err(format!("the file holds a {}, not a state dict or module", root.summary()));
    };
    let mut visits = 0;
    let mut prefix = String::new();
    let mut skipped = Vec::new();
    for _ in 0..MAX_NESTING {
        let mut nested = None;
        for key in NESTED_STATE_DICT_KEYS {
            if let Some((_, value)) = entries.iter().find(|(k, v)| k.key_text() == key && v.entries().is_some()) {
                if holds_tensor(value, &mut visits)? {
                    nested = Some((key, value));
                    break;
                }
            }
        }
        let Some((key, value)) = nested else { break };
        for (k, v) in entries.iter().filter(|(k, _)| k.key_text() != key) {
            skipped.push(SkippedEntry { name: format!("{prefix}{}", k.key_text()), kind: v.summary() });
        }
        prefix = format!("{prefix}{key}.");
        entries = value.entries().unwrap_or_default();
    }
    let mut tensors = Vec::new();
    flatten(entries, "", &mut tensors, &mut skipped, &mut visits)?;
    if tensors.is_empty() {
        let names: Vec<String> = skipped.iter().map(|s| format!("{} ({})", s.name, s.kind)).collect();
        return Err(format!("no tensors found in the checkpoint (it holds {})", list_or_nothing(&names)));
    }
    // A key given twice keeps its place and takes the later value, as a dict would.
    let mut first_at = HashMap::new();
    let mut unique: Vec<(String, Rc<TensorRef>)> = Vec::new();
    for (name, tensor) in tensors {
        let name = name.strip_prefix("module.").map(str::to_string).unwrap_or(name);
        match first_at.get(&name) {
            Some(&at) => unique[at] = (name, tensor),
            None => {
                first_at.insert(name.clone(), unique.len());
                unique.push((name, tensor));
            }
        }
    }
    Ok(StateDict { tensors: unique, skipped })
}

/// Tensors of a mapping by dotted name; anything else goes to `skipped`
/// (named from the state dict's root).
fn flatten(
    entries: &[(Value, Value)],
    prefix: &str,
    tensors: &mut Vec<(String, Rc<TensorRef>)>,
    skipped: &mut Vec<SkippedEntry>,
    visits: &mut usize,
) -> Result<(), String> {
    for (key, value) in entries {
        visit(visits)?;
        let name = format!("{prefix}{}", key.key_text());
        match value {
            Value::Tensor(tensor) => tensors.push((name, Rc::clone(tensor))),
            other => match other.entries() {
                Some(inner) => flatten(inner, &format!("{name}."), tensors, skipped, visits)?,
                None => skipped.push(SkippedEntry { name, kind: other.summary() }),
            },
        }
    }
    Ok(())
}

fn holds_tensor(value: &Value, visits: &mut usize) -> Result<bool, String> {
    visit(visits)?;
    match value {
        Value::Tensor(_) => Ok(true),
        other => {
            for (_, inner) in other.entries().unwrap_or_default() {
                if holds_tensor(inner, visits)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
    }
}

fn visit(visits: &mut usize) -> Result<(), String> {
    *visits += 1;
    if *visits > MAX_VISITS {
        return Err(format!("the checkpoint holds more than {MAX_VISITS} entries"));
    }
    Ok(())
}

fn list_or_nothing(names: &[String]) -> String {
    if names.is_empty() {
        "nothing".into()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weights::pth::value::{Elem, Object, Storage};

    fn tensor() -> Value {
        let storage = Rc::new(Storage { key: "0".into(), elem: Elem::F32, offset: 0 });
        Value::Tensor(Rc::new(TensorRef { storage, elem: Elem::F32, offset: 0, shape: vec![1], stride: vec![1] }))
    }

    fn dict(entries: Vec<(&str, Value)>) -> Value {
        Value::Dict(Rc::new(entries.into_iter().map(|(k, v)| (Value::Str(k.into()), v)).collect()))
    }

    fn names(found: &StateDict) -> (Vec<&str>, Vec<String>) {
        let tensors = found.tensors.iter().map(|(n, _)| n.as_str()).collect();
        let skipped = found.skipped.iter().map(|s| format!("{}:{}", s.name, s.kind)).collect();
        (tensors, skipped)
    }

    #[test]
    fn nested_state_dict_is_found_and_its_neighbours_named() {
        let config = Object {
            class: "__main__.CfgNode".into(),
            items: Some(vec![(Value::Str("LR".into()), Value::Float(0.1))]),
            elements: Vec::new(),
            state: None,
        };
        let optimizer = dict(vec![("state", dict(vec![("0", dict(vec![("exp_avg", tensor())]))]))]);
        let root = dict(vec![
            ("optimizer", optimizer),
            ("model", dict(vec![("module.head.weight", tensor()), ("module.head.bias", tensor())])),
            ("epoch", Value::Int(3)),
            ("config", Value::Object(Rc::new(config))),
        ]);
        let found = find_state_dict(&root).unwrap();
        let (tensors, skipped) = names(&found);
        assert_eq!(tensors, ["head.weight", "head.bias"]);
        assert_eq!(skipped, ["optimizer:dict", "epoch:int 3", "config:__main__.CfgNode"]);
    }

    #[test]
    fn a_flat_state_dict_keeps_nested_names_and_skips_non_tensors() {
        let root = dict(vec![
            ("a", dict(vec![("weight", tensor())])),
            ("b.weight", tensor()),
            ("version", Value::Int(2)),
            ("b.weight", tensor()),
        ]);
        let found = find_state_dict(&root).unwrap();
        let (tensors, skipped) = names(&found);
        assert_eq!(tensors, ["a.weight", "b.weight"]);
        assert_eq!(skipped, ["version:int 2"]);
    }

    #[test]
    fn a_model_entry_without_tensors_is_not_taken_for_the_weights() {
        let root = dict(vec![("model", dict(vec![("name", Value::Str("asmlp".into()))])), ("w", tensor())]);
        let found = find_state_dict(&root).unwrap();
        assert_eq!(names(&found).0, ["w"]);
        assert_eq!(names(&found).1, ["model.name:str 'asmlp'"]);
    }

    #[test]
    fn no_tensors_and_no_mapping_are_told_apart() {
        let err = find_state_dict(&dict(vec![("epoch", Value::Int(1))])).unwrap_err();
        assert!(err.contains("no tensors") && err.contains("epoch (int 1)"), "{err}");
        let err = find_state_dict(&Value::List(Rc::default())).unwrap_err();
        assert!(err.contains("holds a list"), "{err}");
    }
}
