//! The pickle stack machine: every opcode of protocols 0–5 except the
//! extension registry and out-of-band buffers. Calls are interpreted as
//! far as [`call`] goes; any other class or function becomes an [`Object`]
//! on which `SETITEMS`, `APPENDS` and `BUILD` are recorded, never run.

use std::collections::HashMap;
use std::rc::Rc;

use super::calls::{call, module_entries, pairs_of, storage, Call};
use super::cursor::Cursor;
use super::value::{Elem, Object, Value};

/// Deepest container nesting accepted; bounds every recursive walk (and
/// drop) of what the machine builds.
pub const MAX_DEPTH: usize = 200;
/// Most container elements copied because a container changed while
/// referenced twice; bounds the work a crafted pickle can cause.
const MAX_COPIED: usize = 20_000_000;

/// The storages a pickle named, by key, with their element types.
pub type StorageTable = HashMap<String, Elem>;

/// A value on the stack or in the memo, with its container depth.
#[derive(Debug, Clone)]
struct Entry {
    value: Value,
    depth: usize,
    /// The memo slot this value was stored in, refreshed when it changes.
    memo: Option<u32>,
}

impl Entry {
    fn scalar(value: Value) -> Self {
        Entry { value, depth: 0, memo: None }
    }
}

/// Runs one pickle from the cursor to its `STOP`, recording the storages
/// its persistent ids name in `storages`.
pub fn unpickle(cursor: &mut Cursor<'_>, storages: &mut StorageTable) -> Result<Value, String> {
    let mut machine = Machine { stack: Vec::new(), marks: Vec::new(), memo: HashMap::new(), copied: 0, storages };
    machine.run(cursor)
}

struct Machine<'s> {
    stack: Vec<Entry>,
    marks: Vec<usize>,
    memo: HashMap<u32, Entry>,
    copied: usize,
    storages: &'s mut StorageTable,
}

