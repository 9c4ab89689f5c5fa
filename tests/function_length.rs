//! No function of `src/` is longer than a screen (docs/ARCHITECTURE.md; the house rule is < ~80 lines):
//! a longer one does several jobs, and each job is a function with a name. This test reads every `fn` of
//! `src/` outside test code (`#[cfg(test)]` modules and `tests.rs` files) with a line-based scan of the
//! formatted sources (`cargo fmt`: a body ends at the first `}` line at its `fn`'s indentation) and fails
//! on one over [`MAX_LINES`], signature and closing brace included.

use std::path::{Path, PathBuf};

const MAX_LINES: usize = 80;

/// Functions allowed to be longer, with the reason.
const ALLOWED: &[(&str, &str, &str)] = &[(
    "engine/splitter.rs",
    "scan",
    "the splitter's hot loop: one state machine over a page's bytes, kept whole so the byte loop \
     stays one loop the compiler optimises as such",
)];

/// A function: file (relative to `src/`), name, first line (1-based), length in lines.
#[derive(Debug)]
struct Function {
    file: String,
    name: String,
    line: usize,
    len: usize,
}

/// The name of the function a line starts (`pub(crate) async fn name<…>(`), if it starts one.
fn fn_name(trimmed: &str) -> Option<String> {
    let mut rest = trimmed;
    loop {
        let word = rest.split_whitespace().next()?;
        if word == "fn" {
            break;
        }
        let qualifier = word.starts_with("pub")
            || matches!(word, "async" | "const" | "unsafe" | "extern" | "default");
        if !qualifier {
            return None;
        }
        rest = rest[word.len()..].trim_start();
    }
    let name: String = rest["fn".len()..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Every function with a body in `text` (before its first `#[cfg(test)]`).
fn functions(file: &str, text: &str) -> Vec<Function> {
    let code = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    let lines: Vec<&str> = code.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let Some(name) = fn_name(trimmed) else {
            continue;
        };
        let indent = &line[..line.len() - trimmed.len()];
        let close = format!("{indent}}}");
        let mut end = None;
        for (i, l) in lines.iter().enumerate().skip(start) {
            let t = l.trim_end();
            if i == start && t.ends_with('}') && t.matches('{').count() == t.matches('}').count() {
                end = Some(i); // a one-line function
                break;
            }
            if t.ends_with(';') && !t.contains('{') && end.is_none() && i == start {
                break; // a declaration without a body
            }
            if i > start && t == close {
                end = Some(i);
                break;
            }
        }
        if let Some(end) = end {
            found.push(Function {
                file: file.to_string(),
                name,
                line: start + 1,
                len: end - start + 1,
            });
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(path);
        }
    }
}

fn all_functions() -> Vec<Function> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut all = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let rel = path
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        all.extend(functions(&rel, &text));
    }
    all
}

#[test]
fn no_function_in_src_is_longer_than_a_screen() {
    let all = all_functions();
    assert!(
        all.len() > 500,
        "the scan found only {} functions",
        all.len()
    );
    let long: Vec<String> = all
        .iter()
        .filter(|f| f.len > MAX_LINES)
        .filter(|f| {
            !ALLOWED
                .iter()
                .any(|(file, name, _)| f.file == *file && f.name == *name)
        })
        .map(|f| format!("src/{}:{} fn {} is {} lines", f.file, f.line, f.name, f.len))
        .collect();
    assert!(
        long.is_empty(),
        "functions over {MAX_LINES} lines (split them along their jobs):\n{}",
        long.join("\n")
    );
}

#[test]
fn the_allowed_long_functions_are_still_long() {
    let all = all_functions();
    for (file, name, _) in ALLOWED {
        assert!(
            all.iter()
                .any(|f| f.file == *file && f.name == *name && f.len > MAX_LINES),
            "src/{file} fn {name} is no longer over {MAX_LINES} lines: take it off the list"
        );
    }
}

#[test]
fn the_scan_measures_a_function_from_signature_to_closing_brace() {
    let text = "impl X {\n    pub(crate) async fn a(\n        x: u8,\n    ) -> u8 {\n        x\n    }\n\n    fn b() -> u8 { 1 }\n    fn c(&self);\n}\n";
    let found = functions("x.rs", text);
    let got: Vec<(&str, usize, usize)> = found
        .iter()
        .map(|f| (f.name.as_str(), f.line, f.len))
        .collect();
    assert_eq!(got, [("a", 2, 5), ("b", 8, 1)]);
}
