//! The criteria file format: every problem reported at its line, column and path, at once.

mod common;

use common::*;
use khuyenhoc_criteria::*;

#[test]
fn small_set_parses() {
    let s = parse_ok(SMALL);
    assert_eq!(s.code(), "t");
    assert_eq!(s.model(), Model::Citizen);
    assert_eq!(s.max_total(Some("a")), 20);
    assert_eq!(s.pass().min_each, Some(2));
    assert_eq!(s.indicator("y").map(|i| &i.rule), Some(&Rule::YesNo));
}

#[test]
fn syntax_error_has_its_place() {
    let (line, col, path) = one_error(&with_line(28, "max = = 10"));
    assert_eq!((line, col, path.as_str()), (28, 7, ""));
    let e = errors(&with_line(28, "max = = 10"));
    assert!(e[0].en.starts_with("TOML syntax error"), "{}", e[0].en);
}

#[test]
fn unknown_key_is_reported_at_the_key() {
    let e = errors(&with_line(28, "mxa = 10"));
    // the misspelt key, and the missing `max`, reported at the indicator's header
    assert_eq!(
        places(&e),
        vec![
            (24, 1, "groups[0].indicators[0].max"),
            (28, 1, "groups[0].indicators[0].mxa"),
        ]
    );
    assert!(e[1].en.contains("Unknown key `mxa`"), "{}", e[1].en);
    assert!(e[1].vi.contains("không được biết"));
    assert!(e[0].en.contains("Missing key `max`"));
}

#[test]
fn missing_root_key_is_at_the_start() {
    assert_eq!(one_error(&with_line(4, "")), (1, 1, "owner".to_owned()));
}

#[test]
fn max_must_be_positive() {
    assert_eq!(
        one_error(&with_line(35, "max = 0")),
        (35, 7, "groups[0].indicators[1].max".to_owned())
    );
    assert_eq!(
        one_error(&with_line(35, "max = -3")),
        (35, 7, "groups[0].indicators[1].max".to_owned())
    );
}

#[test]
fn min_above_max() {
    let text = with_line(29, "rule = \"scale\"\nmin = 11");
    assert_eq!(
        one_error(&text),
        (30, 7, "groups[0].indicators[0].min".to_owned())
    );
    // the default minimum above an indicator's max is reported at that max
    let text = with_line(17, "min_each = 12");
    let e = errors(&text);
    assert_eq!(
        places(&e),
        vec![
            (28, 7, "groups[0].indicators[0].max"),
            (35, 7, "groups[0].indicators[1].max")
        ]
    );
    assert!(e[0].en.contains("pass.min_each = 12"));
}

#[test]
fn duplicate_codes() {
    let e = errors(&with_line(32, "code = \"x\""));
    assert_eq!(places(&e), vec![(32, 8, "groups[0].indicators[1].code")]);
    assert!(
        e[0].en.contains("groups[0].indicators[0].code"),
        "{}",
        e[0].en
    );
}

#[test]
fn count_must_be_consistent() {
    let text = with_line(36, "rule = \"count\"\npoints_each = 3\ncap = 4");
    let e = errors(&text);
    assert_eq!(places(&e), vec![(38, 7, "groups[0].indicators[1].cap")]);
    assert!(e[0].en.contains("= 12 must equal max 10"), "{}", e[0].en);
    let ok = with_line(36, "rule = \"count\"\npoints_each = 2\ncap = 5");
    assert_eq!(
        parse_ok(&ok).indicator("y").map(|i| i.rule.clone()),
        Some(Rule::Count {
            points_each: 2,
            cap: 5
        })
    );
    // count keys on a scale indicator
    let e = errors(&with_line(29, "rule = \"scale\"\ncap = 5"));
    assert_eq!(places(&e), vec![(30, 7, "groups[0].indicators[0].cap")]);
    assert!(e[0].en.contains("only goes with rule = \"count\""));
}

#[test]
fn threshold_above_the_maximum() {
    let e = errors(&with_line(16, "threshold = 21"));
    assert_eq!(places(&e), vec![(16, 13, "pass.threshold")]);
    assert!(
        e[0].en.contains("exceeds the maximum total 20"),
        "{}",
        e[0].en
    );
}

#[test]
fn declared_total_must_add_up() {
    let e = errors(&with_line(8, "total = 100"));
    assert_eq!(places(&e), vec![(8, 9, "total")]);
    assert!(e[0].en.contains("add up to 20"), "{}", e[0].en);
}

#[test]
fn levels_must_be_ordered() {
    let levels = "min_each = 2\n[[pass.levels]]\nlevel = 1\nthreshold = 15\n[[pass.levels]]\nlevel = 2\nthreshold = 15\n[[pass.levels]]\nlevel = 4\nthreshold = 25";
    let e = errors(&with_line(17, levels));
    assert_eq!(
        places(&e),
        vec![
            (23, 13, "pass.levels[1].threshold"),
            (25, 9, "pass.levels[2].level"),
        ],
        "{e:#?}"
    );
    // level 1 must sit at the pass threshold
    let e = errors(&with_line(17, "[[pass.levels]]\nlevel = 1\nthreshold = 16"));
    assert_eq!(places(&e), vec![(19, 13, "pass.levels[0].threshold")]);
}

