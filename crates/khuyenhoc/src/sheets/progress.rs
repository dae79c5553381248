//! Streamed pages: a large workbook's preview or commit sends its page as the work goes (no
//! JavaScript): the shell up to its `</main>` at once, a line every `PROGRESS_EVERY` rows read
//! and checked and for every chunk written, then the result a small workbook gets at once. Such
//! a page's status is 200 whatever the outcome (it is sent first); refusals found before any
//! row is checked keep their own status, as they come before the page starts.

use super::pages::{refusal, ProgressPage, StoppedPart};
use super::Import;
use crate::error::{AppError, PageResult};
use crate::i18n::Lang;
use crate::web::layout::render;
use askama::Template;
use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::sync::mpsc;

/// Rows between two progress lines.
pub const PROGRESS_EVERY: usize = 200;

/// Where progress lines go: nowhere for a small workbook, else to the streamed page.
#[derive(Default)]
pub struct Progress {
    to: Option<(mpsc::UnboundedSender<Bytes>, Lang)>,
    /// Whether the work stops once nobody reads the page (only when it writes nothing).
    stop_if_gone: bool,
}

impl Progress {
    /// A line of the page (nothing when the page is not streamed). The text is the program's
    /// own (counts), never what a file says, so it goes into the page as it is.
    pub fn line(&self, vi: String, en: String) {
        if let Some((tx, l)) = &self.to {
            // A closed page is no reason to fail: `abandoned` decides whether to go on.
            let _ = tx.send(Bytes::from(format!(
                "<p class=\"progress\">{}</p>\n",
                l.t(&vi, &en)
            )));
        }
    }

    /// `done` of `total` rows read and checked.
    pub fn read(&self, done: usize, total: usize) {
        if done.is_multiple_of(PROGRESS_EVERY) || done == total {
            self.line(
                format!("Đã đọc {done} / {total} dòng…"),
                format!("Read {done} of {total} rows…"),
            );
        }
    }

    /// `done` of `total` rows written in the (not yet committed) transaction.
    pub fn wrote(&self, done: usize, total: usize) {
        self.line(
            format!("Đã ghi {done} / {total} dòng…"),
            format!("Wrote {done} of {total} rows…"),
        );
    }

    /// Whether the work should stop: it writes nothing and nobody reads the page any more.
    pub fn abandoned(&self) -> bool {
        self.stop_if_gone && self.to.as_ref().is_some_and(|(tx, _)| tx.is_closed())
    }

    /// The refusal of a check stopped by `abandoned`.
    pub fn gone_error() -> AppError {
        AppError::bad_request(
            "Đã dừng vì trình duyệt không còn chờ",
            "Stopped as the browser no longer waits",
        )
    }
}

/// The chunks of a streamed page.
struct Chunks(mpsc::UnboundedReceiver<Bytes>);

impl futures_core::Stream for Chunks {
    type Item = Result<Bytes, std::convert::Infallible>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx).map(|c| c.map(Ok))
    }
}

pub fn template_error(e: askama::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("template: {e}"))
}

/// A page sent as it is made: the shell up to its `</main>` at once, then the progress lines of
/// `work`, then what `work` returns (or why it stopped), then the rest of the shell. `work` runs
/// on a task of its own, so it ends the same way (a transaction committed or rolled back)
/// whether or not the browser still reads the page.
pub fn streamed<I, F, Fut>(shell: ProgressPage, stop_if_gone: bool, work: F) -> PageResult<Response>
where
    I: Import,
    F: FnOnce(Progress) -> Fut,
    Fut: std::future::Future<Output = Result<String, AppError>> + Send + 'static,
{
    let page = render(&shell)?.0;
    let cut = page.rfind("</main>").unwrap_or(page.len());
    let (head, tail) = page.split_at(cut);
    let tail = tail.to_owned();
    let (tx, rx) = mpsc::unbounded_channel::<Bytes>();
    let _ = tx.send(Bytes::from(head.to_owned()));
    let progress = Progress {
        to: Some((tx.clone(), shell.c.l)),
        stop_if_gone,
    };
    let task = tokio::spawn(work(progress));
    tokio::spawn(async move {
        let end = match task.await {
            Ok(Ok(html)) => html,
            Ok(Err(e)) => stopped::<I>(&shell, &e),
            Err(e) => stopped::<I>(
                &shell,
                &AppError::Internal(anyhow::anyhow!("import task: {e}")),
            ),
        };
        let _ = tx.send(Bytes::from(end + &tail));
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            // Proxies such as nginx pass the chunks on as they come.
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        Body::from_stream(Chunks(rx)),
    )
        .into_response())
}

/// The end of a streamed page whose work stopped on an error: nothing was saved.
fn stopped<I: Import>(shell: &ProgressPage, e: &AppError) -> String {
    let problem = refusal::<I>(e).unwrap_or_else(|| {
        tracing::error!(error = %e, "import stopped");
        (
            "Đã xảy ra lỗi khi xử lý tệp nên chưa có gì được lưu. Hãy thử lại sau ít phút".to_owned(),
            "Something went wrong while processing the file, so nothing was saved. Try again in a few minutes".to_owned(),
        )
    });
    let part = StoppedPart {
        c: shell.c.clone(),
        upload_href: shell.upload_href.clone(),
        problem,
    };
    part.render().unwrap_or_else(|_| {
        "<p class=\"alert\" role=\"alert\">Không lưu gì cả / Nothing was saved</p>".to_owned()
    })
}
