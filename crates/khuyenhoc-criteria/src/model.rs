//! The typed criteria set. A [`CriteriaSet`] is only made by [`CriteriaSet::parse`] (or by
//! [`CriteriaSet::variant_for`] from a parsed one), so everything below it has been checked:
//! codes are unique, maxima are positive, minimums fit, thresholds are reachable.

use khuyenhoc_domain::UnitCode;
use serde::Serialize;

/// The five learning models of the movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Model {
    /// Công dân học tập.
    Citizen,
    /// Gia đình học tập.
    Family,
    /// Dòng họ học tập.
    Clan,
    /// Cộng đồng học tập (thôn, tổ dân phố).
    Community,
    /// Đơn vị học tập.
    Unit,
}

impl Model {
    pub const ALL: [Model; 5] = [
        Model::Citizen,
        Model::Family,
        Model::Clan,
        Model::Community,
        Model::Unit,
    ];

    /// The code used in criteria files.
    pub fn code(self) -> &'static str {
        match self {
            Model::Citizen => "citizen",
            Model::Family => "family",
            Model::Clan => "clan",
            Model::Community => "community",
            Model::Unit => "unit",
        }
    }

    pub fn from_code(s: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.code() == s)
    }

    /// The title in Vietnamese.
    pub fn vi(self) -> &'static str {
        match self {
            Model::Citizen => "Công dân học tập",
            Model::Family => "Gia đình học tập",
            Model::Clan => "Dòng họ học tập",
            Model::Community => "Cộng đồng học tập",
            Model::Unit => "Đơn vị học tập",
        }
    }

    /// The title in English.
    pub fn en(self) -> &'static str {
        match self {
            Model::Citizen => "Learning Citizen",
            Model::Family => "Learning Family",
            Model::Clan => "Learning Clan",
            Model::Community => "Learning Community",
            Model::Unit => "Learning Unit",
        }
    }
}

/// A text in Vietnamese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Text {
    pub vi: String,
    pub en: String,
}

impl Text {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            vi: vi.into(),
            en: en.into(),
        }
    }
}

/// Which set a province variant copies: the national set's code and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SetRef {
    pub code: String,
    pub version: u16,
}

/// A share between 0 and 1, kept exactly in ten-thousandths (basis points) so that "90%"
/// compares without floating-point surprises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct Ratio(u16);

impl Ratio {
    pub const ONE: Ratio = Ratio(10_000);

    /// `bp` ten-thousandths; `None` above 10 000.
    pub fn from_basis_points(bp: u16) -> Option<Ratio> {
        (bp <= 10_000).then_some(Ratio(bp))
    }

    pub fn basis_points(self) -> u16 {
        self.0
    }

    /// Whether `part / total` reaches this ratio (false when `total` is 0).
    pub fn is_met_by(self, part: u32, total: u32) -> bool {
        total > 0 && u64::from(part) * 10_000 >= u64::from(self.0) * u64::from(total)
    }

    /// The ratio written as a percentage, e.g. `90%` or `12.5%`.
    pub fn percent_text(self) -> String {
        let whole = self.0 / 100;
        let frac = self.0 % 100;
        if frac == 0 {
            format!("{whole}%")
        } else if frac % 10 == 0 {
            format!("{whole}.{}%", frac / 10)
        } else {
            format!("{whole}.{frac:02}%")
        }
    }

    /// The ratio as a TOML float, e.g. `0.9` or `1.0`.
    pub fn decimal_text(self) -> String {
        let mut frac = format!("{:04}", self.0 % 10_000);
        while frac.len() > 1 && frac.ends_with('0') {
            frac.pop();
        }
        format!("{}.{frac}", self.0 / 10_000)
    }
}

/// Whose members a `member_share` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MemberFilter {
    All,
    /// Only adult members (used with the citizen title: "the family's adults").
    Adults,
}

