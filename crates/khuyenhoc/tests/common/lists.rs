//! Reading a paged API list to its end (issue 16's shape: `items`, `total`, `next_cursor`), for
//! the list tests.

use super::{ok, Client, TestApp};
use serde_json::json;
use std::collections::BTreeSet;

/// Every page of an API list, following `next_cursor`: the ids in order and the pages read;
/// every page says the same total.
pub async fn all_pages(app: &TestApp, c: &mut Client, first: &str) -> (Vec<i64>, usize) {
    let mut ids = vec![];
    let mut pages = 0;
    let mut path = first.to_owned();
    let mut total = None;
    loop {
        let page = ok(app, c, "GET", &path, json!(null)).await;
        pages += 1;
        for it in page["items"].as_array().expect("items") {
            ids.push(it["id"].as_i64().expect("id"));
        }
        let t = page["total"].as_i64().expect("total");
        assert_eq!(*total.get_or_insert(t), t, "{path}");
        match page["next_cursor"].as_str() {
            Some(cur) => path = format!("{first}&cursor={cur}"),
            None => break,
        }
        assert!(pages < 100, "the list never ends");
    }
    assert_eq!(total, Some(ids.len() as i64), "{first}: total and rows");
    (ids, pages)
}

/// The rows of a list, each exactly once, as a set.
pub async fn listed(app: &TestApp, c: &mut Client, first: &str) -> BTreeSet<i64> {
    let (ids, _) = all_pages(app, c, first).await;
    let set: BTreeSet<i64> = ids.iter().copied().collect();
    assert_eq!(set.len(), ids.len(), "{first}: a row listed twice");
    set
}
