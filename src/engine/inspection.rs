//! One forward pass that yields everything the panel shows for an image:
//! class probabilities, split-attention weights, the head's tokens (for
//! class activation) and each shift's group maps. The device packs them
//! into one vector so the browser pays for a single readback per image.

use burn::tensor::{Device, Tensor, TensorData};

use crate::error::{Error, Result};
use crate::models::geometry::GroupShift;
use crate::models::{Model, ModelConfig, ProbeRequest};
use crate::predict::{probabilities, read_f32_async};
use crate::viz::attention::BlockAttention;
use crate::viz::cam::{HeadWeights, TokenMap};
use crate::viz::shift_view::block_shifts;

/// One block's shift groups and their channel-mean maps before the shift.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BlockShiftMaps {
    /// Token grid side.
    pub side: usize,
    /// The groups, as [`block_shifts`] lists them.
    pub groups: Vec<GroupShift>,
    /// Per group, its `side × side` channel-mean map before the shift.
    pub before: Vec<Vec<f32>>,
}

/// What the panel shows for one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspection {
    /// Class probabilities.
    pub probabilities: Vec<f32>,
    /// Split-attention per block (S²-MLPv2 only).
    pub attention: Vec<BlockAttention>,
    /// The normalised final tokens whose mean the head reads.
    pub head_tokens: TokenMap,
    /// Per block, its shift groups' maps (empty for Mixer).
    pub shifts: Vec<BlockShiftMaps>,
}

/// Where each part sits in the packed vector, in packing order.
struct Packing {
    parts: Vec<(Tensor<1>, usize)>,
}

impl Packing {
    fn push<const D: usize>(&mut self, tensor: Tensor<D>) {
        let len = tensor.shape().num_elements();
        self.parts.push((tensor.reshape([len]), len));
    }
}

/// Runs `model` on the first image of `input` and reads everything back
/// in one transfer.
pub(crate) async fn inspect_async(model: &Model, config: &ModelConfig, input: Tensor<4>) -> Result<Inspection> {
    let request = ProbeRequest { split_attention: true, shift_inputs: true, head_tokens: true, ..Default::default() };
    let device = input.device();
    let (logits, probes) = model.forward_probed(input.narrow(0, 0, 1), &request);
    let mut packing = Packing { parts: Vec::new() };
    packing.push(probabilities(logits));
    let attention_blocks = probes.split_attention.len();
    for weights in probes.split_attention {
        packing.push(weights);
    }
    let head_tokens = probes.head_tokens.ok_or_else(|| Error::Run("the head tokens were not probed".into()))?;
    let [_, rows, cols, channels] = head_tokens.dims();
    packing.push(head_tokens);
    let groups = block_shifts(config);
    let mut sides = Vec::new();
    for (inputs, groups) in probes.shift_inputs.iter().zip(&groups) {
        sides.push(inputs.first().map(|m| m.dims()[1]).unwrap_or(0));
        for (map, members) in inputs.iter().zip(groups_by_input(groups)) {
            let members: Vec<&GroupShift> = members.into_iter().map(|g| &groups[g]).collect();
            packing.push(group_mean_maps(map.clone(), &members, &device));
        }
    }
    let lengths: Vec<usize> = packing.parts.iter().map(|(_, len)| *len).collect();
    let packed = Tensor::cat(packing.parts.into_iter().map(|(t, _)| t).collect(), 0);
    let values = read_f32_async(packed).await?;
    let mut parts = split(values, &lengths).into_iter();
    let mut next = || parts.next().unwrap_or_default();
    let probabilities = next();
    let attention = (0..attention_blocks).map(|block| BlockAttention::new(block, next())).collect();
    let head_tokens = TokenMap { rows, cols, channels, values: next() };
    let shifts = groups
        .into_iter()
        .zip(sides)
        .map(|(groups, side)| {
            let mut before = vec![Vec::new(); groups.len()];
            for members in groups_by_input(&groups) {
                let maps = next();
                for (j, &g) in members.iter().enumerate() {
                    before[g] = maps.iter().skip(j).step_by(members.len()).copied().collect();
                }
            }
            BlockShiftMaps { side, groups, before }
        })
        .collect();
    Ok(Inspection { probabilities, attention, head_tokens, shifts })
}

/// The indices of a block's groups, per shift input they move (input 0
/// first): the order in which their maps are packed and unpacked.
fn groups_by_input(groups: &[GroupShift]) -> Vec<Vec<usize>> {
    let inputs = groups.iter().map(|g| g.input + 1).max().unwrap_or(0);
    (0..inputs).map(|k| (0..groups.len()).filter(|&g| groups[g].input == k).collect()).collect()
}

/// `(side, side, groups)`: each group's channel mean, as one matrix product
/// with an averaging matrix (one kernel, whatever the group sizes).
fn group_mean_maps(map: Tensor<4>, groups: &[&GroupShift], device: &Device) -> Tensor<2> {
    let [_, h, w, c] = map.dims();
    let mut averaging = vec![0.0f32; c * groups.len()];
    for (g, group) in groups.iter().enumerate() {
        for channel in group.channels.clone() {
            averaging[channel * groups.len() + g] = 1.0 / group.channels.len() as f32;
        }
    }
    let averaging = Tensor::from_data(TensorData::new(averaging, [c, groups.len()]), device);
    map.reshape([h * w, c]).matmul(averaging)
}

fn split(values: Vec<f32>, lengths: &[usize]) -> Vec<Vec<f32>> {
    let mut rest = values.as_slice();
    lengths
        .iter()
        .map(|&len| {
            let (part, tail) = rest.split_at(len.min(rest.len()));
            rest = tail;
            part.to_vec()
        })
        .collect()
}

/// Reads the model's linear head back (once per model; the panel computes
/// any class's activation from it on the CPU).
pub(crate) async fn head_weights_async(model: &Model) -> Result<HeadWeights> {
    let head = model.head();
    let [inputs, classes] = head.weight.val().dims();
    let weight = read_f32_async(head.weight.val()).await?;
    let bias = match &head.bias {
        Some(bias) => read_f32_async(bias.val()).await?,
        None => vec![0.0; classes],
    };
    Ok(HeadWeights { inputs, classes, weight, bias })
}