#[test]
fn computed_sources_are_checked() {
    let e = errors(&with_line(
        36,
        "rule = \"computed\"\nsource = \"neighbours\"\nscoring = \"linear\"",
    ));
    assert_eq!(places(&e), vec![(37, 10, "groups[0].indicators[1].source")]);
    assert!(e[0].en.contains("member_share"));
    let e = errors(&with_line(
        36,
        "rule = \"computed\"\nsource = \"member_share\"\ntitle = \"family\"\nfilter = \"adults\"\nscoring = \"linear\"",
    ));
    assert_eq!(places(&e), vec![(39, 10, "groups[0].indicators[1].filter")]);
    let ok = parse_ok(&with_line(
        36,
        "rule = \"computed\"\nsource = \"member_share\"\ntitle = \"citizen\"\nfilter = \"adults\"\nscoring = \"thresholds\"\nthresholds = [{ at_least = 0.5, points = 4 }, { at_least = 0.9, points = 10 }]",
    ));
    assert!(matches!(
        ok.indicator("y").map(|i| &i.rule),
        Some(Rule::Computed {
            source: Source::MemberShare {
                title: Model::Citizen,
                filter: MemberFilter::Adults
            },
            scoring: Scoring::Thresholds(_)
        })
    ));
    // the last step must give the full max
    let e = errors(&with_line(
        36,
        "rule = \"computed\"\nsource = \"children_in_school\"\nscoring = \"thresholds\"\nthresholds = [{ at_least = 0.5, points = 4 }]",
    ));
    assert_eq!(
        places(&e),
        vec![(39, 14, "groups[0].indicators[1].thresholds")]
    );
}

#[test]
fn form_group_references_must_exist() {
    let text = with_line(29, "rule = \"scale\"\nform_groups = [\"a\", \"b\"]");
    let e = errors(&text);
    assert_eq!(
        places(&e),
        vec![(30, 21, "groups[0].indicators[0].form_groups[1]")]
    );
    assert!(e[0].en.contains("No form group `b`"));
}

#[test]
fn columns_count_characters_not_bytes() {
    let e = errors(&with_line(
        4,
        "owner = \"VN\"\nbased_on = { code = \"Thử\", version = 1 }",
    ));
    assert_eq!(
        places(&e),
        vec![(5, 21, "based_on.code"), (5, 38, "based_on.version")]
    );
}

#[test]
fn wrong_types_and_dates() {
    assert_eq!(
        one_error(&with_line(35, "max = \"ten\"")),
        (35, 7, "groups[0].indicators[1].max".to_owned())
    );
    let e = errors(&with_line(3, "version = 2025-01-01"));
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].line, 3);
    assert!(e[0].en.contains("dates"), "{}", e[0].en);
}

#[test]
fn every_error_at_once() {
    let text = SMALL
        .replace("model = \"citizen\"", "model = \"citizens\"")
        .replace("valid_years = 1", "valid_years = 0")
        .replace(
            "rule = \"scale\"",
            "rule = \"scale\"\nmin = 11\ncolour = \"red\"",
        )
        .replace("code = \"y\"", "code = \"x\"")
        .replace(
            "rule = \"yes_no\"",
            "rule = \"yes_no\"\nevidence = { required = true, kinds = [\"video\"] }",
        );
    let e = errors(&text);
    assert_eq!(
        places(&e),
        vec![
            (2, 9, "model"),
            (7, 15, "valid_years"),
            (30, 7, "groups[0].indicators[0].min"),
            (31, 1, "groups[0].indicators[0].colour"),
            (34, 8, "groups[0].indicators[1].code"),
            (39, 40, "groups[0].indicators[1].evidence.kinds[0]"),
        ],
        "{e:#?}"
    );
    for err in &e {
        assert!(!err.vi.is_empty() && !err.en.is_empty());
        assert!(err.to_string().contains(" / "));
    }
}

#[test]
fn owner_must_be_national_or_a_province() {
    assert_eq!(
        one_error(&with_line(4, "owner = \"00004\"")),
        (4, 9, "owner".to_owned())
    );
    let s = parse_ok(&with_line(4, "owner = \"79\""));
    assert_eq!(s.owner().as_str(), "79");
    assert!(!s.is_national());
}

#[test]
fn the_documented_example_parses() {
    let doc = include_str!("../../../docs/criteria.md");
    let start = doc.find("```toml\n").map(|i| i + 8).expect("example");
    let end = doc[start..].find("```").map(|e| start + e).expect("end");
    let set = parse_ok(&doc[start..end]);
    assert_eq!(set.groups()[0].indicators.len(), 5);
    assert_eq!(set.max_total(Some("farmer")), 75);
    assert_eq!(set.max_total(Some("student")), 65);
    assert_eq!(set.pass().levels.len(), 2);
    assert_eq!(set.pass().requires.len(), 1);
    assert_eq!(parse_ok(&set.to_toml()), set);
}
