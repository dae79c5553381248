//! What a route is: its method, path, access rule, summary, handler and, for the API, the schema
//! of its success answer. Every capability's `pages.rs`/`api.rs` declares its routes with [`r`]
//! (pages, files) or [`api`] (JSON API); the table that assembles them (`web::routes::all`) is
//! the only module that imports the capabilities, so this one imports none.
//!
//! An API route's answer is declared by its handler's return type: [`api`] takes the type the
//! handler's future resolves to (`ApiResult<Json<T>>`, `ApiResult<(StatusCode, Json<T>)>`,
//! `ApiResult<StatusCode>`) and keeps the JSON Schema of `T` (derived with `schemars`) for the
//! OpenAPI document, so the document cannot describe another type than the one serialised. A
//! handler answering an untyped `Response` does not compile with [`api`]; `Json<Value>` does,
//! with a schema that accepts anything, which `tests/openapi.rs` refuses.

use crate::state::AppState;
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Json;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use std::future::Future;

/// Who may use a route. Scope rules (the unit must lie under one of the viewer's positions) are
/// checked inside the handlers, which answer 404 outside the scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in person.
    SignedIn,
    /// A signed-in person holding a position whose unit covers the target.
    Officer,
    /// A position at the central office with the right to manage clusters or position types.
    Central,
}

/// The schema of a success answer's JSON body, generated into the document's components;
/// `None` for an answer without a body (201 or 204 alone).
pub type AnswerSchema = fn(&mut SchemaGenerator) -> Option<Schema>;

pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
    pub handler: MethodRouter<AppState>,
    /// The declared success answer of an API route (set by [`api`]); `None` for pages and files,
    /// and for an API route nobody declared, which the OpenAPI check refuses.
    pub answer: Option<AnswerSchema>,
}

/// What a handler answers on success, as the OpenAPI document describes it.
pub trait Answer {
    fn schema(generator: &mut SchemaGenerator) -> Option<Schema>;
}

impl<T: JsonSchema> Answer for Json<T> {
    fn schema(generator: &mut SchemaGenerator) -> Option<Schema> {
        Some(generator.subschema_for::<T>())
    }
}

/// A status with a body: the body's schema (the statuses are `web::openapi::success`).
impl<T: Answer> Answer for (StatusCode, T) {
    fn schema(generator: &mut SchemaGenerator) -> Option<Schema> {
        T::schema(generator)
    }
}

/// A status alone: no body.
impl Answer for StatusCode {
    fn schema(_: &mut SchemaGenerator) -> Option<Schema> {
        None
    }
}

/// A file name as a `Content-Disposition` header may carry it: letters, digits, `.`, `-`, `_`.
fn ascii_name(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') => c,
            _ => '_',
        })
        .collect()
}

/// A PDF document answered by an API route (`application/pdf`, opened in the browser under
/// `name`); the OpenAPI document declares it as such, not as JSON.
pub struct Pdf {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl axum::response::IntoResponse for Pdf {
    fn into_response(self) -> axum::response::Response {
        let ascii = ascii_name(&self.name);
        (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "application/pdf".to_owned(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{ascii}\""),
                ),
            ],
            self.bytes,
        )
            .into_response()
    }
}

/// The media type of a non-JSON answer, as its schema carries it (`contentMediaType`).
pub const PDF_MEDIA: &str = "application/pdf";

impl Answer for Pdf {
    fn schema(_: &mut SchemaGenerator) -> Option<Schema> {
        Some(schemars::json_schema!({
            "type": "string",
            "contentMediaType": PDF_MEDIA,
            "description": "A PDF document (starts with %PDF)"
        }))
    }
}

/// The media type of an Excel workbook.
pub const XLSX_MEDIA: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An Excel workbook answered by a page or an API route (downloaded as `name`); the OpenAPI
/// document declares it under its own media type, not as JSON.
pub struct Xlsx {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl axum::response::IntoResponse for Xlsx {
    fn into_response(self) -> axum::response::Response {
        let ascii = ascii_name(&self.name);
        (
            [
                (axum::http::header::CONTENT_TYPE, XLSX_MEDIA.to_owned()),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{ascii}\""),
                ),
            ],
            self.bytes,
        )
            .into_response()
    }
}

impl Answer for Xlsx {
    fn schema(_: &mut SchemaGenerator) -> Option<Schema> {
        Some(schemars::json_schema!({
            "type": "string",
            "contentMediaType": XLSX_MEDIA,
            "description": "An Excel workbook (.xlsx): the list as filtered, at most export_max_rows rows (50,000 by default)"
        }))
    }
}

/// The success side; errors are problem+json, described once for every route.
impl<T: Answer, E> Answer for Result<T, E> {
    fn schema(generator: &mut SchemaGenerator) -> Option<Schema> {
        T::schema(generator)
    }
}

/// What an async handler's future resolves to, for handlers of any arity up to eight
/// extractors (axum's `Handler` hides it).
pub trait Returns<Args> {
    type Output;
}

macro_rules! returns {
    ($($arg:ident),*) => {
        impl<F, Fut, $($arg,)*> Returns<($($arg,)*)> for F
        where
            F: FnOnce($($arg),*) -> Fut,
            Fut: Future,
        {
            type Output = Fut::Output;
        }
    };
}

returns!();
returns!(A1);
returns!(A1, A2);
returns!(A1, A2, A3);
returns!(A1, A2, A3, A4);
returns!(A1, A2, A3, A4, A5);
returns!(A1, A2, A3, A4, A5, A6);
returns!(A1, A2, A3, A4, A5, A6, A7);
returns!(A1, A2, A3, A4, A5, A6, A7, A8);

fn route<H, T>(
    method: Method,
    path: &'static str,
    access: Access,
    summary: &'static str,
    h: H,
    answer: Option<AnswerSchema>,
) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET);
    Route {
        method,
        path,
        access,
        summary,
        handler: on(filter, h),
        answer,
    }
}

/// A page or file route: no answer schema.
pub fn r<H, T>(
    method: Method,
    path: &'static str,
    access: Access,
    summary: &'static str,
    h: H,
) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    route(method, path, access, summary, h, None)
}

/// An API route: its answer schema is the one of the handler's return type.
pub fn api<H, T, A>(
    method: Method,
    path: &'static str,
    access: Access,
    summary: &'static str,
    h: H,
) -> Route
where
    H: Handler<T, AppState> + Returns<A>,
    <H as Returns<A>>::Output: Answer,
    T: 'static,
{
    let answer: AnswerSchema = <<H as Returns<A>>::Output as Answer>::schema;
    route(method, path, access, summary, h, Some(answer))
}
