//! The sets shipped with the program and the national targets.

use crate::load::LoadError;
use crate::model::{CriteriaSet, Model};
use serde::Serialize;

/// The default files, by name: the national sets for 2025.
pub const DEFAULT_FILES: [(&str, &str); 5] = [
    (
        "citizen-2025.toml",
        include_str!("../sets/citizen-2025.toml"),
    ),
    ("family-2025.toml", include_str!("../sets/family-2025.toml")),
    ("clan-2025.toml", include_str!("../sets/clan-2025.toml")),
    (
        "community-2025.toml",
        include_str!("../sets/community-2025.toml"),
    ),
    ("unit-2025.toml", include_str!("../sets/unit-2025.toml")),
];

/// The national default sets, parsed now. A test guarantees they parse; should one ever fail,
/// it is left out here and [`try_defaults`] says why.
pub fn defaults() -> Vec<CriteriaSet> {
    DEFAULT_FILES
        .iter()
        .filter_map(|(_, text)| CriteriaSet::parse(text).ok())
        .collect()
}

/// The national default sets, or the errors of each file that does not parse.
pub fn try_defaults() -> Result<Vec<CriteriaSet>, Vec<(&'static str, Vec<LoadError>)>> {
    let mut sets = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in DEFAULT_FILES {
        match CriteriaSet::parse(text) {
            Ok(s) => sets.push(s),
            Err(e) => errors.push((name, e)),
        }
    }
    if errors.is_empty() {
        Ok(sets)
    } else {
        Err(errors)
    }
}

/// The national default set of a model.
pub fn default_for(model: Model) -> Option<CriteriaSet> {
    defaults().into_iter().find(|s| s.model() == model)
}

/// What a national target measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "measure", content = "model")]
pub enum TargetMeasure {
    /// The share of subjects of this model that are recognised.
    Recognised(Model),
    /// The share of adults in communities who are learning citizens.
    AdultsInCommunitiesAreCitizens,
    /// The share of officials (cán bộ, công chức, viên chức) who are learning citizens.
    OfficialsAreCitizens,
}

/// A national target that reports compare against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// The decision of the Prime Minister that sets it.
    pub decision: &'static str,
    /// The year it is due, where the source we have states it.
    pub year: Option<u16>,
    pub measure: TargetMeasure,
    pub percent: u8,
    pub vi: &'static str,
    pub en: &'static str,
}

/// The national targets (documented facts, see `docs/criteria.md`).
pub fn targets() -> Vec<Target> {
    let d387 = |model, percent, vi, en| Target {
        decision: "387",
        year: Some(2025),
        measure: TargetMeasure::Recognised(model),
        percent,
        vi,
        en,
    };
    vec![
        d387(
            Model::Family,
            70,
            "70% gia đình đạt danh hiệu Gia đình học tập",
            "70% of families are Learning Families",
        ),
        d387(
            Model::Clan,
            65,
            "65% dòng họ đạt danh hiệu Dòng họ học tập",
            "65% of clans are Learning Clans",
        ),
        d387(
            Model::Community,
            65,
            "65% cộng đồng (thôn, tổ dân phố) đạt danh hiệu Cộng đồng học tập",
            "65% of village communities are Learning Communities",
        ),
        d387(
            Model::Unit,
            80,
            "80% đơn vị đạt danh hiệu Đơn vị học tập",
            "80% of units are Learning Units",
        ),
        Target {
            decision: "677",
            year: None,
            measure: TargetMeasure::AdultsInCommunitiesAreCitizens,
            percent: 40,
            vi: "40% người lớn trong cộng đồng là Công dân học tập",
            en: "40% of adults in communities are Learning Citizens",
        },
        Target {
            decision: "677",
            year: None,
            measure: TargetMeasure::OfficialsAreCitizens,
            percent: 60,
            vi: "60% cán bộ, công chức, viên chức là Công dân học tập",
            en: "60% of officials, civil servants and public employees are Learning Citizens",
        },
    ]
}
