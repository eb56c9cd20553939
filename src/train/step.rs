//! What burn's learner trains: the model plus its loss, with the training
//! and inference steps.

use burn::module::Module;
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::tensor::Device;
use burn::train::{ClassificationOutput, InferenceStep, TrainOutput, TrainStep};

use crate::data::ImageBatch;
use crate::models::Model;

/// A model with the cross-entropy (optionally label-smoothed) it is
/// trained on.
#[derive(Module, Debug)]
pub struct Trainee {
    /// The network.
    pub model: Model,
    /// The loss.
    pub loss: CrossEntropyLoss,
}

impl Trainee {
    /// Wraps `model`; `label_smoothing` of 0 is plain cross-entropy.
    pub fn new(model: Model, label_smoothing: f32, device: &Device) -> Self {
        let config = CrossEntropyLossConfig::new();
        let config = if label_smoothing > 0.0 { config.with_smoothing(Some(label_smoothing)) } else { config };
        Self { model, loss: config.init(device) }
    }

    /// Logits, loss and targets of a batch.
    pub fn classify(&self, batch: ImageBatch) -> ClassificationOutput {
        let logits = self.model.forward(batch.images);
        let loss = self.loss.forward(logits.clone(), batch.targets.clone());
        ClassificationOutput::new(loss, logits, batch.targets)
    }
}

impl TrainStep for Trainee {
    type Input = ImageBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: ImageBatch) -> TrainOutput<ClassificationOutput> {
        let output = self.classify(batch);
        TrainOutput::new(self, output.loss.backward(), output)
    }
}

impl InferenceStep for Trainee {
    type Input = ImageBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: ImageBatch) -> ClassificationOutput {
        self.classify(batch)
    }
}
