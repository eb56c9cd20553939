//! Class names for the heads the project ships: ImageNet-1k (from timm's
//! package data, `assets/imagenet_classes.txt`) and CIFAR-10.

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

/// Names for a head of `num_classes` classes: ImageNet for 1000, CIFAR-10
/// for 10, `class N` otherwise.
pub fn for_head(num_classes: usize) -> Vec<String> {
    match num_classes {
        1000 => imagenet().into_iter().map(str::to_string).collect(),
        10 => CIFAR10.iter().map(|s| s.to_string()).collect(),
        n => (0..n).map(|i| format!("class {i}")).collect(),
    }
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

    #[test]
    fn heads_get_matching_names() {
        assert_eq!(for_head(10)[3], "cat");
        assert_eq!(for_head(1000).len(), 1000);
        assert_eq!(for_head(3), vec!["class 0", "class 1", "class 2"]);
    }
}
