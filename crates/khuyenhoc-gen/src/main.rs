//! The `khuyenhoc-gen` binary: see `khuyenhoc-gen --help` and the crate's documentation.

fn main() -> std::process::ExitCode {
    // The server's runtime and allocator settings: a run at scale 1 holds millions of rows.
    khuyenhoc::cli::main_of(khuyenhoc_gen::args::main)
}
