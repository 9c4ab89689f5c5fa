//! The docs say what the binary does: counts, tables and names in README.md and docs/gong.md are
//! checked against `spec`, `discover`, `check` (against the sandbox) and the endpoint table, so a
//! change that makes them drift fails here. (The image size claim is checked in tests/container.rs,
//! which has the image; the "Try it by hand" commands are run by tests/try_by_hand.rs.)
//!
//! `PRINT_SCOPES=1 cargo test --release --test docs -- --nocapture` prints the scope table of
//! docs/gong.md from the endpoint table.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use regex::Regex;
use serde_json::Value;
use source_gong::streams::STREAMS;

/// The scope media URLs need besides the endpoint table's (Gong's `media` content).
const MEDIA_SCOPE: &str = "api:calls:read:media-url";

fn doc(name: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

const DOCS: &[&str] = &["README.md", "docs/gong.md"];

/// A doc without its changelog, whose rows tell what earlier versions had (their stream counts).
fn current(name: &str) -> String {
    let text = doc(name);
    match text.find("\n## Changelog") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// The lines of the section that starts with the heading `heading`, up to the next heading of the
/// same or a higher level (lines in code blocks are never headings).
fn section(text: &str, heading: &str) -> String {
    let level = heading.chars().take_while(|c| *c == '#').count();
    let mut lines = text.lines().skip_while(|l| l.trim() != heading);
    assert!(lines.next().is_some(), "no heading `{heading}`");
    let mut in_code = false;
    let mut out = Vec::new();
    for line in lines {
        in_code ^= line.starts_with("```");
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if !in_code && hashes > 0 && hashes <= level && line[hashes..].starts_with(' ') {
            break;
        }
        out.push(line);
    }
    out.join("\n")
}

/// The first cells of the rows of a section's first table, without backticks (header and rule rows
/// left out).
fn first_cells(section: &str) -> Vec<String> {
    section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter(|l| !l.starts_with("|---"))
        .skip(1)
        .map(|l| {
            l.split('|')
                .nth(1)
                .unwrap()
                .trim()
                .trim_matches('`')
                .to_string()
        })
        .collect()
}

fn discovered() -> BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    let config = write_json(
        dir.path(),
        "c.json",
        &config_for("https://api.gong.io", "2024-01-01"),
    );
    discover(&config)
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_config_field_of_spec_is_in_the_readme_config_table_and_no_other() {
    let spec = run(&["spec"]);
    let properties = spec.of_type("SPEC").next().unwrap()["spec"]["connectionSpecification"]
        ["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect::<BTreeSet<String>>();
    let table: BTreeSet<String> = first_cells(&section(&doc("README.md"), "## Configuration"))
        .into_iter()
        .collect();
    assert_eq!(table, properties, "README.md, \"Configuration\" vs `spec`");
}

#[test]
fn stream_counts_and_stream_tables_match_discover() {
    let streams = discovered();
    let count = Regex::new(r"\b(\d+) streams\b").unwrap();
    for name in DOCS {
        let text = current(name);
        let counts: Vec<usize> = count
            .captures_iter(&text)
            .map(|c| c[1].parse().unwrap())
            .collect();
        assert!(!counts.is_empty(), "{name} states no stream count");
        for n in counts {
            assert_eq!(
                n,
                streams.len(),
                "{name} says {n} streams; discover has {}",
                streams.len()
            );
        }
    }
    for (name, heading) in [
        ("README.md", "## Streams"),
        ("docs/gong.md", "## Supported streams"),
    ] {
        let rows: BTreeSet<String> = first_cells(&section(&doc(name), heading))
            .into_iter()
            .collect();
        assert_eq!(rows, streams, "{name}, \"{heading}\" vs discover");
    }
}

/// The scopes `check` probes: one per distinct scope of the endpoints the streams call.
fn probed_scopes() -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    let mut scopes: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for def in STREAMS {
        for endpoint in def.endpoints() {
            scopes.entry(endpoint.scope).or_default().insert(def.name);
        }
    }
    scopes
}

#[test]
fn probe_counts_and_check_examples_match_check() {
    let sb = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    let config = write_json(
        dir.path(),
        "c.json",
        &config_for(&sb.base_url(), "2024-01-01"),
    );
    let check = run(&["check", "--config", config.to_str().unwrap()]);
    let status = &check.of_type("CONNECTION_STATUS").next().unwrap()["connectionStatus"];
    let message = status["message"].as_str().unwrap();
    let probes: usize = Regex::new(r"\((\d+) probe requests")
        .unwrap()
        .captures(message)
        .unwrap_or_else(|| panic!("check names its probes: {message}"))[1]
        .parse()
        .unwrap();
    assert_eq!(probes, probed_scopes().len());
    assert_eq!(
        sb.stats().api_requests as usize,
        probes + 1,
        "the workspaces request and the probes"
    );
    let streams = discovered().len();
    let stated = Regex::new(r"\b(\d+) probe requests\b").unwrap();
    let example = Regex::new(r"Readable streams \((\d+) of (\d+)\)").unwrap();
    for name in DOCS {
        let text = current(name);
        let found: Vec<usize> = stated
            .captures_iter(&text)
            .map(|c| c[1].parse().unwrap())
            .collect();
        assert!(!found.is_empty(), "{name} states no probe count");
        assert!(
            found.iter().all(|n| *n == probes),
            "{name}: {found:?}, check sends {probes}"
        );
        for c in example.captures_iter(&text) {
            let (readable, of): (usize, usize) = (c[1].parse().unwrap(), c[2].parse().unwrap());
            assert!(of == streams && readable <= of, "{name}: `{}`", &c[0]);
        }
    }
}

#[test]
fn the_scope_table_is_the_endpoint_tables() {
    let mut scopes = probed_scopes();
    // Recordings, and calls_extensive's `media` content (on by default).
    scopes.insert(
        MEDIA_SCOPE,
        BTreeSet::from(["call_media", "calls_extensive"]),
    );
    if std::env::var_os("PRINT_SCOPES").is_some() {
        println!("| scope | streams |\n|---|---|");
        for (scope, streams) in &scopes {
            let streams: Vec<&str> = streams.iter().copied().collect();
            println!("| `{scope}` | {} |", streams.join(", "));
        }
    }
    let text = section(&doc("docs/gong.md"), "### OAuth scopes to grant");
    let rows: BTreeMap<String, BTreeSet<String>> = text
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let streams = cells[2].split(", ").map(String::from).collect();
            (cells[1].trim_matches('`').to_string(), streams)
        })
        .collect();
    let want: BTreeMap<String, BTreeSet<String>> = scopes
        .iter()
        .map(|(s, names)| (s.to_string(), names.iter().map(|n| n.to_string()).collect()))
        .collect();
    assert_eq!(
        rows, want,
        "docs/gong.md, \"OAuth scopes to grant\" vs the endpoint table"
    );
    let count = format!("{} scopes", want.len());
    assert!(text.contains(&count), "the section says `{count}`");
}

