//! The shipped default sets, the national targets, and province variants of a national set.

mod common;

use common::*;
use khuyenhoc_criteria::*;
use khuyenhoc_domain::UnitCode;

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
