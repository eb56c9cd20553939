//! What a set of weights expects and what its outputs mean, kept apart from
//! the architecture (timm's `PretrainedCfg`): how an image becomes the
//! input, the class names in label order, the dataset they come from, and
//! how far its confidence can be trusted. A [`Profile`]
//! travels in the burnpack metadata and in the model card and is the one
//! owner of these facts; the registry's variants get a default one
//! ([`Profile::of_variant`]) for checkpoints that carry none.

use serde::{Deserialize, Serialize};

use crate::calibration::Calibration;
use crate::error::{Error, Result};
use crate::labels;
use crate::models::registry::{self, Dataset, Variant};
use crate::models::ModelConfig;
use crate::preprocess::Preprocess;

/// The dataset of a profile whose classes are only numbered.
const UNNAMED: &str = "unnamed";

/// What a set of weights expects and means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// The dataset the classes come from, e.g. `CIFAR-10`.
    pub dataset: String,
    /// Class names in label order, one per output of the head.
    pub classes: Vec<String>,
    /// How images become the input.
    pub preprocess: Preprocess,
    /// How often these weights' top class is right at each confidence on a
    /// labelled split, and the probability under which they are mostly
    /// wrong (the page says "not sure" below it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
}

impl Profile {
    /// CIFAR-10's ten classes at 32×32 with its channel statistics.
    pub fn cifar10() -> Self {
        let classes = labels::CIFAR10.iter().map(|c| c.to_string()).collect();
        Self { dataset: "CIFAR-10".into(), classes, preprocess: Preprocess::cifar10(), calibration: None }
    }

    /// ImageNet-1k's thousand classes with `preprocess`.
    pub fn imagenet(preprocess: Preprocess) -> Self {
        let classes = labels::imagenet().into_iter().map(str::to_string).collect();
        Self { dataset: "ImageNet-1k".into(), classes, preprocess, calibration: None }
    }

    /// What the published weights of `variant` expect: CIFAR-10's profile,
    /// or ImageNet-1k's with timm's preprocessing for the architecture
    /// (bicubic 0.875 crop; timm's Mixer weights use mean and std 0.5).
    pub fn of_variant(variant: &Variant) -> Self {
        match variant.dataset {
            Dataset::Cifar10 => Self::cifar10(),
            Dataset::ImageNet1k if variant.config.arch_name() == "mixer" => {
                Self::imagenet(Preprocess::imagenet_inception())
            }
            Dataset::ImageNet1k => Self::imagenet(Preprocess::imagenet_bicubic()),
        }
    }

    /// The profile of weights that say nothing about themselves: classes
    /// numbered `class 0…`, ImageNet statistics with a 0.875 centre crop of
    /// the model's input.
    pub fn unnamed(config: &ModelConfig) -> Self {
        Self {
            dataset: UNNAMED.into(),
            classes: (0..config.num_classes).map(|i| format!("class {i}")).collect(),
            preprocess: Preprocess::for_input(config.image_size as u32),
            calibration: None,
        }
    }

    /// Whether the classes are only numbered ([`Profile::unnamed`]'s).
    pub fn is_unnamed(&self) -> bool {
        self.dataset == UNNAMED
    }

    /// Checks that the profile fits the model: one class name per output,
    /// a crop of the model's input size.
    pub fn check(&self, config: &ModelConfig) -> Result<()> {
        if self.classes.len() != config.num_classes {
            return Err(Error::InvalidConfig(format!(
                "the weights name {} classes but the model has {} outputs",
                self.classes.len(),
                config.num_classes
            )));
        }
        let crop = self.preprocess.crop as usize;
        if crop != config.image_size {
            return Err(Error::InvalidConfig(format!(
                "the weights expect {crop}-pixel crops but the model takes {}",
                config.image_size
            )));
        }
        Ok(())
    }

    /// The same weights' profile for `size`-pixel inputs (the resize scaled
    /// alike).
    pub fn at_size(&self, size: usize) -> Self {
        let trained = &self.preprocess;
        let resize = (trained.resize as f64 * size as f64 / trained.crop as f64).round() as u32;
        Self { preprocess: Preprocess { resize, crop: size as u32, ..trained.clone() }, ..self.clone() }
    }
}

/// A model described in full: the architecture and what its weights
/// expect. What a caller names when a weight file does not carry both (a
/// registry variant, or a config JSON file).
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// The architecture.
    pub config: ModelConfig,
    /// What the weights expect.
    pub profile: Profile,
}

