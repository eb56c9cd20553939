//! The batch loader burn's learner iterates: shuffles with a per-epoch
//! seed, augments with a per-image seed, normalises as the model config
//! says, and knows which epoch it is on, so a resumed run sees exactly the
//! batches the uninterrupted run would have seen.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use burn::data::dataloader::{DataLoader, DataLoaderIterator, Progress};
use burn::data::dataset::DatasetError;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::augment::Augment;
use super::folder::ImageSet;
use super::rng::SplitMix64;
use crate::preprocess::Preprocess;

/// One batch: normalised NCHW images and their labels.
#[derive(Debug, Clone)]
pub struct ImageBatch {
    /// `(B, 3, side, side)` model input.
    pub images: Tensor<4>,
    /// `(B,)` class indices.
    pub targets: Tensor<1, Int>,
}

/// Batches of an [`ImageSet`], shuffled and augmented for training or in
/// order for evaluation.
#[derive(Clone)]
pub struct BatchLoader {
    set: Arc<ImageSet>,
    items: Arc<Vec<usize>>,
    batch_size: usize,
    preprocess: Preprocess,
    training: Option<(Augment, u64)>,
    next_epoch: Arc<AtomicUsize>,
    device: Device,
}

impl BatchLoader {
    /// In-order batches without augmentation.
    pub fn evaluation(set: Arc<ImageSet>, batch_size: usize, preprocess: Preprocess, device: &Device) -> Self {
        let items = Arc::new((0..set.len()).collect());
        let next_epoch = Arc::new(AtomicUsize::new(0));
        Self { set, items, batch_size, preprocess, training: None, next_epoch, device: device.clone() }
    }

    /// Shuffled, augmented batches; epoch `e` (0-based) draws from
    /// `(seed, e)`, and the first call to `iter` is epoch `first_epoch`.
    pub fn training(
        set: Arc<ImageSet>,
        batch_size: usize,
        preprocess: Preprocess,
        augment: Augment,
        seed: u64,
        first_epoch: usize,
        device: &Device,
    ) -> Self {
        let mut loader = Self::evaluation(set, batch_size, preprocess, device);
        loader.training = Some((augment, seed));
        loader.next_epoch = Arc::new(AtomicUsize::new(first_epoch));
        loader
    }

    /// The images of batch positions `order` (indices into `items`), built
    /// for `epoch`.
    fn batch(&self, order: &[usize], epoch: usize) -> ImageBatch {
        let side = self.set.side;
        let plane = side * side * 3;
        let mut floats = vec![0f32; order.len() * plane];
        let mut scratch = vec![0u8; plane];
        let mut targets = Vec::with_capacity(order.len());
        for (slot, &item) in order.iter().enumerate() {
            let src = self.set.image(item);
            let pixels = match &self.training {
                Some((augment, seed)) => {
                    let mut rng = SplitMix64::new(*seed, epoch as u64 + 1, item as u64);
                    augment.apply(src, side, &mut rng, &mut scratch);
                    &scratch[..]
                }
                None => src,
            };
            self.preprocess.normalize_into(pixels, &mut floats[slot * plane..(slot + 1) * plane]);
            targets.push(self.set.label(item) as i64);
        }
        let b = order.len();
        ImageBatch {
            images: Tensor::from_data(TensorData::new(floats, [b, 3, side, side]), &self.device),
            targets: Tensor::from_data(TensorData::new(targets, [b]), &self.device),
        }
    }
}

struct BatchIter<'a> {
    loader: &'a BatchLoader,
    order: Vec<usize>,
    epoch: usize,
    position: usize,
}

impl Iterator for BatchIter<'_> {
    type Item = Result<ImageBatch, DatasetError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.position >= self.order.len() {
            return None;
        }
        let end = (self.position + self.loader.batch_size).min(self.order.len());
        let batch = self.loader.batch(&self.order[self.position..end], self.epoch);
        self.position = end;
        Some(Ok(batch))
    }
}

impl DataLoaderIterator<ImageBatch> for BatchIter<'_> {
    fn progress(&self) -> Progress {
        Progress::new(self.position, self.order.len(), Some("images".into()))
    }
}

impl DataLoader<ImageBatch> for BatchLoader {
    fn iter<'a>(&'a self) -> Box<dyn DataLoaderIterator<ImageBatch> + 'a> {
        let epoch = self.next_epoch.fetch_add(1, Ordering::SeqCst);
        let mut order: Vec<usize> = self.items.as_ref().clone();
        if let Some((_, seed)) = &self.training {
            SplitMix64::new(*seed, epoch as u64 + 1, u64::MAX).shuffle(&mut order);
        }
        Box::new(BatchIter { loader: self, order, epoch, position: 0 })
    }

    fn num_items(&self) -> usize {
        self.items.len()
    }

    fn to_device(&self, device: &Device) -> Arc<dyn DataLoader<ImageBatch>> {
        Arc::new(Self { device: device.clone(), ..self.clone() })
    }

    fn slice(&self, start: usize, end: usize) -> Arc<dyn DataLoader<ImageBatch>> {
        let items = Arc::new(self.items[start.min(end)..end.min(self.items.len())].to_vec());
        Arc::new(Self { items, ..self.clone() })
    }
}
