//! Tests of the file format, the default sets, scoring, variants and properties.

use crate::*;
use khuyenhoc_domain::UnitCode;
use proptest::prelude::*;

/// A small valid citizen-like set. Line numbers matter: tests replace lines by number.
const SMALL: &str = r#"code = "t"
model = "citizen"
version = 2025
owner = "VN"
title_vi = "Thử"
title_en = "Test"
valid_years = 1
total = 20

[[form_groups]]
code = "a"
name_vi = "Nhóm A"
name_en = "Group A"

[pass]
threshold = 15
min_each = 2

[[groups]]
code = "g"
name_vi = "Nhóm"
name_en = "Group"

[[groups.indicators]]
code = "x"
text_vi = "Chỉ tiêu x"
text_en = "Indicator x"
max = 10
rule = "scale"

[[groups.indicators]]
code = "y"
text_vi = "Chỉ tiêu y"
text_en = "Indicator y"
max = 10
rule = "yes_no"
"#;

/// `SMALL` with line `n` (1-based) replaced by `text` (which may hold several lines).
fn with_line(n: usize, text: &str) -> String {
    SMALL
        .lines()
        .enumerate()
        .map(|(i, l)| if i + 1 == n { text } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

fn errors(text: &str) -> Vec<LoadError> {
    match CriteriaSet::parse(text) {
        Ok(_) => panic!("expected errors in:\n{text}"),
        Err(e) => e,
    }
}

/// The single error of `text`, as (line, column, path).
fn one_error(text: &str) -> (u32, u32, String) {
    let e = errors(text);
    assert_eq!(e.len(), 1, "{e:#?}");
    let e = &e[0];
    assert!(!e.vi.is_empty() && !e.en.is_empty());
    (e.line, e.column, e.path.clone())
}

fn places(e: &[LoadError]) -> Vec<(u32, u32, &str)> {
    e.iter()
        .map(|e| (e.line, e.column, e.path.as_str()))
        .collect()
}

fn parse_ok(text: &str) -> CriteriaSet {
    match CriteriaSet::parse(text) {
        Ok(s) => s,
        Err(e) => panic!("{e:#?}"),
    }
}

fn citizen() -> CriteriaSet {
    default_for(Model::Citizen).expect("citizen set")
}

fn unit() -> CriteriaSet {
    default_for(Model::Unit).expect("unit set")
}

fn all_points(set: &CriteriaSet, p: i64) -> Answers {
    let mut a = Answers::new();
    for (_, i) in set.indicators() {
        a.set(i.code.clone(), Answer::Points(p));
    }
    a
}

fn farmer() -> Subject {
    Subject::new().in_form_group("farmer")
}

// ---------------------------------------------------------------------------------------------
// File format

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

// ---------------------------------------------------------------------------------------------
// Default sets

#[test]
fn defaults_all_parse() {
    let sets = match try_defaults() {
        Ok(s) => s,
        Err(e) => panic!("{e:#?}"),
    };
    assert_eq!(sets.len(), DEFAULT_FILES.len());
    assert_eq!(defaults().len(), 5);
    for m in Model::ALL {
        let s = default_for(m).expect("a default per model");
        assert!(s.is_national());
        assert_eq!(s.version(), 2025);
        assert_eq!(s.declared_total(), Some(100));
        assert_eq!(
            s.max_total(s.form_groups().first().map(|g| g.code.as_str())),
            100
        );
        assert_eq!(s.title().vi, m.vi());
    }
}

#[test]
fn citizen_default_matches_the_2022_criteria() {
    let c = citizen();
    assert_eq!(c.form_groups().len(), 4);
    let sizes: Vec<usize> = c.groups().iter().map(|g| g.indicators.len()).collect();
    assert_eq!(sizes, vec![4, 4, 2]);
    assert!(c
        .indicators()
        .all(|(_, i)| i.max == 10 && i.rule == Rule::Scale));
    assert_eq!(c.pass().threshold, 80);
    assert_eq!(c.pass().min_each, Some(5));
    assert_eq!(
        c.pass().reduced,
        vec![ReducedThreshold {
            flag: "disadvantaged_area".into(),
            threshold: 70
        }]
    );
    assert_eq!(c.valid_years(), 1);
    for g in c.form_groups() {
        assert_eq!(c.max_total(Some(&g.code)), 100);
    }
}

#[test]
fn unit_default() {
    let u = unit();
    assert_eq!(u.valid_years(), 3);
    assert_eq!(
        u.pass()
            .levels
            .iter()
            .map(|l| (l.level, l.threshold))
            .collect::<Vec<_>>(),
        vec![(1, 80), (2, 90)]
    );
    assert_eq!(u.pass().requires.len(), 1);
    assert_eq!(u.pass().requires[0].at_least.basis_points(), 9000);
}

#[test]
fn defaults_round_trip_through_text() {
    for s in defaults() {
        let text = s.to_toml();
        assert_eq!(parse_ok(&text), s, "{text}");
    }
}

#[test]
fn national_targets() {
    let t = targets();
    let pct = |m: TargetMeasure| t.iter().find(|x| x.measure == m).map(|x| x.percent);
    assert_eq!(pct(TargetMeasure::Recognised(Model::Family)), Some(70));
    assert_eq!(pct(TargetMeasure::Recognised(Model::Clan)), Some(65));
    assert_eq!(pct(TargetMeasure::Recognised(Model::Community)), Some(65));
    assert_eq!(pct(TargetMeasure::Recognised(Model::Unit)), Some(80));
    assert_eq!(pct(TargetMeasure::AdultsInCommunitiesAreCitizens), Some(40));
    assert_eq!(pct(TargetMeasure::OfficialsAreCitizens), Some(60));
}

// ---------------------------------------------------------------------------------------------
// Scoring: the citizen rules at their edges

#[test]
fn eighty_passes_seventy_nine_fails() {
    let c = citizen();
    let out = c
        .score(&all_points(&c, 8), &farmer(), &Computed::new())
        .expect("ok");
    assert_eq!((out.total, out.max_total), (80, 100));
    assert!(out.passed);
    assert!(out.reasons.is_empty());
    assert_eq!(out.threshold.basis, ThresholdBasis::Standard);
    assert_eq!(out.level, None);

    let answers = all_points(&c, 8).with("reads", Answer::Points(7));
    let out = c.score(&answers, &farmer(), &Computed::new()).expect("ok");
    assert_eq!(out.total, 79);
    assert!(!out.passed);
    assert_eq!(
        out.reasons,
        vec![Reason::BelowThreshold {
            total: 79,
            threshold: 80
        }]
    );
    assert!(out.reasons[0].vi().contains("79"));
    assert!(out.reasons[0].en().contains("below the threshold 80"));
}

#[test]
fn disadvantaged_areas_pass_at_seventy() {
    let c = citizen();
    let flagged = farmer().with_flag("disadvantaged_area");
    let out = c
        .score(&all_points(&c, 7), &flagged, &Computed::new())
        .expect("ok");
    assert_eq!(out.total, 70);
    assert!(out.passed);
    assert_eq!(
        out.threshold,
        AppliedThreshold {
            points: 70,
            basis: ThresholdBasis::Flag("disadvantaged_area".into())
        }
    );
    let sixty_nine = all_points(&c, 7).with("cooperation", Answer::Points(6));
    let out = c
        .score(&sixty_nine, &flagged, &Computed::new())
        .expect("ok");
    assert_eq!(out.total, 69);
    assert!(!out.passed);
    // without the flag, 70 is not enough
    let out = c
        .score(&all_points(&c, 7), &farmer(), &Computed::new())
        .expect("ok");
    assert!(!out.passed);
    assert_eq!(out.threshold.points, 80);
    // an unrelated flag changes nothing
    let other = farmer().with_flag("veteran");
    assert_eq!(c.threshold_for(&other).points, 80);
}

#[test]
fn an_indicator_below_five_fails_a_high_total() {
    let c = citizen();
    let answers = all_points(&c, 10).with("numeracy", Answer::Points(4));
    let out = c.score(&answers, &farmer(), &Computed::new()).expect("ok");
    assert_eq!(out.total, 94);
    assert!(!out.passed);
    assert_eq!(out.reasons.len(), 1);
    assert!(matches!(
        &out.reasons[0],
        Reason::BelowMinimum { code, awarded: 4, min: 5, .. } if code == "numeracy"
    ));
    assert!(out.reasons[0].vi().contains("Biết tính toán"));
    let numeracy = out
        .indicators
        .iter()
        .find(|i| i.code == "numeracy")
        .expect("present");
    assert_eq!(
        (numeracy.awarded, numeracy.min, numeracy.failures.len()),
        (4, 5, 1)
    );
    // at 5 it passes with 95
    let answers = all_points(&c, 10).with("numeracy", Answer::Points(5));
    let out = c.score(&answers, &farmer(), &Computed::new()).expect("ok");
    assert_eq!(out.total, 95);
    assert!(out.passed);
}

#[test]
fn out_of_range_answers_are_errors_not_clamped() {
    let c = citizen();
    let answers = all_points(&c, 8)
        .with("reads", Answer::Points(11))
        .with("digital", Answer::Points(-1))
        .with("numeracy", Answer::YesNo(true))
        .with("dancing", Answer::Points(3));
    let errs = c
        .score(&answers, &farmer(), &Computed::new())
        .expect_err("refused");
    assert_eq!(errs.len(), 4, "{errs:#?}");
    assert!(errs.contains(&AnswerError::OutOfRange {
        code: "reads".into(),
        value: 11,
        min: 0,
        max: Some(10)
    }));
    assert!(errs.contains(&AnswerError::UnknownIndicator {
        code: "dancing".into()
    }));
    assert!(errs
        .iter()
        .all(|e| !e.vi().is_empty() && !e.en().is_empty()));
}

#[test]
fn form_group_is_required_for_citizens() {
    let c = citizen();
    let errs = c
        .score(&all_points(&c, 8), &Subject::new(), &Computed::new())
        .expect_err("no form group");
    assert_eq!(errs, vec![AnswerError::FormGroupRequired]);
    let errs = c
        .score(
            &all_points(&c, 8),
            &Subject::new().in_form_group("sailor"),
            &Computed::new(),
        )
        .expect_err("unknown form group");
    assert_eq!(
        errs,
        vec![AnswerError::UnknownFormGroup {
            code: "sailor".into()
        }]
    );
}

#[test]
fn unanswered_indicators_are_listed() {
    let c = citizen();
    let mut answers = all_points(&c, 10);
    answers.values.remove("relations");
    let out = c.score(&answers, &farmer(), &Computed::new()).expect("ok");
    assert_eq!(out.total, 90);
    assert_eq!(out.unanswered, vec!["relations".to_owned()]);
    assert!(!out.passed);
    assert!(matches!(&out.reasons[0], Reason::Unanswered { code, .. } if code == "relations"));
}

#[test]
fn form_group_applicability() {
    let text = with_line(29, "rule = \"scale\"\nform_groups = [\"a\"]")
        .replace(
            "[pass]",
            "[[form_groups]]\ncode = \"b\"\nname_vi = \"B\"\nname_en = \"B\"\n\n[pass]",
        )
        .replace("total = 20\n", "")
        .replace("threshold = 15", "threshold = 8");
    let s = parse_ok(&text);
    assert_eq!(s.max_total(Some("a")), 20);
    assert_eq!(s.max_total(Some("b")), 10);
    let answers = Answers::new().with("y", Answer::YesNo(true));
    let out = s
        .score(
            &answers,
            &Subject::new().in_form_group("b"),
            &Computed::new(),
        )
        .expect("ok");
    assert_eq!(
        (out.total, out.max_total, out.indicators.len()),
        (10, 10, 1)
    );
    assert!(out.passed);
    let answers = answers.with("x", Answer::Points(3));
    let errs = s
        .score(
            &answers,
            &Subject::new().in_form_group("b"),
            &Computed::new(),
        )
        .expect_err("x does not apply to b");
    assert_eq!(errs, vec![AnswerError::NotApplicable { code: "x".into() }]);
}

// ---------------------------------------------------------------------------------------------
// Units: levels, requirement, evidence

fn unit_answers(p: i64, trainings: i64) -> Answers {
    let mut a = Answers::new()
        .with("plan", Answer::YesNo(true))
        .with("trainings", Answer::Count(trainings));
    for code in ["support", "digital", "sharing", "tasks", "innovation"] {
        a.set(code, Answer::Points(p));
    }
    a.add_evidence("plan", EvidenceKind::Document, 1);
    a
}

fn citizens_share(part: u32, total: u32) -> Computed {
    Computed::new().with(
        Source::MemberShare {
            title: Model::Citizen,
            filter: MemberFilter::All,
        },
        part,
        total,
    )
}

#[test]
fn unit_levels() {
    let u = unit();
    // 27 (90% of 30) + 10 + 50 + 10 = 97: level 2
    let out = u
        .score(
            &unit_answers(10, 5),
            &Subject::new(),
            &citizens_share(90, 100),
        )
        .expect("ok");
    assert_eq!(out.total, 97);
    assert!(out.passed);
    assert_eq!(out.level, Some(2));
    // 27 + 10 + 5×8 + 6 = 83: level 1
    let out = u
        .score(
            &unit_answers(8, 3),
            &Subject::new(),
            &citizens_share(90, 100),
        )
        .expect("ok");
    assert_eq!(out.total, 83);
    assert_eq!(out.level, Some(1));
    // 27 + 10 + 5×7 + 6 = 78: not recognised, no level
    let out = u
        .score(
            &unit_answers(7, 3),
            &Subject::new(),
            &citizens_share(90, 100),
        )
        .expect("ok");
    assert_eq!(out.total, 78);
    assert!(!out.passed);
    assert_eq!(out.level, None);
    // level 2 begins exactly at 90
    let out = u
        .score(
            &unit_answers(10, 1),
            &Subject::new(),
            &citizens_share(90, 100),
        )
        .expect("ok");
    assert_eq!((out.total, out.level), (89, Some(1)));
    let out = u
        .score(
            &unit_answers(10, 2),
            &Subject::new(),
            &citizens_share(90, 100),
        )
        .expect("ok");
    assert_eq!((out.total, out.level), (91, Some(2)));
}

#[test]
fn unit_needs_ninety_percent_learning_citizens() {
    let u = unit();
    let out = u
        .score(
            &unit_answers(10, 5),
            &Subject::new(),
            &citizens_share(89, 100),
        )
        .expect("ok");
    // 89% of 30 = 26.7 → 26 points: total 96, but the requirement fails
    assert_eq!(out.total, 96);
    assert!(!out.passed);
    assert_eq!(out.level, None);
    assert_eq!(out.reasons.len(), 1);
    assert!(matches!(
        out.reasons[0],
        Reason::RequirementNotMet {
            part: 89,
            total: 100,
            ..
        }
    ));
    assert!(
        out.reasons[0].vi().contains("90%"),
        "{}",
        out.reasons[0].vi()
    );
    // exactly 90%, also with small numbers (9 of 10) and just under (17 of 19 ≈ 89.5%)
    assert!(
        u.score(
            &unit_answers(10, 5),
            &Subject::new(),
            &citizens_share(90, 100)
        )
        .expect("ok")
        .passed
    );
    assert!(
        u.score(
            &unit_answers(10, 5),
            &Subject::new(),
            &citizens_share(9, 10)
        )
        .expect("ok")
        .passed
    );
    assert!(
        !u.score(
            &unit_answers(10, 5),
            &Subject::new(),
            &citizens_share(17, 19)
        )
        .expect("ok")
        .passed
    );
    // without the figure the unit cannot pass, and the computed indicator is unanswered
    let out = u
        .score(&unit_answers(10, 5), &Subject::new(), &Computed::new())
        .expect("ok");
    assert!(!out.passed);
    assert_eq!(out.unanswered, vec!["learning_citizens".to_owned()]);
    assert!(out
        .reasons
        .iter()
        .any(|r| matches!(r, Reason::RequirementUnknown { .. })));
    // impossible shares are refused
    let errs = u
        .score(
            &unit_answers(10, 5),
            &Subject::new(),
            &citizens_share(11, 10),
        )
        .expect_err("11 of 10");
    assert!(matches!(
        errs[0],
        AnswerError::BadShare {
            part: 11,
            total: 10,
            ..
        }
    ));
    assert!(u
        .score(&unit_answers(10, 5), &Subject::new(), &citizens_share(0, 0))
        .is_err());
}

#[test]
fn required_evidence() {
    let u = unit();
    let mut answers = unit_answers(10, 5);
    answers.evidence.clear();
    let out = u
        .score(&answers, &Subject::new(), &citizens_share(100, 100))
        .expect("ok");
    assert_eq!(out.total, 100);
    assert!(!out.passed);
    assert_eq!(out.missing_evidence, vec!["plan".to_owned()]);
    assert!(matches!(&out.reasons[0], Reason::MissingEvidence { code, .. } if code == "plan"));
    // a photo is not a kind the plan takes
    answers.add_evidence("plan", EvidenceKind::Photo, 1);
    let errs = u
        .score(&answers, &Subject::new(), &citizens_share(100, 100))
        .expect_err("photo");
    assert_eq!(
        errs,
        vec![AnswerError::EvidenceKindNotAllowed {
            code: "plan".into(),
            kind: EvidenceKind::Photo
        }]
    );
}

#[test]
fn validity_years() {
    assert_eq!(citizen().valid_until(2025), 2025);
    assert_eq!(unit().valid_until(2025), 2027);
    assert!(unit().is_valid_in(2025, 2027));
    assert!(!unit().is_valid_in(2025, 2028));
    assert!(!unit().is_valid_in(2025, 2024));
    assert!(citizen().is_valid_in(2025, 2025));
    assert!(!citizen().is_valid_in(2025, 2026));
    assert_eq!(unit().valid_until(u16::MAX), u16::MAX);
}

// ---------------------------------------------------------------------------------------------
// Other computed and count indicators

#[test]
fn family_adults_share_is_linear() {
    let f = default_for(Model::Family).expect("family");
    let adults = Source::MemberShare {
        title: Model::Citizen,
        filter: MemberFilter::Adults,
    };
    let computed = Computed::new()
        .with(adults, 2, 3)
        .with(Source::ChildrenInSchool, 2, 2);
    let answers = Answers::new()
        .with("children_progress", Answer::Points(10))
        .with("study_corner", Answer::YesNo(true))
        .with("books", Answer::Points(5))
        .with("devices", Answer::Points(5))
        .with("learning_budget", Answer::YesNo(false))
        .with("better_living", Answer::Points(10))
        .with("cultural_family", Answer::YesNo(true));
    let mut with_evidence = answers.clone();
    with_evidence.add_evidence("cultural_family", EvidenceKind::Document, 1);
    let out = f
        .score(&with_evidence, &Subject::new(), &computed)
        .expect("ok");
    let adults_points = out
        .indicators
        .iter()
        .find(|i| i.code == "adults_learning_citizens")
        .map(|i| i.awarded);
    assert_eq!(adults_points, Some(20));
    assert_eq!(out.total, 20 + 10 + 20 + 15 + 20);
    assert!(out.passed);
    assert!(out.missing_evidence.is_empty());
    let out = f.score(&answers, &Subject::new(), &computed).expect("ok");
    assert_eq!(out.missing_evidence, vec!["cultural_family".to_owned()]);
}

#[test]
fn community_share_by_thresholds() {
    let c = default_for(Model::Community).expect("community");
    let adults = Source::MemberShare {
        title: Model::Citizen,
        filter: MemberFilter::Adults,
    };
    let points = |part, total| {
        let out = c
            .score(
                &Answers::new(),
                &Subject::new(),
                &Computed::new().with(adults, part, total),
            )
            .expect("ok");
        out.indicators
            .iter()
            .find(|i| i.code == "adult_learning_citizens")
            .map(|i| i.awarded)
    };
    assert_eq!(points(19, 100), Some(0));
    assert_eq!(points(20, 100), Some(5));
    assert_eq!(points(39, 100), Some(10));
    assert_eq!(points(40, 100), Some(20));
    assert_eq!(points(2, 5), Some(20));
}

#[test]
fn counts_are_capped_and_checked() {
    let clan = default_for(Model::Clan).expect("clan");
    let awarded = |n| {
        clan.score(
            &Answers::new().with("awards", Answer::Count(n)),
            &Subject::new(),
            &Computed::new(),
        )
        .map(|o| {
            o.indicators
                .iter()
                .find(|i| i.code == "awards")
                .map(|i| i.awarded)
        })
    };
    assert_eq!(awarded(0), Ok(Some(0)));
    assert_eq!(awarded(3), Ok(Some(6)));
    assert_eq!(awarded(5), Ok(Some(10)));
    assert_eq!(awarded(40), Ok(Some(10)));
    assert!(awarded(-1).is_err());
}

// ---------------------------------------------------------------------------------------------
// Variants

#[test]
fn province_variants() {
    let national = citizen();
    let hanoi = UnitCode::parse("01").expect("code");
    let v = national.variant_for(&hanoi).expect("variant");
    assert_eq!(v.owner().as_str(), "01");
    assert_eq!(
        v.based_on(),
        Some(&SetRef {
            code: "citizen".into(),
            version: 2025
        })
    );
    assert_eq!(v.check_variant_of(&national), Ok(()));
    // edited as text: a lower threshold is fine
    let edited = v.to_toml().replace("threshold = 80", "threshold = 75");
    let edited = parse_ok(&edited);
    assert_eq!(edited.pass().threshold, 75);
    assert_eq!(edited.check_variant_of(&national), Ok(()));
    // dropping a form group or changing the model is not
    let text = v.to_toml();
    let start = text
        .find("[[form_groups]]\ncode = \"student\"")
        .expect("student group");
    let end = text[start..].find("\n\n").map(|e| start + e).expect("end");
    let fewer = parse_ok(&format!("{}{}", &text[..start], &text[end + 2..]));
    let errs = fewer
        .check_variant_of(&national)
        .expect_err("form groups differ");
    assert_eq!(errs.len(), 1);
    assert!(errs[0].en.contains("form groups"));
    let as_family = parse_ok(&text.replace("model = \"citizen\"", "model = \"family\""));
    assert!(as_family.check_variant_of(&national).is_err());
    // only national sets can be copied, only to provinces
    assert!(v.variant_for(&hanoi).is_err());
    assert!(national
        .variant_for(&UnitCode::parse("00004").expect("commune"))
        .is_err());
    assert!(national
        .variant_for(&UnitCode::parse("VN").expect("vn"))
        .is_err());
    assert!(national.check_variant_of(&national).is_err());
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Random answers in range for `set`, from raw random numbers; `None` leaves it unanswered.
fn answers_from(set: &CriteriaSet, raw: &[(bool, u32)], form_group: Option<&str>) -> Answers {
    let mut a = Answers::new();
    for ((_, ind), (given, r)) in set.indicators().zip(raw.iter().cycle()) {
        if !given || !ind.applies_to(form_group) {
            continue;
        }
        let answer = match ind.rule {
            Rule::Scale => Answer::Points(i64::from(r % (ind.max + 1))),
            Rule::YesNo => Answer::YesNo(r % 2 == 1),
            Rule::Count { cap, .. } => Answer::Count(i64::from(r % (cap + 3))),
            Rule::Computed { .. } => continue,
        };
        a.set(ind.code.clone(), answer);
        for kind in &ind.evidence.kinds {
            if r % 3 == 0 {
                a.add_evidence(ind.code.clone(), *kind, 1);
            }
        }
    }
    a
}

/// Every source a set uses, with a random share.
fn computed_from(set: &CriteriaSet, raw: &[(u32, u32)]) -> Computed {
    let mut sources: Vec<Source> = set
        .indicators()
        .filter_map(|(_, i)| match i.rule {
            Rule::Computed { source, .. } => Some(source),
            _ => None,
        })
        .chain(set.pass().requires.iter().map(|r| r.source))
        .collect();
    sources.sort();
    sources.dedup();
    let mut c = Computed::new();
    for (s, (part, total)) in sources.into_iter().zip(raw.iter().cycle()) {
        let total = total % 200 + 1;
        c = c.with(s, part % (total + 1), total);
    }
    c
}

/// `answers` with indicator `code` raised by one step (or answered with the lowest answer).
fn raised(set: &CriteriaSet, answers: &Answers, code: &str) -> Answers {
    let mut a = answers.clone();
    let Some(ind) = set.indicator(code) else {
        return a;
    };
    let next = match (&ind.rule, answers.values.get(code)) {
        (Rule::Scale, None) => Answer::Points(0),
        (Rule::Scale, Some(Answer::Points(p))) => Answer::Points((*p + 1).min(i64::from(ind.max))),
        (Rule::YesNo, None) => Answer::YesNo(false),
        (Rule::YesNo, Some(_)) => Answer::YesNo(true),
        (Rule::Count { .. }, None) => Answer::Count(0),
        (Rule::Count { .. }, Some(Answer::Count(n))) => Answer::Count(n + 1),
        _ => return a,
    };
    a.set(code, next);
    a
}

fn subject_for(set: &CriteriaSet, pick: usize, flag: bool) -> Subject {
    let mut s = Subject::new();
    if !set.form_groups().is_empty() {
        let g = &set.form_groups()[pick % set.form_groups().len()];
        s = s.in_form_group(g.code.clone());
    }
    if flag {
        s = s.with_flag("disadvantaged_area");
    }
    s
}

proptest! {
    #[test]
    fn total_never_exceeds_max_and_raising_never_hurts(
        which in 0usize..5,
        raw in proptest::collection::vec((any::<bool>(), any::<u32>()), 1..20),
        shares in proptest::collection::vec((any::<u32>(), any::<u32>()), 1..4),
        pick in 0usize..8,
        flag in any::<bool>(),
        raise in 0usize..20,
    ) {
        let sets = defaults();
        let set = &sets[which % sets.len()];
        let subject = subject_for(set, pick, flag);
        let answers = answers_from(set, &raw, subject.form_group.as_deref());
        let computed = computed_from(set, &shares);
        let out = set.score(&answers, &subject, &computed).expect("answers in range");
        prop_assert!(out.total <= out.max_total);
        prop_assert_eq!(out.max_total, set.max_total(subject.form_group.as_deref()));
        prop_assert_eq!(out.passed, out.reasons.is_empty());
        prop_assert!(out.level.is_none() || out.passed);

        let applicable: Vec<&Indicator> = set
            .indicators()
            .map(|(_, i)| i)
            .filter(|i| i.applies_to(subject.form_group.as_deref()))
            .collect();
        let code = applicable[raise % applicable.len()].code.clone();
        let higher = raised(set, &answers, &code);
        let out2 = set.score(&higher, &subject, &computed).expect("answers in range");
        prop_assert!(out2.total >= out.total);
        prop_assert!(!out.passed || out2.passed);
        prop_assert!(out2.level >= out.level);

        // a higher share never hurts either
        let mut more = computed.clone();
        if let Some((_, s)) = more.shares.iter_mut().next() {
            if s.part < s.total { s.part += 1; }
        }
        let out3 = set.score(&answers, &subject, &more).expect("valid shares");
        prop_assert!(out3.total >= out.total);
        prop_assert!(!out.passed || out3.passed);
    }

    #[test]
    fn parse_never_panics(text in "\\PC{0,200}") {
        let _ = CriteriaSet::parse(&text);
    }

    #[test]
    fn damaged_defaults_never_panic(which in 0usize..5, cut in any::<usize>(), len in 0usize..40) {
        let text = DEFAULT_FILES[which].1;
        let mut start = cut % text.len();
        while !text.is_char_boundary(start) { start -= 1; }
        let mut end = (start + len).min(text.len());
        while !text.is_char_boundary(end) { end -= 1; }
        let damaged = format!("{}{}", &text[..start], &text[end..]);
        if let Err(errors) = CriteriaSet::parse(&damaged) {
            prop_assert!(!errors.is_empty());
            for e in errors {
                prop_assert!(e.line >= 1 && e.column >= 1);
                prop_assert!(e.line as usize <= damaged.lines().count() + 1);
            }
        }
    }

    #[test]
    fn generated_sets_round_trip(spec in set_spec()) {
        let text = spec_toml(&spec);
        let set = match CriteriaSet::parse(&text) {
            Ok(s) => s,
            Err(e) => return Err(TestCaseError::fail(format!("{e:#?}\n{text}"))),
        };
        let again = CriteriaSet::parse(&set.to_toml());
        prop_assert_eq!(again.as_ref().ok(), Some(&set), "{}", set.to_toml());
    }
}

/// A generated set: indicator kinds and numbers, texts with awkward characters.
#[derive(Debug, Clone)]
struct Spec {
    texts: Vec<String>,
    indicators: Vec<[u32; 6]>,
    form_groups: usize,
    seed: u32,
}

fn set_spec() -> impl Strategy<Value = Spec> {
    (
        proptest::collection::vec("[\\PC&&[^\\s]][\\PC]{0,12}[\\PC&&[^\\s]]", 4),
        proptest::collection::vec(any::<[u32; 6]>(), 1..8),
        0usize..4,
        any::<u32>(),
    )
        .prop_map(|(texts, indicators, form_groups, seed)| Spec {
            texts,
            indicators,
            form_groups,
            seed,
        })
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn spec_toml(spec: &Spec) -> String {
    use std::fmt::Write;
    let t = |i: usize| q(&spec.texts[i % spec.texts.len()]);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "code = \"gen\"\nmodel = \"community\"\nversion = 2030\nowner = \"79\""
    );
    let _ = writeln!(o, "based_on = {{ code = \"gen\", version = 2029 }}");
    let _ = writeln!(
        o,
        "title_vi = {}\ntitle_en = {}\nvalid_years = {}",
        t(0),
        t(1),
        spec.seed % 10 + 1
    );
    for g in 0..spec.form_groups {
        let _ = writeln!(
            o,
            "[[form_groups]]\ncode = \"f{g}\"\nname_vi = {}\nname_en = {}",
            t(g),
            t(g + 1)
        );
    }
    let mut groups = String::new();
    let mut min_max = u32::MAX;
    for (n, r) in spec.indicators.iter().enumerate() {
        if n % 3 == 0 {
            let _ = writeln!(
                groups,
                "[[groups]]\ncode = \"g{n}\"\nname_vi = {}\nname_en = {}",
                t(n),
                t(n + 2)
            );
        }
        let max = r[0] % 30 + 1;
        min_max = min_max.min(max);
        let _ = writeln!(
            groups,
            "[[groups.indicators]]\ncode = \"i{n}\"\ntext_vi = {}\ntext_en = {}\nmax = {max}",
            t(n + 1),
            t(n + 3)
        );
        groups.push_str(&rule_toml(max, r));
        if r[5] % 3 == 0 {
            let _ = writeln!(groups, "min = {}", r[5] % (max + 1));
        }
        if r[5] % 4 == 1 {
            let _ = writeln!(
                groups,
                "evidence = {{ required = {}, kinds = [\"note\", \"photo\"] }}",
                r[5] % 8 == 1
            );
        }
        if spec.form_groups > 0 && n > 0 && r[5] % 5 == 2 {
            let _ = writeln!(groups, "form_groups = [\"f0\"]");
        }
    }
    // the threshold must be reachable by every form group: stay under the smallest indicator
    let threshold = spec.seed % min_max + 1;
    let _ = writeln!(o, "[pass]\nthreshold = {threshold}");
    if spec.seed % 2 == 0 {
        let _ = writeln!(o, "min_each = 0");
    }
    if threshold > 1 && spec.seed % 3 == 0 {
        let _ = writeln!(
            o,
            "[[pass.reduced]]\nflag = \"disadvantaged_area\"\nthreshold = {}",
            threshold - 1
        );
    }
    if spec.seed % 5 == 0 {
        let _ = writeln!(o, "[[pass.levels]]\nlevel = 1\nthreshold = {threshold}");
        let _ = writeln!(
            o,
            "[[pass.requires]]\nsource = \"member_share\"\ntitle = \"family\"\nat_least = 0.{}",
            spec.seed % 9 + 1
        );
    }
    o.push_str(&groups);
    o
}

/// The rule lines of a generated indicator with maximum `max`.
fn rule_toml(max: u32, r: &[u32; 6]) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    match r[1] % 6 {
        0 => {
            let _ = writeln!(o, "rule = \"scale\"");
        }
        1 => {
            let _ = writeln!(o, "rule = \"yes_no\"");
        }
        2 => {
            // a count: max = points_each × cap with points_each a divisor of max
            let each = (1..=max)
                .rev()
                .find(|d| max % d == 0 && *d <= r[2] % max + 1)
                .unwrap_or(1);
            let _ = writeln!(
                o,
                "rule = \"count\"\npoints_each = {each}\ncap = {}",
                max / each
            );
        }
        k => {
            let model = Model::ALL[(r[2] % 5) as usize];
            let _ = writeln!(o, "rule = \"computed\"");
            if k == 3 {
                let _ = writeln!(o, "source = \"children_in_school\"");
            } else {
                let _ = writeln!(o, "source = \"member_share\"\ntitle = \"{}\"", model.code());
                if model == Model::Citizen && r[3] % 2 == 0 {
                    let _ = writeln!(o, "filter = \"adults\"");
                }
            }
            if k == 5 {
                let first = r[3] % 5000;
                let second = first + 1 + r[4] % 5000;
                let _ = writeln!(
                    o,
                    "scoring = \"thresholds\"\nthresholds = [{{ at_least = {}, points = {} }}, {{ at_least = {}, points = {max} }}]",
                    Ratio::from_basis_points(u16::try_from(first).unwrap_or(0)).map(|x| x.decimal_text()).unwrap_or_default(),
                    r[4] % (max + 1),
                    Ratio::from_basis_points(u16::try_from(second).unwrap_or(0)).map(|x| x.decimal_text()).unwrap_or_default(),
                );
            } else {
                let _ = writeln!(o, "scoring = \"linear\"");
            }
        }
    }
    o
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
