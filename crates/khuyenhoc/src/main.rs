//! The `khuyenhoc` binary: see `khuyenhoc --help`.

fn main() -> std::process::ExitCode {
    khuyenhoc::ops::memory::tune();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(khuyenhoc::cli::run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Lỗi / Error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