/// Where a computed indicator or a requirement takes its value from. The application supplies
/// the counts in [`crate::Computed`] under the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "CriteriaSource"))]
#[serde(rename_all = "snake_case", tag = "source")]
pub enum Source {
    /// The share of the subject's members (people for a family, unit or community; families
    /// for a clan or community) who hold the recognised title `title` in the same year.
    MemberShare { title: Model, filter: MemberFilter },
    /// The share of the subject's school-age children who are in school.
    ChildrenInSchool,
}

impl Source {
    /// Known source names, as written in files.
    pub const NAMES: [&'static str; 2] = ["member_share", "children_in_school"];

    pub fn describe(self) -> Text {
        match self {
            Source::MemberShare {
                title,
                filter: MemberFilter::All,
            } => Text::new(
                format!("tỷ lệ thành viên đạt danh hiệu «{}»", title.vi()),
                format!("share of members holding the title “{}”", title.en()),
            ),
            Source::MemberShare {
                title,
                filter: MemberFilter::Adults,
            } => Text::new(
                format!("tỷ lệ người lớn đạt danh hiệu «{}»", title.vi()),
                format!("share of adults holding the title “{}”", title.en()),
            ),
            Source::ChildrenInSchool => Text::new(
                "tỷ lệ trẻ em trong độ tuổi đi học được đến trường",
                "share of school-age children in school",
            ),
        }
    }
}

/// One step of threshold scoring: a share of at least `at_least` earns `points`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Step {
    pub at_least: Ratio,
    pub points: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", tag = "scoring", content = "thresholds")]
pub enum Scoring {
    /// `floor(share × max)`.
    Linear,
    /// The points of the highest step reached (0 below the first); steps rise strictly.
    Thresholds(Vec<Step>),
}

/// How an indicator turns an answer into points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "CriteriaRule"))]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum Rule {
    /// Any whole number from 0 to max.
    Scale,
    /// 0 or max.
    YesNo,
    /// `points_each` per counted item, at most `cap` items (`points_each × cap = max`).
    Count { points_each: u32, cap: u32 },
    /// From other evaluations, supplied by the application.
    Computed { source: Source, scoring: Scoring },
}

impl Rule {
    pub fn name(&self) -> &'static str {
        match self {
            Rule::Scale => "scale",
            Rule::YesNo => "yes_no",
            Rule::Count { .. } => "count",
            Rule::Computed { .. } => "computed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    Photo,
    Document,
    Note,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 3] = [
        EvidenceKind::Photo,
        EvidenceKind::Document,
        EvidenceKind::Note,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EvidenceKind::Photo => "photo",
            EvidenceKind::Document => "document",
            EvidenceKind::Note => "note",
        }
    }

    pub fn from_code(s: &str) -> Option<EvidenceKind> {
        EvidenceKind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn vi(self) -> &'static str {
        match self {
            EvidenceKind::Photo => "ảnh",
            EvidenceKind::Document => "văn bản",
            EvidenceKind::Note => "ghi chú",
        }
    }
}

/// Evidence (minh chứng) an indicator asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct EvidenceRule {
    /// Whether at least one piece of an allowed kind is needed.
    pub required: bool,
    /// The kinds that may be attached (never empty).
    pub kinds: Vec<EvidenceKind>,
}

impl Default for EvidenceRule {
    fn default() -> Self {
        Self {
            required: false,
            kinds: EvidenceKind::ALL.to_vec(),
        }
    }
}

/// The form a citizen chooses (nhóm đối tượng).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct FormGroup {
    pub code: String,
    pub name: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "CriteriaIndicator"))]
pub struct Indicator {
    pub code: String,
    pub text: Text,
    pub max: u32,
    pub rule: Rule,
    /// This indicator's own minimum; `None` means the set's `min_each` applies.
    pub min: Option<u32>,
    pub evidence: EvidenceRule,
    /// The form groups it applies to; `None` means all.
    pub form_groups: Option<Vec<String>>,
}

impl Indicator {
    pub fn applies_to(&self, form_group: Option<&str>) -> bool {
        match (&self.form_groups, form_group) {
            (None, _) => true,
            (Some(list), Some(g)) => list.iter().any(|c| c == g),
            (Some(_), None) => false,
        }
    }
}

