//! Words for visitors: the article before a class name ("an airplane"),
//! counted nouns ("1 token", "2 tokens"). Pure, with native tests.

/// `"a"` or `"an"` before `word`, by how it is spoken: a vowel letter
/// takes "an", except words that start with a "you" or "w" sound
/// ("a unicorn", "a one-way street"); a silent "h" takes "an" ("an hour").
pub fn article(word: &str) -> &'static str {
    let lower = word.trim_start().to_lowercase();
    const YOU: [&str; 6] = ["uni", "use", "usu", "eu", "one", "ure"];
    const SILENT_H: [&str; 4] = ["hour", "honest", "honou", "heir"];
    if SILENT_H.iter().any(|p| lower.starts_with(p)) {
        return "an";
    }
    if YOU.iter().any(|p| lower.starts_with(p)) {
        return "a";
    }
    match lower.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

/// `word` with its article: `"an airplane"`, `"a cat"`.
pub fn with_article(word: &str) -> String {
    format!("{} {word}", article(word))
}

/// `n` with the noun in the number it takes: `"1 token"`, `"2 tokens"`.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cifar_class_gets_the_article_it_is_spoken_with() {
        let spoken: Vec<String> =
            ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
                .iter()
                .map(|c| with_article(c))
                .collect();
        assert_eq!(spoken[..3], ["an airplane", "an automobile", "a bird"]);
        assert!(spoken[3..].iter().all(|s| s.starts_with("a ")), "{spoken:?}");
        assert_eq!(with_article("European fire salamander"), "a European fire salamander");
        assert_eq!(with_article("hourglass"), "an hourglass");
        assert_eq!(with_article("umbrella"), "an umbrella");
        assert_eq!(with_article("unicycle"), "a unicycle");
    }

    #[test]
    fn one_takes_the_singular() {
        assert_eq!(counted(1, "token", "tokens"), "1 token");
        assert_eq!(counted(0, "token", "tokens"), "0 tokens");
        assert_eq!(counted(2, "block", "blocks"), "2 blocks");
    }
}
