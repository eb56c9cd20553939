//! The host's answers for the views beyond one model's classification: the
//! latest image at another input size, through every shipped model, and
//! patch-shuffled. They run on the image as it was given (the host keeps
//! the latest), and load the other shipped models on first use.

use std::rc::Rc;

use shiftscope::card::ModelCard;
use shiftscope::engine::protocol::{Failure, FailureKind, ModelAnswer, Reply, ShuffleAnswer, View};
use shiftscope::engine::Engine;
use shiftscope::RgbImage;

use super::{build, Host, Weights};
use crate::device::now_ms;
use crate::fetch::shipped_weights;

impl Host {
    /// The photo of image `image`, if it is still the latest classified.
    fn photo(&self, image: u64) -> Result<Rc<RgbImage>, Failure> {
        let slots = self.slots.borrow();
        match &slots.photo {
            Some((number, photo)) if *number == image => Ok(photo.clone()),
            _ => Err(Failure::new(FailureKind::Run, "a newer image was classified since; classify this one again")),
        }
    }

    pub(super) async fn regions(self: Rc<Self>, image: u64, size: usize) {
        let result = async {
            let photo = self.photo(image)?;
            let (model, engine) =
                self.model_in_use().ok_or_else(|| Failure::new(FailureKind::Run, "no model is loaded yet"))?;
            let start = now_ms();
            let regions = engine.region_classes(&photo, size, 3).await.map_err(|e| Failure::from(&e))?;
            Ok(Reply::Regions { model, image, regions: Box::new(regions), ms: now_ms() - start })
        };
        let reply = result.await.unwrap_or_else(|failure| Reply::ViewFailed { image, view: View::Regions, failure });
        (self.reply)(reply);
    }

    pub(super) async fn compare(self: Rc<Self>, image: u64, cards: Vec<ModelCard>) {
        let result = async {
            let photo = self.photo(image)?;
            let mut answers = vec![];
            for (name, engine) in self.engines(&cards).await? {
                let prepared = engine.prepare(&photo);
                let start = now_ms();
                let analysis = engine.analyse(&prepared, 3).await.map_err(|e| Failure::from(&e))?;
                let ms = now_ms() - start;
                let activation = analysis
                    .activations
                    .into_iter()
                    .next()
                    .ok_or_else(|| Failure::new(FailureKind::Run, format!("{name} gave no class activation")))?;
                answers.push(ModelAnswer { name, predictions: analysis.predictions, ms, activation });
            }
            Ok(Reply::Compared { image, answers })
        };
        let reply = result.await.unwrap_or_else(|failure| Reply::ViewFailed { image, view: View::Compare, failure });
        (self.reply)(reply);
    }

    pub(super) async fn shuffle(self: Rc<Self>, image: u64, seed: u64, cards: Vec<ModelCard>) {
        let result = async {
            let photo = self.photo(image)?;
            let engines = self.engines(&cards).await?;
            // One shuffle for every model: the patches of the model whose
            // weights can follow it (MLP-Mixer), else of the first.
            let owner = engines.iter().find(|(_, e)| e.config().architecture().permutable().is_ok());
            let owner = owner.or(engines.first()).map(|(_, e)| e.clone());
            let owner = owner.ok_or_else(|| Failure::new(FailureKind::Run, "no model to run"))?;
            let shuffle = owner.patch_shuffle(seed).map_err(|e| Failure::from(&e))?;
            let mut answers = vec![];
            let mut shuffled_image = None;
            for (name, engine) in engines {
                let prepared = engine.prepare(&photo);
                let result = engine.shuffle(&prepared, &shuffle, 5).await.map_err(|e| Failure::from(&e))?;
                shuffled_image.get_or_insert(result.image);
                answers.push(ShuffleAnswer {
                    name,
                    original: result.original,
                    shuffled: result.shuffled,
                    permuted: result.permuted,
                });
            }
            let shuffled = shuffled_image.ok_or_else(|| Failure::new(FailureKind::Run, "no model to run"))?;
            let (side, rgb) = (shuffled.side, shuffled.rgb);
            Ok(Reply::Shuffled { image, seed, patch: shuffle.patch, side, rgb, answers })
        };
        let reply = result.await.unwrap_or_else(|failure| Reply::ViewFailed { image, view: View::Shuffle, failure });
        (self.reply)(reply);
    }

    /// The engines of `cards`, in order: the model in use where it is one
    /// of them, the others loaded once (downloaded or read from the cache,
    /// checked, built) and kept.
    async fn engines(&self, cards: &[ModelCard]) -> Result<Vec<(String, Rc<Engine>)>, Failure> {
        let mut engines = vec![];
        for card in cards {
            let known = {
                let slots = self.slots.borrow();
                let current = slots.model.as_ref().filter(|(_, w, _)| w.name == card.name).map(|(_, _, e)| e.clone());
                current.or_else(|| slots.peers.iter().find(|(n, _)| *n == card.name).map(|(_, e)| e.clone()))
            };
            let engine = match known {
                Some(engine) => engine,
                None => {
                    let bytes =
                        shipped_weights(card, |_, _| {}).await.map_err(|e| Failure::new(FailureKind::Other, e))?;
                    let weights = Weights { name: card.name.clone(), bytes: Rc::new(bytes), requested: None };
                    let engine = build(&weights, &self.device(), false).await?.engine;
                    self.slots.borrow_mut().peers.push((card.name.clone(), engine.clone()));
                    engine
                }
            };
            engines.push((card.name.clone(), engine));
        }
        Ok(engines)
    }
}