impl Spec {
    /// The registry variant called `name` with its default profile.
    pub fn variant(name: &str) -> Result<Self> {
        let variant = registry::find_variant(name)?;
        Ok(Self { profile: Profile::of_variant(&variant), config: variant.config })
    }

    /// A model config JSON (the registry's `ModelConfig` fields). A
    /// `profile` object beside them is the weights' profile; a bare
    /// `preprocess` object (configs written before profiles existed, and
    /// the PyTorch trainer's) gives the preprocessing of an otherwise
    /// unnamed profile.
    pub fn from_json(text: &str) -> Result<Self> {
        let (config, profile) = config_and_profile(text)?;
        let profile = profile.unwrap_or_else(|| Profile::unnamed(&config));
        Ok(Self { config, profile })
    }
}

/// The architecture in a model config JSON and the profile it carries, if
/// any: a `profile` object, or a legacy `preprocess` (see
/// [`Spec::from_json`]); both checked.
pub(crate) fn config_and_profile(text: &str) -> Result<(ModelConfig, Option<Profile>)> {
    let invalid = |e: serde_json::Error| Error::InvalidConfig(format!("model config JSON: {e}"));
    let value: serde_json::Value = serde_json::from_str(text).map_err(invalid)?;
    let config: ModelConfig = serde_json::from_value(value.clone()).map_err(invalid)?;
    config.validate()?;
    let profile = match (value.get("profile"), value.get("preprocess")) {
        (Some(profile), _) => Some(serde_json::from_value::<Profile>(profile.clone()).map_err(invalid)?),
        (None, Some(preprocess)) => Some(Profile {
            preprocess: serde_json::from_value(preprocess.clone()).map_err(invalid)?,
            ..Profile::unnamed(&config)
        }),
        (None, None) => None,
    };
    if let Some(profile) = &profile {
        profile.check(&config)?;
    }
    Ok((config, profile))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_get_their_dataset_s_profile() {
        let s2 = Spec::variant("s2mlpv2_compact").unwrap();
        assert_eq!((s2.profile.dataset.as_str(), s2.profile.classes[3].as_str()), ("CIFAR-10", "cat"));
        assert_eq!(s2.profile.preprocess, Preprocess::cifar10());
        let asmlp = Spec::variant("asmlp_tiny").unwrap();
        assert_eq!((asmlp.profile.classes.len(), asmlp.profile.classes[281].as_str()), (1000, "tabby"));
        assert_eq!(asmlp.profile.preprocess, Preprocess::imagenet_bicubic());
        assert_eq!(Spec::variant("mixer_b16").unwrap().profile.preprocess.mean, [0.5; 3]);
        for variant in registry::variants() {
            Profile::of_variant(&variant).check(&variant.config).unwrap();
        }
    }

    #[test]
    fn a_profile_must_fit_the_model() {
        let spec = Spec::variant("asmlp_compact").unwrap();
        let mut wrong = spec.profile.clone();
        wrong.classes.pop();
        assert!(wrong.check(&spec.config).unwrap_err().to_string().contains("9 classes"));
        let small = spec.profile.at_size(24);
        assert_eq!((small.preprocess.crop, small.preprocess.resize), (24, 24));
        let err = small.check(&spec.config).unwrap_err().to_string();
        assert!(err.contains("24-pixel crops but the model takes 32"), "{err}");
        small.check(&spec.config.at_size(24).unwrap()).unwrap();
    }

    #[test]
    fn a_config_json_gives_its_profile_or_its_legacy_preprocess() {
        let spec = Spec::variant("mixer_compact").unwrap();
        let mut value = serde_json::to_value(&spec.config).unwrap();
        let bare = Spec::from_json(&value.to_string()).unwrap();
        assert_eq!((bare.config, bare.profile.classes[0].as_str()), (spec.config.clone(), "class 0"));
        value["preprocess"] = serde_json::to_value(Preprocess::cifar10()).unwrap();
        let legacy = Spec::from_json(&value.to_string()).unwrap();
        assert_eq!((legacy.profile.preprocess, legacy.profile.dataset.as_str()), (Preprocess::cifar10(), "unnamed"));
        value["profile"] = serde_json::to_value(&spec.profile).unwrap();
        assert_eq!(Spec::from_json(&value.to_string()).unwrap(), spec);
        assert!(Spec::from_json("{\"arch\": \"resnet\"}").is_err());
    }
}
