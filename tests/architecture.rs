//! docs/ARCHITECTURE.md's module tables are the files of `src/`: every file named in a first cell exists,
//! and every file of `src/` is named (its path anywhere in the tables, or its name in its folder's row);
//! `mod.rs`, `lib.rs`, test files and the models (one file per family of Gong objects, the `models/` row
//! says so) are not listed one by one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The rows of the connector's module tables: (first cell, second cell).
fn rows() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(root().join("docs/ARCHITECTURE.md")).unwrap();
    let start = doc.find("## Connector modules").expect("the module table");
    let end = doc
        .find("## Data flow of one record")
        .expect("the section after it");
    let mut text = doc[start..end].to_string();
    if let Some(i) = doc.find("### Deletions and resumable full refresh") {
        text.push_str(&doc[i..]);
    }
    text.lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].to_string(), cells[2..].join("|"))
        })
        .collect()
}

/// The backquoted words of a cell.
fn quoted(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}

fn files(dir: &Path, src: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, src, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel);
        }
    }
}

fn src_files() -> BTreeSet<String> {
    let src = root().join("src");
    let mut out = BTreeSet::new();
    files(&src, &src, &mut out);
    out
}

#[test]
fn every_file_the_module_table_names_exists() {
    let src = src_files();
    let rows = rows();
    assert!(rows.len() > 30, "only {} rows found", rows.len());
    for (first, _) in &rows {
        for name in quoted(first) {
            let exists = if let Some(dir) = name.strip_suffix('/') {
                root().join("src").join(dir).is_dir()
            } else {
                src.contains(&name)
            };
            assert!(
                exists,
                "docs/ARCHITECTURE.md names `{name}`, which src/ does not have"
            );
        }
    }
}

#[test]
fn every_file_of_src_is_in_the_module_table() {
    let rows = rows();
    let all_text: String = rows.iter().map(|(a, b)| format!("{a} {b}\n")).collect();
    let missing: Vec<String> = src_files()
        .into_iter()
        .filter(|f| {
            let name = f.rsplit('/').next().unwrap();
            !(name == "mod.rs" || name == "tests.rs" || f == "lib.rs" || f.starts_with("models/"))
        })
        .filter(|f| {
            if all_text.contains(&format!("`{f}`")) {
                return false;
            }
            // A file of a folder, named in the folder's row (`api/` … `entities.rs`).
            let Some((dir, name)) = f.rsplit_once('/') else {
                return true;
            };
            let folder_row = rows
                .iter()
                .find(|(first, _)| quoted(first).contains(&format!("{dir}/")));
            !folder_row.is_some_and(|(_, role)| role.contains(&format!("`{name}`")))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "files of src/ that docs/ARCHITECTURE.md's module tables do not name: {missing:?}"
    );
}
