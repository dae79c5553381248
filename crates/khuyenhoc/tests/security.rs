//! The web edge under attack (issue 14, items 4, 9, 13 and 14): the login throttle keyed on the
//! account and the real client, redirects that stay on the site, CSRF tokens bound to the
//! session and to the site, and answers that keep personal data out of caches and `/metrics`
//! out of strangers' reach. Each test failed on main.

mod common;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use common::*;
use khuyenhoc::config::Settings;
use khuyenhoc::db::Backend;
use std::net::SocketAddr;
use std::sync::Arc;

/// The same application with changed settings (the database and demo data stay).
fn reconfigure(app: &mut TestApp, change: impl FnOnce(&mut Settings)) {
    let mut settings = (*app.state.settings).clone();
    change(&mut settings);
    app.state.throttle = Arc::new(khuyenhoc::auth::throttle::Throttle::new(
        settings.login_max_failures,
        std::time::Duration::from_secs(settings.login_window_seconds),
    ));
    app.state.settings = Arc::new(settings);
    app.router = khuyenhoc::web::app(app.state.clone());
}

/// A request as if it came in on a socket from `peer`.
fn from(peer: &str, mut req: Request<Body>) -> Request<Body> {
    let ip: std::net::IpAddr = peer.parse().expect("ip");
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(ip, 40000)));
    req
}

/// A login form with the client's CSRF token (fetched first when it has none).
async fn login_form(app: &TestApp, c: &mut Client, login: &str, password: &str) -> Request<Body> {
    if c.csrf().is_empty() {
        app.get(c, "/login").await;
    }
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    ser.append_pair("_csrf", &c.csrf());
    ser.append_pair("login", login);
    ser.append_pair("password", password);
    Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(ser.finish()))
        .expect("request")
}

fn header_of<'a>(r: &'a Resp, name: &str) -> Option<&'a str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
}

// Item 4: one account has one budget, however its phone number is typed (on main each spelling
// had five fresh tries), and a refusal says when to try again.
both_backends!(
    the_throttle_counts_an_account_however_it_is_typed,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut c = Client::default();
        let phones = [
            "0900.000.002",
            "+84900000002",
            "0900 000 002",
            "+84 900 000 002",
            "0900000002",
        ];
        let r = fail_then_try(&app, &mut c, &phones, ("84900000002", PASSWORD)).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
        let wait: u64 = header_of(&r, "retry-after")
            .and_then(|v| v.parse().ok())
            .expect("Retry-After");
        assert!((1..=2).contains(&wait), "the first delay is 2 s: {wait}");
        assert!(r.body.contains(&format!("đợi {wait} giây")), "{}", r.body);
        // Emails too: the case and spaces typed do not matter.
        let mut api = app.api_client(BADINH).await;
        let body = serde_json::json!({"full_name": "Ngô Thị Mai", "email": "mai@example.vn", "password": "mat-khau-dai"});
        let r = app
            .json(&mut api, "POST", "/api/v1/units/00004-1/people", body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let emails = [
            "mai@example.vn",
            "MAI@example.vn",
            " Mai@Example.VN ",
            "mai@EXAMPLE.vn",
            "mai@example.VN",
        ];
        let r = fail_then_try(&app, &mut c, &emails, ("mai@example.vn", "mat-khau-dai")).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    }
);

