//! Why a file is refused, in both languages.

/// What kind of refusal: the application answers 400, 413 and 422 for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Not a readable workbook (or CSV) at all (400).
    Unreadable,
    /// More bytes than the import takes (413).
    TooLarge,
    /// A readable file that breaks a rule: no rows, too many rows, too big once unpacked, a
    /// header that does not match (422).
    Refused,
}

/// A refusal of a whole file, with its Vietnamese and English messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetError {
    pub kind: Kind,
    pub vi: String,
    pub en: String,
}

impl SheetError {
    pub fn new(kind: Kind, vi: impl Into<String>, en: impl Into<String>) -> Self {
        SheetError {
            kind,
            vi: vi.into(),
            en: en.into(),
        }
    }

    /// A readable file that breaks a rule (422).
    pub fn refused(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(Kind::Refused, vi, en)
    }

    /// Not a workbook Excel can save (400).
    pub fn not_xlsx() -> Self {
        Self::new(
            Kind::Unreadable,
            "Tệp này không phải là bảng tính Excel (.xlsx) đọc được. Hãy lưu tệp dưới dạng «Excel Workbook (.xlsx)» rồi tải lên lại",
            "This file is not a readable Excel workbook (.xlsx). Save it as “Excel Workbook (.xlsx)” and upload it again",
        )
    }
}

impl std::fmt::Display for SheetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for SheetError {}
