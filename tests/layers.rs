//! The layers keep apart: every row of the rules table in
//! `docs/architecture.md` ("files" → "must not import") holds for every
//! Rust file it names. A break fails naming the file, the line and the row.

use std::path::{Path, PathBuf};

/// One row of the table: files under `prefix` must not import `forbidden`.
#[derive(Debug)]
struct Rule {
    prefix: String,
    forbidden: Vec<String>,
}

/// The rows of the table under "must not import" in `doc`.
fn rules(doc: &str) -> Vec<Rule> {
    let ticked = |cell: &str| -> Vec<String> { cell.split('`').skip(1).step_by(2).map(str::to_string).collect() };
    doc.lines()
        .skip_while(|line| !line.contains("| must not import |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .filter_map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').collect();
            let prefix = ticked(cells.first()?).into_iter().next()?;
            Some(Rule { prefix, forbidden: ticked(cells.get(1)?) })
        })
        .collect()
}

/// The crate's modules a source names: `crate::x` in the crate itself,
/// `shiftscope::x` in the web shell; comments left out. `(line, module)`.
fn imports(source: &str, root: &str) -> Vec<(usize, String)> {
    let needle = format!("{root}::");
    let mut found = vec![];
    for (number, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find(&needle) {
            let after = &rest[at + needle.len()..];
            let before = rest[..at].chars().last();
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                let module: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                // `crate::{a, b}`: every module in the braces.
                if module.is_empty() && after.starts_with('{') {
                    let group = after[1..].split('}').next().unwrap_or("");
                    for item in group.split(',') {
                        let name: String =
                            item.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                        if !name.is_empty() {
                            found.push((number + 1, name));
                        }
                    }
                } else if !module.is_empty() {
                    found.push((number + 1, module));
                }
            }
            rest = after;
        }
    }
    found
}

/// Every break of `rules` in `(path, source)` pairs, as readable lines.
fn breaks(rules: &[Rule], files: &[(String, String)]) -> Vec<String> {
    let mut out = vec![];
    for (path, source) in files {
        let root = if path.starts_with("web/") { "shiftscope" } else { "crate" };
        for rule in rules.iter().filter(|r| path.starts_with(&r.prefix)) {
            for (line, module) in imports(source, root) {
                if rule.forbidden.contains(&module) {
                    out.push(format!("{path}:{line} imports `{module}`, which `{}` must not import", rule.prefix));
                }
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_layer_imports_only_what_the_table_allows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/architecture.md")).unwrap();
    let rules = rules(&doc);
    assert!(rules.len() >= 6, "the table in docs/architecture.md was not found: {rules:?}");
    let mut paths = vec![];
    for dir in ["src", "web/src"] {
        rust_files(&root.join(dir), &mut paths);
    }
    let files: Vec<(String, String)> = paths
        .iter()
        .map(|p| {
            let relative = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            (relative, std::fs::read_to_string(p).unwrap())
        })
        .collect();
    for rule in &rules {
        assert!(files.iter().any(|(path, _)| path.starts_with(&rule.prefix)), "no file under {}", rule.prefix);
    }
    let found = breaks(&rules, &files);
    assert!(found.is_empty(), "the layers leak (docs/architecture.md):\n{}", found.join("\n"));
}

#[test]
fn a_break_is_caught_and_named() {
    let doc =
        "| files | must not import |\n|---|---|\n| `src/models/` | `viz`, `engine` |\n| `web/src/` | `weights` |\n";
    let rules = rules(doc);
    let files = [
        ("src/models/a.rs".to_string(), "use crate::ops::sum;\n// crate::viz in a comment\nfn f() {}\n".to_string()),
        ("src/models/b.rs".to_string(), "use crate::{error::Error, viz::TokenGraph};\n".to_string()),
        ("src/models/c.rs".to_string(), "fn g() { crate::engine::run(); }\n".to_string()),
        ("src/viz/d.rs".to_string(), "use crate::engine::Engine;\n".to_string()),
        ("web/src/e.rs".to_string(), "use shiftscope::weights::Profile;\nuse crate::viz::x;\n".to_string()),
    ];
    let found = breaks(&rules, &files);
    assert_eq!(
        found,
        [
            "src/models/b.rs:1 imports `viz`, which `src/models/` must not import",
            "src/models/c.rs:1 imports `engine`, which `src/models/` must not import",
            "web/src/e.rs:1 imports `weights`, which `web/src/` must not import",
        ]
    );
}