/// Fails to log in once with each of `logins` (each answered 401), then tries `last`.
async fn fail_then_try(app: &TestApp, c: &mut Client, logins: &[&str], last: (&str, &str)) -> Resp {
    for login in logins {
        let r = app
            .post_form(
                c,
                "/login",
                &[("login", login), ("password", "sai-mat-khau")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{login}");
    }
    app.post_form(c, "/login", &[("login", last.0), ("password", last.1)])
        .await
}

// Item 4: behind a trusted proxy each client has its own budget (on main the proxy's one address
// did, so twenty failures by anyone locked out every user), and a client that is not a trusted
// proxy cannot pick its address by writing the header itself.
both_backends!(
    the_throttle_sees_the_client_behind_trusted_proxies,
    |b: Backend| async move {
        let mut app = TestApp::new(b).await;
        reconfigure(&mut app, |s| {
            s.login_max_failures = 2;
            s.trusted_proxies = vec!["10.0.0.0/8".into()];
        });
        // A guesser behind the proxy tries many accounts: eight failures (four times two) for
        // its address, then it must wait.
        let mut guesser = Client::default();
        for n in 0..8 {
            let mut req =
                login_form(&app, &mut guesser, &format!("09870000{n:02}"), "x-x-x-x-x").await;
            req.headers_mut()
                .insert("x-forwarded-for", "198.51.100.7".parse().expect("value"));
            let r = app.send(&mut guesser, from("10.0.0.1", req)).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {n}");
        }
        let mut req = login_form(&app, &mut guesser, "0987000099", "x-x-x-x-x").await;
        req.headers_mut()
            .insert("x-forwarded-for", "198.51.100.7".parse().expect("value"));
        let r = app.send(&mut guesser, from("10.0.0.1", req)).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
        // Another person behind the same proxy logs in at once (the standard header this time).
        let mut other = Client::default();
        let mut req = login_form(&app, &mut other, BADINH, PASSWORD).await;
        req.headers_mut().insert(
            "forwarded",
            "for=198.51.100.8;proto=https".parse().expect("value"),
        );
        let r = app.send(&mut other, from("10.0.0.1", req)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // A client that is not a trusted proxy is its socket address, whatever it writes.
        let mut liar = Client::default();
        for n in 0..8 {
            let mut req =
                login_form(&app, &mut liar, &format!("09860000{n:02}"), "x-x-x-x-x").await;
            req.headers_mut().insert(
                "x-forwarded-for",
                format!("203.0.113.{n}").parse().expect("value"),
            );
            let r = app.send(&mut liar, from("192.0.2.50", req)).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {n}");
        }
        let mut req = login_form(&app, &mut liar, "0986000099", "x-x-x-x-x").await;
        req.headers_mut()
            .insert("x-forwarded-for", "203.0.113.99".parse().expect("value"));
        let r = app.send(&mut liar, from("192.0.2.50", req)).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    }
);

// Item 9: the language switch goes back only to a path of this site, parsed (on main
// `/%09/evil.example` redirected to what browsers read as `//evil.example`, and `/%0a/x`
// broke the answer).
both_backends!(
    the_language_switch_stays_on_the_site,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut c = Client::default();
        for next in [
            "/%09/evil.example",
            "//evil",
            "/%5Cevil",
            "/%0a/x",
            "/%0d%0aSet-Cookie:x=1",
            "https://evil.example/",
            "%2F%2Fevil.example",
            "/%20/evil.example",
            "javascript:alert(1)",
            "",
        ] {
            let r = app.get(&mut c, &format!("/lang/vi?next={next}")).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{next}");
            assert_eq!(r.location(), Some("/"), "{next}");
        }
        for (next, to) in [
            ("%2Funits%2F00004%3Fq%3Dba%2Bdinh", "/units/00004?q=ba+dinh"),
            ("/account", "/account"),
            ("/units/../account", "/account"),
        ] {
            let r = app.get(&mut c, &format!("/lang/en?next={next}")).await;
            assert_eq!(r.location(), Some(to), "{next}");
        }
    }
);

// Item 13: the token a browser held before login (one an attacker may have planted in its
// cookie) is worth nothing after: the token belongs to the session (on main the same token
// lasted from before login to the end).
both_backends!(
    the_csrf_token_belongs_to_the_session,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut c = Client::default();
        app.get(&mut c, "/login").await;
        let before = c.csrf();
        assert_eq!(before.len(), 64);
        let r = app
            .post_form(
                &mut c,
                "/login",
                &[("login", BADINH), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let after = c.csrf();
        assert_eq!(after.len(), 64);
        assert_ne!(before, after, "rotated at login");
        let page = app.get(&mut c, "/units/00004").await;
        assert!(
            page.body.contains(&after),
            "pages carry the session's token"
        );
        // The old token, even with a cookie saying it, is refused with this session.
        let mut planted = c.clone();
        planted.cookies.retain(|(k, _)| k != "kh_csrf");
        planted.cookies.push(("kh_csrf".into(), before.clone()));
        let branch = |token: &str| {
            Request::post("/units/00004/branches")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "_csrf={token}&name=Chi+hoi+moi&kind=village"
                )))
                .expect("request")
        };
        let r = app.send(&mut planted, branch(&before)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Another person's token is refused too; the session's own works.
        let mut other = app.login(HANOI).await;
        let r = app.send(&mut other, branch(&after)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app.send(&mut c, branch(&after)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // The API on a session cookie needs the session's token in the header.
        let api = |token: &str| {
            Request::post("/api/v1/units/00004/branches")
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-csrf-token", token)
                .body(Body::from(r#"{"name": "Chi hội API", "kind": "village"}"#))
                .expect("request")
        };
        assert_eq!(
            app.send(&mut c, api(&before)).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.send(&mut c, api(&after)).await.status,
            StatusCode::CREATED
        );
        // Logging out drops the token; the next page gets a new one.
        app.post_form(&mut c, "/logout", &[]).await;
        assert!(c.csrf().is_empty());
        app.get(&mut c, "/login").await;
        assert!(![before, after].contains(&c.csrf()));
    }
);

// Item 13: a form from another site is refused by its Origin, even with a valid token (on main
// only the token was checked), the API included; forms from this site pass.
both_backends!(
    unsafe_requests_from_another_origin_are_refused,
    |b: Backend| async move {
        let mut app = TestApp::new(b).await;
        reconfigure(&mut app, |s| {
            s.public_url = Some("http://khuyenhoc.example.vn".into())
        });
        let mut c = app.login(BADINH).await;
        let branch = |origin: Option<&str>, host: &str, c: &Client| {
            let mut req = Request::post("/units/00004/branches")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::HOST, host);
            if let Some(o) = origin {
                req = req.header(header::ORIGIN, o);
            }
            req.body(Body::from(format!(
                "_csrf={}&name=Chi+hoi+moi&kind=village",
                c.csrf()
            )))
            .expect("request")
        };
        for origin in [
            "https://evil.example",
            "null",
            "http://khuyenhoc.example.vn.evil.example",
            "garbage",
        ] {
            let req = branch(Some(origin), "khuyenhoc.example.vn", &c);
            let r = app.send(&mut c, req).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{origin}");
        }
        for (origin, host) in [
            (Some("http://khuyenhoc.example.vn"), "10.1.2.3:8080"),
            (Some("http://10.1.2.3:8080"), "10.1.2.3:8080"),
            (None, "khuyenhoc.example.vn"),
        ] {
            let req = branch(origin, host, &c);
            let r = app.send(&mut c, req).await;
            assert_eq!(
                r.status,
                StatusCode::SEE_OTHER,
                "{origin:?} {host}: {}",
                r.body
            );
        }
        let mut api = app.api_client(BADINH).await;
        let req = Request::post("/api/v1/units/00004/branches")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ORIGIN, "https://evil.example")
            .body(Body::from(r#"{"name": "Chi hội API", "kind": "village"}"#))
            .expect("request");
        assert_eq!(app.send(&mut api, req).await.status, StatusCode::FORBIDDEN);
    }
);

/// A multipart upload of a (bad) workbook to the member import, the token in the URL or as the
/// first field.
fn upload(c: &Client, token_in_url: bool) -> Request<Body> {
    let boundary = "kh-security-b0undary";
    let mut body = String::new();
    if !token_in_url {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n",
            c.csrf()
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\nnot a workbook\r\n--{boundary}--\r\n"
    ));
    let path = if token_in_url {
        format!("/units/00004/members/import?_csrf={}", c.csrf())
    } else {
        "/units/00004/members/import".into()
    };
    Request::post(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request")
}

// Item 13: an upload form's token travels in its body, never in the URL (on main the forms put
// it in their action's query string, which logs and Referer headers keep).
both_backends!(
    upload_forms_carry_the_token_in_the_body,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut c = app.login(BADINH).await;
        let page = app.get(&mut c, "/units/00004/members/import").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("?_csrf="), "{}", page.body);
        assert!(page
            .body
            .contains("enctype=\"multipart/form-data\">\n  <input type=\"hidden\" name=\"_csrf\""));
        let req = upload(&c, true);
        let r = app.send(&mut c, req).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "a token in the URL is not read"
        );
        let req = upload(&c, false);
        let r = app.send(&mut c, req).await;
        assert!(
            r.status.is_client_error() && r.status != StatusCode::FORBIDDEN,
            "past the CSRF check, the workbook is judged: {} {}",
            r.status,
            r.body
        );
        assert!(
            r.body.contains("xlsx") || r.body.contains("Excel"),
            "{}",
            r.body
        );
    }
);

// Items 13 and 14 over https: `__Host-` cookies marked Secure, and HSTS on every answer (on main
// the cookies were `kh_*`, the CSRF one without Secure, and there was no HSTS).
both_backends!(
    over_https_cookies_are_host_only_and_hsts_is_sent,
    |b: Backend| async move {
        let mut app = TestApp::new(b).await;
        let mut plain = Client::default();
        let r = app.get(&mut plain, "/login").await;
        assert!(header_of(&r, "strict-transport-security").is_none());
        reconfigure(&mut app, |s| {
            s.public_url = Some("https://khuyenhoc.example.vn".into())
        });
        let mut c = Client::default();
        let r = app.get(&mut c, "/login").await;
        assert_eq!(
            header_of(&r, "strict-transport-security"),
            Some("max-age=31536000")
        );
        let set = header_of(&r, "set-cookie").expect("a CSRF cookie");
        assert!(set.starts_with("__Host-kh_csrf="), "{set}");
        assert!(
            set.contains("Secure") && set.contains("Path=/") && !set.contains("Domain"),
            "{set}"
        );
        let token = c
            .cookies
            .iter()
            .find(|(k, _)| k == "__Host-kh_csrf")
            .map(|(_, v)| v.clone())
            .expect("token");
        let form = format!("_csrf={token}&login={BADINH}&password={PASSWORD}");
        let req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .expect("request");
        let r = app.send(&mut c, req).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let cookies: Vec<&str> = r
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert!(
            cookies
                .iter()
                .any(|s| s.starts_with("__Host-kh_session=") && s.contains("Secure")),
            "{cookies:?}"
        );
        assert!(
            cookies.iter().any(|s| s.starts_with("__Host-kh_csrf=")),
            "{cookies:?}"
        );
        // The signed-in browser is known by its __Host- session; a plain-named cookie is not read.
        let r = app.get(&mut c, "/account").await;
        assert_eq!(r.status, StatusCode::OK);
        let session = c
            .cookies
            .iter()
            .find(|(k, _)| k == "__Host-kh_session")
            .map(|(_, v)| v.clone())
            .expect("session");
        let mut renamed = Client {
            cookies: vec![("kh_session".into(), session)],
            bearer: None,
        };
        assert_eq!(
            app.get(&mut renamed, "/account").await.location(),
            Some("/login?next=%2Faccount")
        );
    }
);

// Item 14: answers with personal data are not stored by browsers or proxies (on main nothing
// said so); static files and public pages keep their own rules.
both_backends!(personal_answers_are_not_stored, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut web = app.login(BADINH).await;
    let mut api = app.api_client(BADINH).await;
    let mut anon = Client::default();
    for (signed_in, path) in [
        (true, "/"),
        (true, "/account"),
        (true, "/units/00004"),
        (true, "/no/such/page"),
        (false, "/login"),
    ] {
        let c = if signed_in { &mut web } else { &mut anon };
        let r = app.get(c, path).await;
        assert_eq!(header_of(&r, "cache-control"), Some("no-store"), "{path}");
    }
    for path in ["/api/v1/me", "/api/v1/units/00004"] {
        let r = app.get(&mut api, path).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(header_of(&r, "cache-control"), Some("no-store"), "{path}");
    }
    let r = app.get(&mut anon, "/static/app.css").await;
    assert_eq!(header_of(&r, "cache-control"), Some("public, max-age=3600"));
    let r = app.get(&mut anon, "/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        header_of(&r, "cache-control").is_none(),
        "a public document"
    );
    // Errors of the API carry it too.
    let r = app.get(&mut anon, "/api/v1/me").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(header_of(&r, "cache-control"), Some("no-store"));
});

// Item 14: `/metrics` only for the configured addresses or the metrics token (on main anyone
// could read it).
both_backends!(
    metrics_only_for_configured_readers,
    |b: Backend| async move {
        let mut app = TestApp::new(b).await;
        let mut c = Client::default();
        let scrape = |peer: &str, headers: &[(&str, &str)]| {
            let mut req = Request::get("/metrics");
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            from(peer, req.body(Body::empty()).expect("request"))
        };
        // A request first, so that the recorder has a count to show.
        app.get(&mut c, "/healthz").await;
        let r = app.send(&mut c, scrape("127.0.0.1", &[])).await;
        assert_eq!(r.status, StatusCode::OK, "loopback by default");
        assert!(r.body.contains("http_requests_total"));
        assert_eq!(
            app.send(&mut c, scrape("::1", &[])).await.status,
            StatusCode::OK
        );
        let r = app.send(&mut c, scrape("203.0.113.5", &[])).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(!r.body.contains("http_requests_total"));
        // A proxy on the same machine that is not declared trusted does not make its clients local.
        let r = app
            .send(
                &mut c,
                scrape("127.0.0.1", &[("x-forwarded-for", "203.0.113.5")]),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        reconfigure(&mut app, |s| {
            s.trusted_proxies = vec!["127.0.0.1".into()];
            s.metrics_allow = vec!["192.0.2.0/24".into()];
            s.metrics_token = Some("metrics-token-0123456789".into());
        });
        let proxied = |client: &str| scrape("127.0.0.1", &[("x-forwarded-for", client)]);
        assert_eq!(
            app.send(&mut c, proxied("192.0.2.44")).await.status,
            StatusCode::OK
        );
        assert_eq!(
            app.send(&mut c, proxied("203.0.113.5")).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.send(&mut c, scrape("127.0.0.1", &[])).await.status,
            StatusCode::FORBIDDEN
        );
        let bearer = |t: &str| scrape("203.0.113.5", &[("authorization", &format!("Bearer {t}"))]);
        assert_eq!(
            app.send(&mut c, bearer("metrics-token-0123456789"))
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            app.send(&mut c, bearer("metrics-token-0123456780"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
);
