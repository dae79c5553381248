//! Decisions (quyết định công nhận): one row per issuing unit and number, shared by every
//! recognition made under it, whether one at a time on the review page or many at once in bulk.
//! Its annex (phụ lục) lists everyone it recognised, printed per Decree 30/2020 through
//! `khuyenhoc-docs::admin_doc_pdf`.

use crate::auth::Viewer;
use crate::db::{now, Db, Tx};
use crate::error::AppError;
use chrono::NaiveDate;
use serde::Serialize;
use sqlx::Row;

/// A decision as people and the API read it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "RecognitionDecision")]
pub struct Decision {
    pub id: i64,
    /// As typed, e.g. `15/QĐ-KH`.
    pub number: String,
    /// YYYY-MM-DD
    pub decided_on: String,
    pub signer_name: String,
    pub unit_code: String,
    pub unit_name: String,
    /// How many recognitions it carries.
    pub recognised: i64,
    /// The annex as a PDF.
    pub annex_url: String,
    #[serde(skip)]
    pub unit_path: String,
    #[serde(skip)]
    pub unit_level: khuyenhoc_domain::Level,
    #[serde(skip)]
    pub signer_title: String,
}

/// One line of the annex.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "DecisionAnnexLine")]
pub struct AnnexLine {
    pub evaluation_id: i64,
    pub name: String,
    pub birth_year: Option<i64>,
    pub unit_name: String,
    pub model: String,
    pub year: i64,
    pub total: i64,
    pub certificate: Option<String>,
}

