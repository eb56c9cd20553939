//! The shipped weights are what their model cards say: the file's sha256
//! and size, and `eval` on the first 1,000 CIFAR-10 test images (100 per
//! class) within 1.5 points of the card's test accuracy. The accuracy check
//! needs `../shared/datasets/cifar10-jpeg.tar.gz` (present in CI) and says
//! loudly when it skips.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_lite::future::block_on;
use shiftscope::card::{sha256_hex, ModelCard};
use shiftscope::data::{load_split, BatchLoader};
use shiftscope::engine::Engine;
use shiftscope::eval::evaluate;
use shiftscope::models::registry::SHIPPED;
use shiftscope::weights::load_model;
use shiftscope::Device;

fn assets() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets")
}

fn card(name: &str) -> ModelCard {
    let path = assets().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn shipped_files_match_their_cards() {
    for name in SHIPPED {
        let card = card(name);
        let bytes = std::fs::read(assets().join(&card.file)).unwrap();
        assert_eq!(sha256_hex(&bytes), card.weights_sha256, "{name}: weights changed since the card was written");
        assert_eq!(bytes.len(), card.weights_bytes);
        assert!(bytes.len() <= 4_000_000, "{name}: {} bytes is over the 4 MB budget", bytes.len());
        let loaded = load_model(&assets().join(&card.file), None, &Device::flex()).unwrap();
        assert_eq!(loaded.config, card.model, "{name}: embedded config differs from the card's");
        assert_eq!(loaded.profile, card.profile, "{name}: embedded profile differs from the card's");
        assert_eq!(card.profile.dataset, "CIFAR-10", "{name}: the page shows CIFAR-10's classes");
        assert_eq!(card.model.cost().params, card.params);
    }
}

#[test]
fn eval_on_the_first_1000_test_images_reproduces_each_card() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/cifar10-jpeg.tar.gz");
    if !data.exists() {
        eprintln!("\n*** SKIPPED: {} not found; shipped-weight accuracy NOT checked ***\n", data.display());
        return;
    }
    let device = Device::flex();
    for name in SHIPPED {
        let card = card(name);
        let loaded = load_model(&assets().join(&card.file), None, &device).unwrap();
        let preprocess = loaded.profile.preprocess.clone();
        let test = load_split(&data, "test", &preprocess, None).unwrap().first_per_class(100);
        let classes = test.classes.clone();
        assert_eq!(classes, card.profile.classes, "{name}: the card's class names are the test split's");
        let loader = BatchLoader::evaluation(Arc::new(test), 250, preprocess, &device);
        let engine = block_on(Engine::loaded(loaded, &device)).unwrap();
        let top1 = evaluate(&engine, &loader, classes).unwrap().top1();
        eprintln!("{name}: {top1:.2}% on the first 1000 (card: {:.2}% on all 10000)", card.test_top1);
        assert!((top1 - card.test_top1).abs() <= 1.5, "{name}: {top1:.2}% vs the card's {:.2}%", card.test_top1);
        assert!((top1 - card.test_top1_first1000).abs() <= 0.2, "{name}: not the card's first-1000 figure");
    }
}
