//! Levels of the hierarchy and kinds of branches.

use crate::Invalid;
use serde::{Deserialize, Serialize};

macro_rules! labelled_enum {
    ($name:ident { $($variant:ident = $code:literal, $vi:literal, $en:literal;)+ } $err_vi:literal, $err_en:literal) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code,)+ } }
            pub fn label_vi(self) -> &'static str { match self { $($name::$variant => $vi,)+ } }
            pub fn label_en(self) -> &'static str { match self { $($name::$variant => $en,)+ } }
            pub fn parse(s: &str) -> Result<Self, Invalid> {
                match s.trim() {
                    $($code => Ok($name::$variant),)+
                    _ => Err(Invalid::new($err_vi, $err_en)),
                }
            }
        }
    };
}

labelled_enum!(Level {
    Central = "central", "Trung ương", "Central";
    Province = "province", "Tỉnh, thành phố", "Province";
    District = "district", "Quận, huyện, thị xã, thành phố thuộc tỉnh (trước 01/07/2025)", "District (before 1 July 2025)";
    Commune = "commune", "Xã, phường, đặc khu", "Commune";
    Branch = "branch", "Chi hội", "Branch";
} "Cấp đơn vị không hợp lệ", "Invalid unit level");

impl Level {
    /// Depth in the tree: central is 0.
    pub fn depth(self) -> usize {
        match self {
            Level::Central => 0,
            Level::Province => 1,
            Level::District => 2,
            Level::Commune => 2,
            Level::Branch => 3,
        }
    }

    /// Districts are historical only: abolished on 1 July 2025, they never hold positions or
    /// branches and are never open after that day.
    pub fn is_historical(self) -> bool {
        matches!(self, Level::District)
    }
}

labelled_enum!(BranchKind {
    Village = "village", "Thôn, ấp, bản, tổ dân phố", "Village or residential group";
    School = "school", "Trường học", "School";
    Agency = "agency", "Cơ quan", "Agency";
    Enterprise = "enterprise", "Doanh nghiệp", "Enterprise";
    ArmedForces = "armed_forces", "Đơn vị lực lượng vũ trang", "Armed-forces unit";
    University = "university", "Trường đại học, cao đẳng", "University or college";
    StudyBoard = "study_board", "Ban khuyến học (dòng họ, cơ sở)", "Study board (clan or institution)";
} "Loại chi hội không hợp lệ", "Invalid branch kind");

impl BranchKind {
    /// Territorial branches sit under a commune; institutional ones may also sit under a province.
    pub fn may_hang_under_province(self) -> bool {
        !matches!(self, BranchKind::Village)
    }
}

labelled_enum!(Gender {
    Female = "female", "Nữ", "Female";
    Male = "male", "Nam", "Male";
    Other = "other", "Khác", "Other";
} "Giới tính không hợp lệ", "Invalid gender");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_roundtrip() {
        for l in Level::ALL {
            assert_eq!(Level::parse(l.code()), Ok(*l));
        }
        for k in BranchKind::ALL {
            assert_eq!(BranchKind::parse(k.code()), Ok(*k));
        }
        assert!(BranchKind::parse("castle").is_err());
        assert!(!BranchKind::Village.may_hang_under_province());
    }
}