impl Machine<'_> {
    fn run(&mut self, c: &mut Cursor<'_>) -> Result<Value, String> {
        loop {
            let at = c.position();
            let op = c.u8()?;
            match op {
                b'.' => return self.pop().map(|e| e.value),
                0x80 => {
                    c.u8()?; // PROTO
                }
                0x95 => {
                    c.u64()?; // FRAME: only a length prefix
                }
                b'(' => self.marks.push(self.stack.len()),
                b'0' => drop(self.pop()?),
                b'1' => drop(self.pop_mark()?),
                b'2' => self.stack.push(self.top()?.clone()),
                b'N' => self.push_scalar(Value::None),
                0x88 => self.push_scalar(Value::Bool(true)),
                0x89 => self.push_scalar(Value::Bool(false)),
                b'I' => self.push_scalar(match c.line()? {
                    "00" => Value::Bool(false),
                    "01" => Value::Bool(true),
                    text => Value::int_from_text(text)?,
                }),
                b'L' => self.push_scalar(Value::int_from_text(c.line()?.trim_end_matches('L'))?),
                b'J' => self.push_scalar(Value::Int(c.i32()?.into())),
                b'K' => self.push_scalar(Value::Int(c.u8()?.into())),
                b'M' => self.push_scalar(Value::Int(c.u16()?.into())),
                0x8a => {
                    let n = c.u8()?;
                    self.push_scalar(Value::int_from_le_bytes(c.take(n.into())?));
                }
                0x8b => {
                    let n = c.i32()?;
                    let n = u64::try_from(n).map_err(|_| "negative LONG4 length".to_string())?;
                    self.push_scalar(Value::int_from_le_bytes(c.take_len(n)?));
                }
                b'F' => self.push_scalar(Value::Float(
                    c.line()?.trim().parse().map_err(|_| "FLOAT is not a number".to_string())?,
                )),
                b'G' => self.push_scalar(Value::Float(c.f64_be()?)),
                b'S' | b'V' => {
                    self.push_scalar(Value::text(c.line()?.trim_matches(|ch| ch == '\'' || ch == '"').as_bytes()))
                }
                b'T' => {
                    let n = u64::try_from(c.i32()?).map_err(|_| "negative BINSTRING length".to_string())?;
                    self.push_scalar(Value::text(c.take_len(n)?));
                }
                b'U' | 0x8c => {
                    let n = c.u8()?;
                    self.push_scalar(Value::text(c.take(n.into())?));
                }
                b'X' => {
                    let n = c.u32()?;
                    self.push_scalar(Value::text(c.take_len(n.into())?));
                }
                0x8d => {
                    let n = c.u64()?;
                    self.push_scalar(Value::text(c.take_len(n)?));
                }
                b'B' => {
                    let n = c.u32()?;
                    self.push_scalar(Value::Bytes(c.take_len(n.into())?.into()));
                }
                b'C' => {
                    let n = c.u8()?;
                    self.push_scalar(Value::Bytes(c.take(n.into())?.into()));
                }
                0x8e | 0x96 => {
                    let n = c.u64()?;
                    self.push_scalar(Value::Bytes(c.take_len(n)?.into()));
                }
                b')' => self.push_scalar(Value::Tuple(Rc::default())),
                b']' | 0x8f => self.push_scalar(Value::List(Rc::default())),
                b'}' => self.push_scalar(Value::Dict(Rc::default())),
                b't' => {
                    let items = self.pop_mark()?;
                    self.push_container(items, |v| Value::Tuple(Rc::new(v)))?;
                }
                0x85..=0x87 => {
                    let n = usize::from(op - 0x84);
                    let at = self.stack.len().checked_sub(n).ok_or("stack underflow")?;
                    let items = self.stack.split_off(at);
                    self.push_container(items, |v| Value::Tuple(Rc::new(v)))?;
                }
                b'l' | 0x91 => {
                    let items = self.pop_mark()?;
                    self.push_container(items, |v| Value::List(Rc::new(v)))?;
                }
                b'd' => {
                    let items = self.pop_mark()?;
                    let depth = nested_depth(&items)?;
                    let dict = Value::Dict(Rc::new(pairs_of(items.into_iter().map(|e| e.value).collect())?));
                    self.stack.push(Entry { value: dict, depth, memo: None });
                }
                b'a' => {
                    let item = self.pop()?;
                    self.extend_top(vec![item], false)?;
                }
                b'e' | 0x90 => {
                    let items = self.pop_mark()?;
                    self.extend_top(items, false)?;
                }
                b's' => {
                    let value = self.pop()?;
                    let key = self.pop()?;
                    self.extend_top(vec![key, value], true)?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    self.extend_top(items, true)?;
                }
                b'p' => self.memo_put(memo_index(c.line()?)?)?,
                b'q' => self.memo_put(c.u8()?.into())?,
                b'r' => self.memo_put(c.u32()?)?,
                0x94 => self.memo_put(u32::try_from(self.memo.len()).map_err(|_| "memo overflow")?)?,
                b'g' => self.memo_get(memo_index(c.line()?)?)?,
                b'h' => self.memo_get(c.u8()?.into())?,
                b'j' => self.memo_get(c.u32()?)?,
                b'c' => {
                    let module = c.line()?;
                    let name = c.line()?;
                    self.push_scalar(Value::Global(format!("{module}.{name}").into()));
                }
                0x93 => {
                    let (name, module) = (self.pop()?.value, self.pop()?.value);
                    let (Value::Str(module), Value::Str(name)) = (module, name) else {
                        return Err("STACK_GLOBAL needs two strings".into());
                    };
                    self.push_scalar(Value::Global(format!("{module}.{name}").into()));
                }
                b'P' => return Err(format!("text persistent id `{}` is not a torch storage", c.line()?)),
                b'Q' => {
                    let storage = storage(&self.pop()?.value)?;
                    let (key, elem) = (storage.key.clone(), storage.elem);
                    if self.storages.insert(key.clone(), elem).is_some_and(|seen| seen != elem) {
                        return Err(format!("storage {key} is named with two element types"));
                    }
                    self.stack.push(Entry { value: Value::Storage(Rc::new(storage)), depth: 1, memo: None });
                }
                b'R' => {
                    let (args, callable) = (self.pop()?, self.pop()?.value);
                    self.reduce(callable, args)?;
                }
                0x81 => {
                    let (_args, class) = (self.pop()?, self.pop()?.value);
                    self.push_object(class.callable_name());
                }
                0x92 => {
                    let (_kwargs, _args, class) = (self.pop()?, self.pop()?, self.pop()?.value);
                    self.push_object(class.callable_name());
                }
                b'i' => {
                    let class = format!("{}.{}", c.line()?, c.line()?);
                    self.pop_mark()?;
                    self.push_object(class);
                }
                b'o' => {
                    let mut items = self.pop_mark()?;
                    if items.is_empty() {
                        return Err("OBJ without a class".into());
                    }
                    self.push_object(items.remove(0).value.callable_name());
                }
                b'b' => {
                    let state = self.pop()?;
                    self.build_top(state)?;
                }
                0x82..=0x84 => return Err("the pickle uses the copyreg extension registry".into()),
                0x97 | 0x98 => return Err("the pickle uses out-of-band buffers".into()),
                other => return Err(format!("unknown pickle opcode 0x{other:02x} at byte {at}")),
            }
        }
    }

    fn push_scalar(&mut self, value: Value) {
        self.stack.push(Entry::scalar(value));
    }

    fn push_container(&mut self, items: Vec<Entry>, make: impl FnOnce(Vec<Value>) -> Value) -> Result<(), String> {
        let depth = nested_depth(&items)?;
        self.stack.push(Entry { value: make(items.into_iter().map(|e| e.value).collect()), depth, memo: None });
        Ok(())
    }

    /// An instance of `class`; its constructor's arguments are not kept.
    fn push_object(&mut self, class: String) {
        let object = Object { class, items: None, elements: Vec::new(), state: None };
        self.stack.push(Entry { value: Value::Object(Rc::new(object)), depth: 1, memo: None });
    }

    fn pop(&mut self) -> Result<Entry, String> {
        if self.marks.last().is_some_and(|&m| m >= self.stack.len()) {
            return Err("a pickle opcode reached below its MARK".into());
        }
        self.stack.pop().ok_or_else(|| "stack underflow".to_string())
    }

    fn top(&self) -> Result<&Entry, String> {
        self.stack.last().ok_or_else(|| "stack underflow".to_string())
    }

    fn pop_mark(&mut self) -> Result<Vec<Entry>, String> {
        let mark = self.marks.pop().ok_or("MARK expected")?;
        Ok(self.stack.split_off(mark.min(self.stack.len())))
    }

    fn memo_put(&mut self, index: u32) -> Result<(), String> {
        let top = self.stack.last_mut().ok_or("stack underflow")?;
        top.memo = Some(index);
        self.memo.insert(index, top.clone());
        Ok(())
    }

    fn memo_get(&mut self, index: u32) -> Result<(), String> {
        let entry = self.memo.get(&index).ok_or_else(|| format!("memo slot {index} is empty"))?.clone();
        self.stack.push(entry);
        Ok(())
    }

    /// Changes the value on top of the stack in place; its memo slot is
    /// let go first (so the change copies nothing) and refreshed after.
    fn change_top(&mut self, depth: usize, f: impl FnOnce(&mut Value) -> Result<usize, String>) -> Result<(), String> {
        let top = self.stack.last_mut().ok_or("stack underflow")?;
        if let Some(index) = top.memo {
            self.memo.remove(&index);
        }
        self.copied += f(&mut top.value)?;
        top.depth = top.depth.max(depth);
        if top.depth > MAX_DEPTH {
            return Err(format!("containers nest deeper than {MAX_DEPTH} levels"));
        }
        if self.copied > MAX_COPIED {
            return Err("the pickle copies too many values".into());
        }
        if let Some(index) = top.memo {
            self.memo.insert(index, top.clone());
        }
        Ok(())
    }

    /// `APPEND(S)` / `ADDITEMS` (`pairs == false`) or `SETITEM(S)`.
    fn extend_top(&mut self, items: Vec<Entry>, as_pairs: bool) -> Result<(), String> {
        let depth = nested_depth(&items)?;
        let values: Vec<Value> = items.into_iter().map(|e| e.value).collect();
        self.change_top(depth, |top| match (top, as_pairs) {
            (Value::List(list), false) => Ok(shared_len(list, list.len()) + extend(Rc::make_mut(list), values)),
            (Value::Dict(dict), true) => {
                Ok(shared_len(dict, dict.len()) + extend(Rc::make_mut(dict), pairs_of(values)?))
            }
            (Value::Object(object), _) => {
                let copied = shared_len(object, object.len());
                let object = Rc::make_mut(object);
                if as_pairs {
                    object.items.get_or_insert_with(Vec::new).extend(pairs_of(values)?);
                } else {
                    object.elements.extend(values);
                }
                Ok(copied)
            }
            (other, _) => Err(format!("{} on a {}", if as_pairs { "SETITEMS" } else { "APPENDS" }, other.kind())),
        })
    }

    /// `BUILD`: an object records its state (a module also gets its state
    /// dict entries from it); a dict's or list's state is its attributes
    /// (`OrderedDict._metadata`), not entries, and a tensor's is its hooks:
    /// both are dropped.
    fn build_top(&mut self, state: Entry) -> Result<(), String> {
        self.change_top(state.depth + 1, |top| match top {
            Value::Object(object) => {
                let copied = shared_len(object, object.len());
                let object = Rc::make_mut(object);
                if object.items.is_none() {
                    object.items = module_entries(&state.value);
                }
                object.state = Some(state.value);
                Ok(copied)
            }
            Value::Dict(_) | Value::List(_) | Value::Tensor(_) => Ok(0),
            other => {
                let class = other.callable_name();
                let object = Object { class, items: None, elements: Vec::new(), state: Some(state.value) };
                *other = Value::Object(Rc::new(object));
                Ok(0)
            }
        })
    }

    /// `REDUCE`: what [`call`] builds, or an opaque instance.
    fn reduce(&mut self, callable: Value, args: Entry) -> Result<(), String> {
        let Value::Global(name) = &callable else {
            self.push_object(callable.kind());
            return Ok(());
        };
        let fields: &[Value] = match &args.value {
            Value::Tuple(fields) => fields,
            _ => &[],
        };
        match call(name, fields)? {
            Call::Built(value) => self.stack.push(Entry { value, depth: args.depth.max(1), memo: None }),
            Call::Instance(class) => self.push_object(class),
            Call::Again(callable, inner) => {
                return self.reduce(callable, Entry { value: inner, depth: args.depth, memo: None });
            }
        }
        Ok(())
    }
}

/// One more than the deepest of `items`, within [`MAX_DEPTH`].
fn nested_depth(items: &[Entry]) -> Result<usize, String> {
    let depth = items.iter().map(|e| e.depth).max().unwrap_or(0) + 1;
    if depth > MAX_DEPTH {
        return Err(format!("containers nest deeper than {MAX_DEPTH} levels"));
    }
    Ok(depth)
}

/// How many elements `Rc::make_mut` is about to copy.
fn shared_len<T>(rc: &Rc<T>, len: usize) -> usize {
    if Rc::strong_count(rc) > 1 {
        len
    } else {
        0
    }
}

fn extend<T>(into: &mut Vec<T>, items: Vec<T>) -> usize {
    into.extend(items);
    0
}

fn memo_index(text: &str) -> Result<u32, String> {
    text.trim().parse().map_err(|_| format!("memo index `{text}` is not a number"))
}

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;
