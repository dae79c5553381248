//! The `khuyenhoc` binary: see `khuyenhoc --help`.

fn main() -> std::process::ExitCode {
    khuyenhoc::cli::main_of(khuyenhoc::cli::run)
}
