//! Class names of the datasets the project's weights come from: ImageNet-1k
//! (from timm's package data, `assets/imagenet_classes.txt`) and CIFAR-10.
//! Which names a set of weights uses is its profile's to say
//! (`weights::Profile`), never the head size's.

/// CIFAR-10 class names in label order.
pub const CIFAR10: [&str; 10] =
    ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

/// `synset<TAB>lemmas` for the 1000 ImageNet-1k classes, in label order.
const IMAGENET_FILE: &str = include_str!("../assets/imagenet_classes.txt");

/// The human-readable name of each ImageNet-1k class (first lemma).
pub fn imagenet() -> Vec<&'static str> {
    IMAGENET_FILE
        .lines()
        .map(|line| {
            let lemmas = line.split_once('\t').map_or(line, |(_, l)| l);
            lemmas.split(',').next().unwrap_or(lemmas).trim()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imagenet_has_1000_names_in_label_order() {
        let names = imagenet();
        assert_eq!(names.len(), 1000);
        assert_eq!(names[0], "tench");
        assert_eq!(names[281], "tabby");
        assert_eq!(names[999], "toilet tissue");
    }
}
