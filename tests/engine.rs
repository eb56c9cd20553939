//! The page and the CLI give the same answer for the same photo: the
//! worker's path (RGBA pixels → `Engine::prepare_rgba` → `Engine::analyse`)
//! against what `shiftscope predict --json` prints, for every shipped model
//! on real photos of each class. Only the decoder differs in a browser
//! (the browser tests compare those answers to 1e-3).

use std::path::{Path, PathBuf};
use std::process::Command;

use futures_lite::future::block_on;
use shiftscope::engine::Engine;
use shiftscope::models::registry::SHIPPED;
use shiftscope::weights::load_model;
use shiftscope::Device;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One photo per class of the committed real-photo set.
fn photos() -> Vec<PathBuf> {
    let mut photos: Vec<PathBuf> = std::fs::read_dir(root().join("tests/photos/test"))
        .unwrap()
        .filter_map(|class| {
            let mut files: Vec<PathBuf> =
                std::fs::read_dir(class.ok()?.path()).ok()?.flatten().map(|f| f.path()).collect();
            files.sort();
            files.into_iter().next()
        })
        .collect();
    photos.sort();
    photos
}

/// The photo as a browser hands its pixels to the worker: decoded, turned
/// upright, RGBA.
fn rgba_pixels(path: &Path) -> (Vec<u8>, u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    let mut decoder =
        image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format().unwrap().into_decoder().unwrap();
    use image::ImageDecoder;
    let orientation = decoder.orientation().unwrap();
    let mut image = image::DynamicImage::from_decoder(decoder).unwrap();
    image.apply_orientation(orientation);
    let rgba = image.to_rgba8();
    let (width, height) = rgba.dimensions();
    (rgba.into_raw(), width, height)
}

#[test]
fn the_page_path_answers_exactly_what_the_cli_prints() {
    let photos = photos();
    assert_eq!(photos.len(), 10, "one photo per class");
    let device = Device::flex();
    for name in SHIPPED {
        let weights = root().join(format!("assets/{name}.bpk"));
        let output = Command::new(env!("CARGO_BIN_EXE_shiftscope"))
            .args(["predict", "--json", "--top", "5", "--weights"])
            .arg(&weights)
            .args(&photos)
            .output()
            .unwrap();
        assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let engine = block_on(Engine::loaded(load_model(&weights, None, &device).unwrap(), &device)).unwrap();
        for (photo, cli) in photos.iter().zip(printed.as_array().unwrap()) {
            assert_eq!(cli["image"], photo.display().to_string());
            let (rgba, width, height) = rgba_pixels(photo);
            let analysis = block_on(engine.analyse(&engine.prepare_rgba(rgba, width, height).unwrap(), 5)).unwrap();
            let cli_top = cli["top"].as_array().unwrap();
            assert_eq!(cli_top.len(), analysis.predictions.len());
            for (printed, page) in cli_top.iter().zip(&analysis.predictions) {
                assert_eq!(printed["class"], page.class, "{name} {}", photo.display());
                assert_eq!(printed["label"], page.label.as_str());
                let p = printed["probability"].as_f64().unwrap();
                assert_eq!(p as f32, page.probability, "{name} {}: {p} vs {}", photo.display(), page.probability);
            }
        }
    }
}
