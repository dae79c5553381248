//! The form's own tests: edits written and read back, every error on its field.

use super::*;

fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn clan() -> String {
    let national = khuyenhoc_criteria::default_for(khuyenhoc_criteria::Model::Clan).expect("clan");
    let code = khuyenhoc_domain::UnitCode::parse("01").expect("01");
    national.variant_for(&code).expect("variant").to_toml()
}

#[test]
fn edits_are_written_and_read_back() {
    let a = apply(
        &clan(),
        &form(&[
            ("version", "2031"),
            ("threshold", "85"),
            ("board-text_vi", "Có ban khuyến học"),
            ("board-evidence", "1"),
        ]),
    );
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let set = a.set.expect("reads");
    assert_eq!(set.version(), 2031);
    assert_eq!(set.pass().threshold, 85);
    let board = set.indicator("board").expect("board");
    assert_eq!(board.text.vi, "Có ban khuyến học");
    assert!(board.evidence.required);
}

#[test]
fn every_error_lands_on_its_field() {
    // The total stays 100 while a maximum rises; a text is typed for a number.
    let a = apply(
        &clan(),
        &form(&[
            ("board-max", "20"),
            ("awards-cap", "năm"),
            ("threshold", ""),
        ]),
    );
    assert!(a.set.is_none());
    assert!(a.errors.contains_key("awards-cap"), "{:?}", a.errors);
    assert!(a.errors.contains_key("threshold"), "{:?}", a.errors);
    // Once every value reads, a maximum that breaks the declared total is refused at the total.
    let b = apply(&clan(), &form(&[("board-max", "20")]));
    assert!(b.errors.contains_key("total"), "{:?}", b.errors);
    // The form shows what was typed.
    let f = fields_of(&a.table, &BTreeMap::new());
    let awards = f.groups[1]
        .indicators
        .iter()
        .find(|i| i.key == "awards")
        .expect("awards");
    assert_eq!(awards.cap, "năm");
}

#[test]
fn an_indicator_is_removed_and_one_added() {
    let a = apply(
        &clan(),
        &form(&[
            ("total", ""),
            ("tradition-remove", "1"),
            ("new-2-text_vi", "Có tủ sách dòng họ"),
            ("new-2-max", "15"),
            ("new-2-rule", "yes_no"),
        ]),
    );
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let set = a.set.expect("reads");
    assert!(set.indicator("tradition").is_none());
    let added = set.indicator("tinh_1").expect("added");
    assert_eq!((added.max, added.rule.name()), (15, "yes_no"));
    // A new indicator without a maximum is refused at its own field.
    let a = apply(&clan(), &form(&[("new-0-text_vi", "Mới")]));
    assert!(a.errors.contains_key("new-0-max"), "{:?}", a.errors);
}

fn variant_of(model: khuyenhoc_criteria::Model) -> String {
    let national = khuyenhoc_criteria::default_for(model).expect("national set");
    let code = khuyenhoc_domain::UnitCode::parse("01").expect("01");
    national.variant_for(&code).expect("variant").to_toml()
}

#[test]
fn an_indicator_is_limited_to_some_form_groups() {
    let citizen = variant_of(khuyenhoc_criteria::Model::Citizen);
    let a = apply(
        &citizen,
        // Without a declared total: the students' and officials' forms now add up to less.
        &form(&[
            ("total", ""),
            ("reads-fg", "1"),
            ("reads-fg-farmer", "1"),
            ("reads-fg-worker", "1"),
        ]),
    );
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let set = a.set.expect("reads");
    let reads = set.indicator("reads").expect("reads");
    assert!(reads.applies_to(Some("farmer")) && reads.applies_to(Some("worker")));
    assert!(!reads.applies_to(Some("student")));
    // The form shows the ticks as stored.
    let f = fields_of(&a.table, &BTreeMap::new());
    let shown = f.groups[0]
        .indicators
        .iter()
        .find(|i| i.key == "reads")
        .expect("reads shown");
    let ticked: Vec<&str> = shown
        .form_groups
        .iter()
        .filter(|g| g.3)
        .map(|g| g.0.as_str())
        .collect();
    assert_eq!(ticked, ["farmer", "worker"]);
    // Every group ticked is every group again; none ticked is refused at its field.
    let all = [
        ("reads-fg", "1"),
        ("reads-fg-farmer", "1"),
        ("reads-fg-worker", "1"),
        ("reads-fg-official", "1"),
        ("reads-fg-student", "1"),
    ];
    let b = apply(&toml::to_string(&a.table).expect("toml"), &form(&all));
    let set = b.set.expect("reads");
    assert!(set
        .indicator("reads")
        .expect("reads")
        .applies_to(Some("student")));
    let c = apply(&citizen, &form(&[("total", ""), ("reads-fg", "1")]));
    assert!(c.errors.contains_key("reads-form_groups"), "{:?}", c.errors);
}

#[test]
fn a_computed_indicator_s_steps_are_edited_in_percent() {
    let community = variant_of(khuyenhoc_criteria::Model::Community);
    let steps = [
        ("adult_learning_citizens-step-0-at", "25"),
        ("adult_learning_citizens-step-0-points", "5"),
        ("adult_learning_citizens-step-1-at", ""),
        ("adult_learning_citizens-step-1-points", ""),
        ("adult_learning_citizens-step-2-at", "45,5"),
        ("adult_learning_citizens-step-2-points", "20"),
        ("adult_learning_citizens-step-3-at", ""),
        ("adult_learning_citizens-step-3-points", ""),
    ];
    let a = apply(&community, &form(&steps));
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let set = a.set.expect("reads");
    let ind = set.indicator("adult_learning_citizens").expect("indicator");
    let khuyenhoc_criteria::Rule::Computed {
        scoring: khuyenhoc_criteria::Scoring::Thresholds(got),
        ..
    } = &ind.rule
    else {
        panic!("not scored by steps: {:?}", ind.rule);
    };
    let got: Vec<(u16, u32)> = got
        .iter()
        .map(|s| (s.at_least.basis_points(), s.points))
        .collect();
    assert_eq!(got, [(2500, 5), (4550, 20)]);
    let f = fields_of(&a.table, &BTreeMap::new());
    let shown = f
        .groups
        .iter()
        .flat_map(|g| &g.indicators)
        .find(|i| i.key == "adult_learning_citizens")
        .expect("shown");
    assert_eq!(
        shown.steps,
        [
            ("25".to_owned(), "5".to_owned()),
            ("45.5".to_owned(), "20".to_owned()),
            (String::new(), String::new())
        ]
    );
    // Falling shares are refused at the step's own field; a top step short of the maximum
    // at the steps as a whole.
    let b = apply(
        &community,
        &form(&[
            ("adult_learning_citizens-step-0-at", "40"),
            ("adult_learning_citizens-step-0-points", "5"),
            ("adult_learning_citizens-step-1-at", "30"),
            ("adult_learning_citizens-step-1-points", "20"),
        ]),
    );
    assert!(
        b.errors.contains_key("adult_learning_citizens-step-1-at"),
        "{:?}",
        b.errors
    );
    let c = apply(
        &community,
        &form(&[
            ("adult_learning_citizens-step-0-at", "40"),
            ("adult_learning_citizens-step-0-points", "5"),
        ]),
    );
    assert!(
        c.errors.contains_key("adult_learning_citizens-steps"),
        "{:?}",
        c.errors
    );
}
