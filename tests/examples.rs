//! The page's examples: the in-class ones are classified right by every
//! shipped model (what a first visit meets), the others are labelled as
//! outside the classes, and every listed file exists.

use std::path::PathBuf;

use shiftscope::engine::catalogue::{EXAMPLES, SHIPPED};
use shiftscope::preprocess;

#[test]
fn every_shipped_model_gets_each_in_class_example_right() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let device = shiftscope::Device::flex();
    assert!(EXAMPLES[0].shows.is_some(), "the example a first visit classifies by itself shows a class");
    for name in SHIPPED {
        let bytes = std::fs::read(root.join(format!("assets/{name}.bpk"))).unwrap();
        let (engine, _) =
            futures_lite::future::block_on(shiftscope::engine::Engine::from_bytes(bytes, name, None, &device)).unwrap();
        for example in EXAMPLES {
            let image = preprocess::load(&root.join(format!("assets/examples/{}.png", example.name))).unwrap();
            let Some(class) = example.shows else { continue };
            assert!(engine.profile().classes.iter().any(|c| c == class), "{}: {class} is not a class", example.name);
            let top = futures_lite::future::block_on(engine.analyse(&engine.prepare(&image), 1)).unwrap().predictions;
            assert_eq!(top[0].label, class, "{name} calls the {} example a {}", example.name, top[0].label);
        }
    }
}