/// A group of indicators (a competency for citizens, a criterion for the other models).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "CriteriaGroup"))]
pub struct Group {
    pub code: String,
    pub name: Text,
    pub indicators: Vec<Indicator>,
}

/// A lower threshold for subjects carrying `flag` (e.g. `disadvantaged_area`: remote,
/// especially difficult or ethnic-minority areas).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct ReducedThreshold {
    pub flag: String,
    pub threshold: u32,
}

/// Mức 1, mức 2: level `n` is reached at `threshold` points. Level 1's threshold is the
/// pass threshold, so every pass reaches at least level 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "CriteriaLevel"))]
pub struct Level {
    pub level: u8,
    pub threshold: u32,
}

/// A condition beyond points, e.g. "at least 90% of the unit's members are learning citizens".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Requirement {
    pub source: Source,
    pub at_least: Ratio,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct PassRules {
    pub threshold: u32,
    pub reduced: Vec<ReducedThreshold>,
    /// The default minimum of every indicator without its own `min`.
    pub min_each: Option<u32>,
    /// Empty, or levels 1, 2, … with strictly rising thresholds.
    pub levels: Vec<Level>,
    pub requires: Vec<Requirement>,
}

/// One model's criteria for one year, owned by the nation (`VN`) or a province.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct CriteriaSet {
    pub(crate) code: String,
    pub(crate) model: Model,
    pub(crate) version: u16,
    pub(crate) owner: UnitCode,
    pub(crate) based_on: Option<SetRef>,
    pub(crate) title: Text,
    pub(crate) valid_years: u8,
    pub(crate) total: Option<u32>,
    pub(crate) form_groups: Vec<FormGroup>,
    pub(crate) pass: PassRules,
    pub(crate) groups: Vec<Group>,
}

impl CriteriaSet {
    pub fn code(&self) -> &str {
        &self.code
    }
    pub fn model(&self) -> Model {
        self.model
    }
    /// The year the set takes effect.
    pub fn version(&self) -> u16 {
        self.version
    }
    /// `VN` for the national default, a 2-digit province code for a variant.
    pub fn owner(&self) -> &UnitCode {
        &self.owner
    }
    pub fn is_national(&self) -> bool {
        self.owner.as_str() == khuyenhoc_domain::unit_code::CENTRAL
    }
    pub fn based_on(&self) -> Option<&SetRef> {
        self.based_on.as_ref()
    }
    pub fn title(&self) -> &Text {
        &self.title
    }
    /// How many years (counting the year of recognition) a title stays valid.
    pub fn valid_years(&self) -> u8 {
        self.valid_years
    }
    /// The total the file declares, if it declares one (it then equals [`Self::max_total`]
    /// for every form group).
    pub fn declared_total(&self) -> Option<u32> {
        self.total
    }
    pub fn form_groups(&self) -> &[FormGroup] {
        &self.form_groups
    }
    pub fn pass(&self) -> &PassRules {
        &self.pass
    }
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// Every indicator with the code of its group, in order.
    pub fn indicators(&self) -> impl Iterator<Item = (&Group, &Indicator)> {
        self.groups
            .iter()
            .flat_map(|g| g.indicators.iter().map(move |i| (g, i)))
    }

    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators().map(|(_, i)| i).find(|i| i.code == code)
    }

    /// The highest total a subject of `form_group` can reach.
    pub fn max_total(&self, form_group: Option<&str>) -> u32 {
        self.indicators()
            .filter(|(_, i)| i.applies_to(form_group))
            .map(|(_, i)| i.max)
            .fold(0u32, u32::saturating_add)
    }

    /// The last year a title recognised in `recognised_year` is valid: with `valid_years = 1`
    /// that is the same year, with 3 it is two years later (2025 → 2027).
    pub fn valid_until(&self, recognised_year: u16) -> u16 {
        recognised_year.saturating_add(u16::from(self.valid_years).saturating_sub(1))
    }

    /// Whether a title recognised in `recognised_year` is still valid in `year`.
    pub fn is_valid_in(&self, recognised_year: u16, year: u16) -> bool {
        (recognised_year..=self.valid_until(recognised_year)).contains(&year)
    }
}
