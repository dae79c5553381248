//! Excel imports as a browser does them: a multipart upload with the CSRF token in the action's
//! query, the hidden fields of the preview's confirm form, and posting that form back.

use super::{Client, Resp, TestApp};
use axum::body::Body;
use axum::http::{header, Request};

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Uploads `file` (named `file_name`) with the text `fields` before it to `action`, as the
/// upload form does; without `file` only the fields go.
pub async fn upload_workbook(
    app: &TestApp,
    c: &mut Client,
    action: &str,
    fields: &[(&str, String)],
    file: Option<(&str, &[u8])>,
) -> Resp {
    if c.csrf().is_empty() {
        app.get(c, "/login").await;
    }
    let boundary = "kh-import-test-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    // The CSRF token is the form's first field, as the page's form sends it (never in the URL).
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n",
            c.csrf()
        )
        .as_bytes(),
    );
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {XLSX}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let req = Request::post(action)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request");
    app.send(c, req).await
}

/// The value of a hidden field of a page, unescaped as a browser reads it; `None` without one.
pub fn hidden_field(body: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker)? + marker.len();
    Some(
        body[start..]
            .chars()
            .take_while(|c| *c != '"')
            .collect::<String>()
            .replace("&#x2f;", "/")
            .replace("&#47;", "/")
            .replace("&amp;", "&"),
    )
}

/// The value of a hidden field the page must have.
pub fn hidden(body: &str, name: &str) -> String {
    hidden_field(body, name).unwrap_or_else(|| panic!("no hidden field {name} in {body}"))
}

/// Posts a preview's confirm form to `action`: the `names` hidden fields as the page has them,
/// with `replace` overriding any of them.
pub async fn confirm_form(
    app: &TestApp,
    c: &mut Client,
    action: &str,
    preview: &Resp,
    names: &[&str],
    replace: &[(&str, String)],
) -> Resp {
    let mut fields: Vec<(&str, String)> = names
        .iter()
        .map(|k| (*k, hidden(&preview.body, k)))
        .collect();
    for (k, v) in replace {
        match fields.iter_mut().find(|(n, _)| n == k) {
            Some(f) => f.1.clone_from(v),
            None => fields.push((k, v.clone())),
        }
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post_form(c, action, &fields).await
}
