//! The direction of dependencies (ARCHITECTURE.md): the lower layers never name the HTTP side.

use std::path::Path;

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap(),
                ));
            }
        }
    }
    assert!(!out.is_empty(), "no sources under {}", dir.display());
    out
}

/// The lines of code (comments left out) that name one of `modules` as `crate::<m>`.
fn naming(files: &[(String, String)], modules: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (path, text) in files {
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if modules.iter().any(|m| {
                code.contains(&format!("crate::{m}::")) || code.contains(&format!("crate::{m};"))
            }) {
                found.push(format!("{path}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn lower_layers_never_name_the_http_side() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for dir in ["domain", "store", "app", "infra"] {
        files.extend(sources(&src.join(dir)));
    }
    let startup = src.join("startup.rs");
    files.push((
        startup.display().to_string(),
        std::fs::read_to_string(&startup).unwrap(),
    ));
    let found = naming(&files, &["web", "api"]);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_domain_names_nothing_of_ours() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = sources(&src.join("domain"));
    let found = naming(
        &files,
        &[
            "web", "api", "app", "store", "infra", "tools", "startup", "settings", "cli", "backup",
        ],
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}