#[test]
fn user_docs_speak_plain_words_not_project_history() {
    let history = Regex::new(r"(?i)\bissue \d+|\bbranch `|the seed's \d+").unwrap();
    for name in DOCS {
        let text = current(name);
        let found: Vec<&str> = history.find_iter(&text).map(|m| m.as_str()).collect();
        assert!(found.is_empty(), "{name}: {found:?}");
    }
}

#[test]
fn the_image_and_documentation_url_are_this_projects_everywhere() {
    let spec = run(&["spec"]);
    let url = spec.of_type("SPEC").next().unwrap()["spec"]["documentationUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let metadata = doc("metadata.yaml");
    let field = |key: &str| -> String {
        let line = metadata
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{key}:")))
            .unwrap_or_else(|| panic!("metadata.yaml has {key}"));
        line.split_once(':').unwrap().1.trim().to_string()
    };
    assert_eq!(field("documentationUrl"), url);
    let repository = field("dockerRepository");
    assert!(
        !repository.starts_with("airbyte/"),
        "{repository} is Airbyte's namespace"
    );
    let spec_json: Value = serde_json::from_str(&doc("integration_tests/spec.json")).unwrap();
    assert_eq!(spec_json["documentationUrl"], url.as_str());
    assert!(doc("Dockerfile").contains(&format!("io.airbyte.name={repository}")));
    for name in [
        "README.md",
        "docs/gong.md",
        "acceptance-test-config.yml",
        "scripts/docker-build.sh",
        "scripts/test.sh",
        "tests/container.rs",
    ] {
        let text = doc(name);
        assert!(
            !text.contains("airbyte/source-gong"),
            "{name} names Airbyte's image"
        );
        assert!(
            !text.contains("docs.airbyte.com/integrations/sources/gong"),
            "{name}"
        );
    }
    assert!(doc("README.md").contains(&format!("{repository}:dev")));
}
