//! Page chrome shared by every page (language, CSRF token, who is signed in) and rendering.

use crate::auth::{CsrfToken, OptionalViewer};
use crate::error::{FieldError, PageError};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;
use std::convert::Infallible;

#[derive(Debug, Clone, Default)]
pub struct Chrome {
    pub l: Lang,
    pub csrf: String,
    pub user: Option<String>,
    pub officer: bool,
    /// Unread notices of the signed-in person (the header's inbox link).
    pub unread: i64,
    /// The current path and query, for the language switch to come back to.
    pub here: String,
}

impl Chrome {
    pub fn t<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        self.l.t(vi, en)
    }
    /// Whether the reader reads English.
    pub fn en(&self) -> bool {
        self.l.is_en()
    }
    /// A right in the reader's language (its code when the program does not know it).
    pub fn right(&self, code: &str) -> String {
        match crate::auth::perm::name(code) {
            Some((vi, en)) => self.t(vi, en).to_owned(),
            None => code.to_owned(),
        }
    }
    /// The other language's switch link.
    pub fn switch_href(&self) -> String {
        let target = if self.l.is_en() { "vi" } else { "en" };
        let next: String = url::form_urlencoded::byte_serialize(self.here.as_bytes()).collect();
        format!("/lang/{target}?next={next}")
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Chrome {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Infallible> {
        let l = Lang::from_request_parts(parts, s).await?;
        let CsrfToken(csrf) = CsrfToken::from_request_parts(parts, s).await?;
        let OptionalViewer(v) = OptionalViewer::from_request_parts(parts, s).await?;
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into());
        Ok(Chrome {
            l,
            csrf,
            officer: v.as_ref().is_some_and(|v| v.is_officer()),
            unread: v.as_ref().map_or(0, |v| v.unread_notices),
            user: v.map(|v| v.full_name),
            here,
        })
    }
}

/// Renders a template into a page.
pub fn render<T: Template>(t: &T) -> Result<Html<String>, PageError> {
    t.render()
        .map(Html)
        .map_err(|e| PageError(anyhow::anyhow!("template: {e}").into()))
}

/// Field errors of a form, looked up by field name in templates.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    pub fn get(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}
