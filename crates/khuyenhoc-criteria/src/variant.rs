//! Province variants: a province copies the national set, edits what it may (texts, maxima,
//! thresholds, indicators) and keeps the model and the form groups, so that results still
//! add up nationally.

use crate::model::{CriteriaSet, SetRef};
use khuyenhoc_domain::{Invalid, UnitCode};

const NOT_NATIONAL: Invalid = Invalid::new(
    "Chỉ sao được từ bộ tiêu chí toàn quốc (VN)",
    "A variant can only copy a national (VN) set",
);
const NOT_PROVINCE: Invalid = Invalid::new(
    "Bộ biến thể phải thuộc một tỉnh (mã 2 chữ số)",
    "A variant must belong to a province (2-digit code)",
);
const WRONG_BASE: Invalid = Invalid::new(
    "based_on không trỏ đến bộ toàn quốc này (mã và phiên bản)",
    "based_on does not point to this national set (code and version)",
);
const OTHER_CODE: Invalid = Invalid::new(
    "Bộ biến thể phải giữ mã của bộ toàn quốc",
    "A variant must keep the national set's code",
);
const OTHER_MODEL: Invalid = Invalid::new(
    "Bộ biến thể phải giữ mô hình của bộ toàn quốc",
    "A variant must keep the national set's model",
);
const OTHER_FORM_GROUPS: Invalid = Invalid::new(
    "Bộ biến thể phải giữ đúng các nhóm đối tượng (mã và thứ tự) của bộ toàn quốc",
    "A variant must keep the national set's form groups (codes and order)",
);

fn is_province(code: &UnitCode) -> bool {
    code.as_str().len() == 2 && code.as_str().bytes().all(|b| b.is_ascii_digit())
}

impl CriteriaSet {
    /// A copy of this national set owned by `province`, `based_on` this set. Its contents are
    /// unchanged; edit it as text (`to_toml`, then `parse`) and check it with
    /// [`CriteriaSet::check_variant_of`].
    pub fn variant_for(&self, province: &UnitCode) -> Result<CriteriaSet, Invalid> {
        if !self.is_national() {
            return Err(NOT_NATIONAL);
        }
        if !is_province(province) {
            return Err(NOT_PROVINCE);
        }
        let mut v = self.clone();
        v.owner = province.clone();
        v.based_on = Some(SetRef {
            code: self.code.clone(),
            version: self.version,
        });
        Ok(v)
    }

    /// Checks that this set is a valid variant of `national`: owned by a province, based on
    /// it, same code, same model, same form groups. Returns every problem.
    pub fn check_variant_of(&self, national: &CriteriaSet) -> Result<(), Vec<Invalid>> {
        let mut errors = Vec::new();
        if !national.is_national() {
            errors.push(NOT_NATIONAL);
        }
        if !is_province(&self.owner) {
            errors.push(NOT_PROVINCE);
        }
        let base = SetRef {
            code: national.code.clone(),
            version: national.version,
        };
        if self.based_on.as_ref() != Some(&base) {
            errors.push(WRONG_BASE);
        }
        if self.code != national.code {
            errors.push(OTHER_CODE);
        }
        if self.model != national.model {
            errors.push(OTHER_MODEL);
        }
        let codes = |s: &CriteriaSet| -> Vec<String> {
            s.form_groups.iter().map(|g| g.code.clone()).collect()
        };
        if codes(self) != codes(national) {
            errors.push(OTHER_FORM_GROUPS);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}
