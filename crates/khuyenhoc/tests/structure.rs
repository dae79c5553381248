//! The shape ARCHITECTURE.md promises, checked on every run: `scripts/structure.py` reads every
//! crate's source and fails on an import cycle between files of different folders, a file over
//! 600 lines without a written reason, or a backend or unit level decided by comparing strings.
//! (Functions over 80 lines are clippy's: `clippy.toml`.)

use std::path::Path;
use std::process::Command;

#[test]
fn the_code_keeps_its_shape() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("python3")
        .arg("scripts/structure.py")
        .current_dir(&root)
        .output()
        .expect("python3 runs scripts/structure.py");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "scripts/structure.py found what ARCHITECTURE.md rules out:\n{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_checker_sees_a_cycle_and_a_long_file() {
    // A made-up crate with a cycle between two folders and a long file: the checker must fail.
    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("a")).expect("a");
    std::fs::create_dir_all(src.join("b")).expect("b");
    std::fs::write(src.join("lib.rs"), "pub mod a;\npub mod b;\n").expect("lib");
    std::fs::write(
        src.join("a/mod.rs"),
        "use crate::b::g;\npub fn f() { g() }\n",
    )
    .expect("a");
    let long = "// line\n".repeat(700);
    std::fs::write(
        src.join("b/mod.rs"),
        format!("use crate::a::f;\npub fn g() {{}}\n{long}"),
    )
    .expect("b");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("python3")
        .arg(root.join("scripts/structure.py"))
        .arg(&src)
        .output()
        .expect("python3 runs scripts/structure.py");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "a cycle and a long file must fail: {report}"
    );
    assert!(report.contains("CYCLE across folders"), "{report}");
    assert!(report.contains("LONG FILE"), "{report}");
}
