//! The map: central office → provinces → communes → branches, with validity dates, successor
//! links and clusters of provinces.
//!
//! Invariants: a unit's `path` is the chain of codes from the root (`/VN/01/00004/00004-3/`), so
//! "everything under X" is one range scan on the `units_path` index and a scope check is a
//! string prefix test; official provinces and communes come only from the imported list (they
//! are never opened, renamed or closed through the program); branches are leaves.

pub mod api;
pub mod cluster;
pub mod disadvantaged;
pub mod disadvantaged_import;
pub mod import;
pub mod lifetime;
pub mod links;
pub mod model;
pub mod old_map;
pub mod old_map_pages;
pub mod pages;
pub mod service;

pub use model::Unit;

/// The path of the ancestor `depth` levels below the root that `path` lies under (depth 1: the
/// province, `/VN/01/`), if the path is that deep. Paths are unique where codes are not (an old
/// unit may carry a today's unit's code), so an ancestor is looked up by its path.
pub fn ancestor_path(path: &str, depth: usize) -> Option<String> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    (segs.len() > depth && !segs[0].is_empty()).then(|| format!("/{}/", segs[..=depth].join("/")))
}

/// The smallest string above every path that starts with `prefix` (which ends in `/`): the
/// range `[prefix, upper)` is the subtree. `/` is followed by `0` in byte order; PostgreSQL
/// compares paths with the "C" collation so the order is bytewise on both backends.
pub fn path_upper_bound(prefix: &str) -> String {
    match prefix.strip_suffix('/') {
        Some(p) => format!("{p}0"),
        None => format!("{prefix}\u{10FFFF}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestor_paths() {
        assert_eq!(
            ancestor_path("/VN/01/00004/00004-1/", 1).as_deref(),
            Some("/VN/01/")
        );
        assert_eq!(
            ancestor_path("/VN/01/00004/", 2).as_deref(),
            Some("/VN/01/00004/")
        );
        assert_eq!(ancestor_path("/VN/01/", 2), None);
        assert_eq!(
            ancestor_path("/VN/92~2025/916/31120/", 1).as_deref(),
            Some("/VN/92~2025/")
        );
    }

    #[test]
    fn upper_bound_covers_only_the_subtree() {
        let ub = path_upper_bound("/VN/01/");
        for inside in ["/VN/01/", "/VN/01/00004/", "/VN/01/00004/00004-9/"] {
            assert!(inside >= "/VN/01/" && inside < ub.as_str(), "{inside}");
        }
        for outside in ["/VN/010/", "/VN/02/", "/VN/0", "/VN/"] {
            assert!(
                !(outside >= "/VN/01/" && outside < ub.as_str()),
                "{outside}"
            );
        }
    }
}
