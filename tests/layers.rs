//! The connector's modules form layers (docs/ARCHITECTURE.md, "Layers"): a module names only modules of
//! lower layers, so no two modules import each other and a change low down never needs one higher up.
//! This test reads every `crate::<module>` of `src/` (outside comments and `#[cfg(test)]` modules) and
//! fails on one that climbs or stays level.

use std::collections::BTreeSet;
use std::path::Path;

/// The layers, lowest first; a module may name modules of lower layers only.
const LAYERS: &[&[&str]] = &[
    &["protocol", "atomic", "ledger"],
    &["error"],
    &["models", "clock"],
    &["config", "gong"],
    &["client", "streams"],
    &["media", "state"],
    &["deletions"],
    &["engine", "api", "readable"],
    &["download_file"],
    &["commands", "execute", "mcp"],
    &["main", "lib"],
];

/// Imports that climb today: none. A climb added here needs a reason in its comment.
const KNOWN_CLIMBS: &[(&str, &str)] = &[];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The top-level module a file of `src/` belongs to.
fn module_of(path: &Path, src: &Path) -> String {
    let rel = path.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The `crate::<name>` a file's code names, outside comments and test modules.
fn named_modules(text: &str) -> BTreeSet<String> {
    let code = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut names = BTreeSet::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            names.insert(name);
        }
    }
    names
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_import_climbs_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut climbs = Vec::new();
    for file in &files {
        let from = module_of(file, &src);
        let from_layer = layer_of(&from)
            .unwrap_or_else(|| panic!("module `{from}` is in no layer: add it to LAYERS"));
        for to in named_modules(&std::fs::read_to_string(file).unwrap()) {
            if to == from {
                continue;
            }
            let to_layer = layer_of(&to)
                .unwrap_or_else(|| panic!("module `{to}` is in no layer: add it to LAYERS"));
            let known = KNOWN_CLIMBS.contains(&(from.as_str(), to.as_str()));
            if to_layer >= from_layer && !known {
                climbs.push(format!("{} names crate::{to}", file.display()));
            }
        }
    }
    assert!(
        climbs.is_empty(),
        "imports that climb:\n{}",
        climbs.join("\n")
    );
}

#[test]
fn the_reader_sees_imports_and_skips_comments_and_tests() {
    let text = "use crate::gong::ids;\n// crate::engine\n//! [`crate::mcp`]\nlet x = crate::client::X; // crate::api\n#[cfg(test)]\nuse crate::main;";
    let names: Vec<String> = named_modules(text).into_iter().collect();
    assert_eq!(names, ["client", "gong"]);
}