/// The decision `number` of the unit `unit_id`, made on its first use; a number used before
/// with another date is refused on `decision_date` (one number, one decision).
pub(crate) async fn find_or_create(
    tx: &mut Tx<'_>,
    unit_id: i64,
    number: &str,
    date: NaiveDate,
    signer: (Option<i64>, &str),
    by: Option<i64>,
) -> Result<i64, AppError> {
    let day = date.format("%Y-%m-%d").to_string();
    let found: Option<(i64, String)> =
        sqlx::query_as("SELECT id, decided_on FROM decisions WHERE unit_id = $1 AND number = $2")
            .bind(unit_id)
            .bind(number)
            .fetch_optional(&mut **tx)
            .await?;
    match found {
        Some((id, on)) if on == day => Ok(id),
        Some((_, on)) => Err(AppError::Unprocessable {
            vi: format!(
                "Quyết định số {number} đã ghi ngày {}; một số quyết định chỉ có một ngày",
                crate::i18n::day(&on)
            ),
            en: format!("Decision {number} is dated {on}; one number has one date"),
        }),
        None => Ok(sqlx::query_scalar(
            "INSERT INTO decisions (unit_id, number, decided_on, signer_position_id, signer_name, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(unit_id)
        .bind(number)
        .bind(&day)
        .bind(signer.0)
        .bind(signer.1)
        .bind(by)
        .bind(now())
        .fetch_one(&mut **tx)
        .await?),
    }
}

/// The decision, if the viewer may read its unit's subtree.
pub async fn visible(db: &Db, viewer: &Viewer, id: i64) -> Result<Decision, AppError> {
    let r = sqlx::query(
        "SELECT d.id, d.number, d.decided_on, d.signer_name, u.code, u.name, u.path, u.level, \
         (SELECT COUNT(*) FROM recognitions r WHERE r.decision_id = d.id), COALESCE(pt.name_vi, '') \
         FROM decisions d JOIN units u ON u.id = d.unit_id \
         LEFT JOIN positions po ON po.id = d.signer_position_id LEFT JOIN position_types pt ON pt.id = po.type_id \
         WHERE d.id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let path: String = r.try_get(6)?;
    if !viewer.can_read(&path) {
        return Err(AppError::NotFound);
    }
    let level: String = r.try_get(7)?;
    Ok(Decision {
        id: r.try_get(0)?,
        number: r.try_get(1)?,
        decided_on: r.try_get(2)?,
        signer_name: r.try_get(3)?,
        unit_code: r.try_get(4)?,
        unit_name: r.try_get(5)?,
        unit_path: path,
        unit_level: khuyenhoc_domain::Level::parse(&level)
            .unwrap_or(khuyenhoc_domain::Level::Commune),
        recognised: r.try_get(8)?,
        annex_url: format!("/decisions/{id}/annex.pdf"),
        signer_title: r.try_get(9)?,
    })
}

/// Everyone the decision recognised, in the order of their names.
pub async fn annex(db: &Db, id: i64) -> Result<Vec<AnnexLine>, AppError> {
    sqlx::query(
        "SELECT e.id, e.subject_name, p.birth_year, u.name, e.model, e.year, e.total, c.code \
         FROM recognitions r JOIN evaluations e ON e.id = r.evaluation_id JOIN units u ON u.id = e.unit_id \
         LEFT JOIN people p ON e.subject_kind = 'person' AND p.id = e.subject_id \
         LEFT JOIN certificates c ON c.evaluation_id = e.id \
         WHERE r.decision_id = $1 ORDER BY e.subject_folded, e.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(AnnexLine {
            evaluation_id: r.try_get(0)?,
            name: r.try_get(1)?,
            birth_year: r.try_get(2)?,
            unit_name: r.try_get(3)?,
            model: r.try_get(4)?,
            year: r.try_get(5)?,
            total: r.try_get(6)?,
            certificate: r.try_get(7)?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()
    .map_err(AppError::from)
}

/// The annex as a Decree 30 document: the issuer, "DANH SÁCH" attached to the decision, one
/// table line per person, the signer.
pub fn annex_pdf(d: &Decision, lines: &[AnnexLine]) -> Result<Vec<u8>, AppError> {
    use crate::reports::export::{body_name, place_of};
    let date = NaiveDate::parse_from_str(&d.decided_on, "%Y-%m-%d")
        .map_err(|e| anyhow::anyhow!("decision date: {e}"))?;
    use chrono::Datelike;
    let rows: Vec<Vec<String>> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let title = khuyenhoc_criteria::Model::from_code(&l.model)
                .map_or(l.model.clone(), |m| m.vi().to_owned());
            vec![
                (i + 1).to_string(),
                l.name.clone(),
                l.birth_year.map(|y| y.to_string()).unwrap_or_default(),
                l.unit_name.clone(),
                format!("{title} năm {}", l.year),
                l.total.to_string(),
            ]
        })
        .collect();
    let doc = khuyenhoc_docs::AdminDoc {
        parent_issuer: String::new(),
        issuer: body_name(d.unit_level, &d.unit_name),
        number_symbol: String::new(),
        place: place_of(&d.unit_name),
        date: (date.year(), date.month(), date.day()),
        title: "DANH SÁCH".into(),
        subtitle: format!(
            "Được công nhận danh hiệu học tập (kèm theo Quyết định số {} ngày {})",
            d.number,
            crate::i18n::day(&d.decided_on)
        ),
        blocks: vec![
            khuyenhoc_docs::Block::Paragraph(format!(
                "Tổng số: {} người và tập thể được công nhận.",
                lines.len()
            )),
            khuyenhoc_docs::Block::Table {
                headers: ["TT", "Họ và tên", "Năm sinh", "Đơn vị", "Danh hiệu", "Điểm"]
                    .map(String::from)
                    .to_vec(),
                rows,
                widths: vec![0.6, 3.0, 1.1, 2.6, 2.6, 0.9],
                numeric: vec![true, false, true, false, false, true],
            },
        ],
        recipients: vec![],
        signer_capacity: "TM. BAN THƯỜNG VỤ".into(),
        signer_title: if d.signer_title.is_empty() {
            "CHỦ TỊCH".into()
        } else {
            d.signer_title.to_uppercase()
        },
        signer_name: d.signer_name.clone(),
    };
    khuyenhoc_docs::admin_doc_pdf(&doc)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("annex pdf: {e:?}")))
}
