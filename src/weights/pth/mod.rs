//! PyTorch checkpoints (`torch.save` output) read by the project's own
//! pickle reader.
//!
//! **Why not burn's reader.** burn-store 0.22.1's `PytorchReader` parses
//! the whole pickle before handing out any tensor, and fails the whole
//! file on a construct it does not model: a training checkpoint whose
//! `config` is a yacs `CfgNode` (a dict subclass, pickled as `NEWOBJ` then
//! `SETITEMS`) ends in "unexpected pickle opcode SetItems", though the
//! weights beside it are plain tensors. Its API cannot skip an entry, so
//! such files are read here instead:
//!
//! 1. [`container`]: the zip archive (or legacy stream) around the pickle;
//! 2. [`machine`]: a stack machine over the pickle opcodes that builds
//!    tensors (`_rebuild_tensor_v2`: storage, offset, size, stride),
//!    parameters and `OrderedDict`s, and keeps every other class or
//!    `GLOBAL` as an opaque object whose `SETITEMS` / `APPENDS` / `BUILD`
//!    are recorded but never run, so nothing it cannot interpret fails the
//!    file;
//! 3. [`state_dict`]: the state dict (top level, or nested under `model`,
//!    `state_dict` or `model_state`; DDP's `module.` prefix removed), and
//!    the entries skipped beside it, which the loader reports;
//! 4. the tensors' bytes, read from their storages only for the state dict
//!    (the optimizer's never are).
//!
//! A whole pickled module (`torch.save(model)`, also nested under `model`)
//! reads as its state dict: its parameters, persistent buffers and
//! submodules, from the attributes its `BUILD` records.

mod calls;
mod container;
mod cursor;
mod machine;
mod state_dict;
mod value;

use std::borrow::Cow;
use std::collections::HashMap;

use burn::store::burn_pack::{Bytes, Tensor as PackTensor};

use super::SkippedEntry;
use container::{tensor_bytes, Checkpoint};

/// The weights of a checkpoint, ready for `ModuleSnapshot::apply`, and the
/// entries that were left out.
#[derive(Debug)]
pub struct PthWeights {
    /// The state dict's tensors, in file order.
    pub tensors: Vec<PackTensor>,
    /// What the file held besides the weights.
    pub skipped: Vec<SkippedEntry>,
}

/// Reads the state dict of a `torch.save` file.
pub fn read_pth(bytes: &[u8]) -> Result<PthWeights, String> {
    let mut checkpoint = Checkpoint::open(bytes)?;
    let found = state_dict::find_state_dict(&checkpoint.root)?;
    let mut storages: HashMap<String, Cow<[u8]>> = HashMap::new();
    let mut tensors = Vec::with_capacity(found.tensors.len());
    for (name, tensor) in found.tensors {
        let key = &tensor.storage.key;
        if !storages.contains_key(key) {
            let data = checkpoint.storage(key).map_err(|e| format!("tensor `{name}`: {e}"))?;
            storages.insert(key.clone(), data);
        }
        let data = tensor_bytes(&tensor, &storages[key]).map_err(|e| format!("tensor `{name}`: {e}"))?;
        let dtype = tensor.elem.dtype();
        tensors.push(PackTensor::new(name, dtype, tensor.shape.clone(), None, Bytes::from_bytes_vec(data)));
    }
    Ok(PthWeights { tensors, skipped: found.skipped })
}
