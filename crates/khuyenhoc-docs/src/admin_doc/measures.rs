//! The numbers of the layout: limits that keep a document printable, the page geometry of
//! Decree 30 (margins, the header's two columns), type sizes and colours.

use crate::layout::{A4_LONG, A4_SHORT};

// Limits that keep a document printable in a reasonable time.
pub(super) const MAX_BLOCKS: usize = 2_000;
pub(super) const MAX_PARAGRAPH: usize = 20_000;
pub(super) const MAX_HEADING: usize = 500;
pub(super) const MAX_COLUMNS: usize = 12;
pub(super) const MAX_ROWS: usize = 10_000;
pub(super) const MAX_CELL: usize = 2_000;
pub(super) const MAX_HEADER_CELL: usize = 200;
pub(super) const MAX_RECIPIENTS: usize = 60;
/// The narrowest table column, in points (about 8 mm).
pub(super) const MIN_COLUMN: f32 = 22.0;

/// The symbol printed when `number_symbol` is empty: a report of the study-promotion
/// association (Decree 30 abbreviates "Báo cáo" as "BC").
pub(super) const DEFAULT_SYMBOL: &str = "BC-KH";
/// The room left to write the number by hand.
pub(super) const NUMBER_BLANK: &str = "      ";

// Page geometry (points, y downwards). 1 mm = 72 / 25.4 pt.
pub(super) const MM: f32 = 72.0 / 25.4;
pub(super) const PAGE_W: f32 = A4_SHORT;
pub(super) const PAGE_H: f32 = A4_LONG;
pub(super) const LEFT: f32 = 30.0 * MM;
pub(super) const RIGHT: f32 = PAGE_W - 15.0 * MM;
pub(super) const TOP: f32 = 20.0 * MM;
pub(super) const BOTTOM: f32 = PAGE_H - 20.0 * MM;
pub(super) const TEXT_W: f32 = RIGHT - LEFT;
pub(super) const MID: f32 = (LEFT + RIGHT) / 2.0;
/// The header's two columns: the issuer on the left, the national name on the right. The
/// closing block uses the same split (recipients left, signature right).
pub(super) const HEAD_LEFT_W: f32 = TEXT_W - HEAD_RIGHT_W;
pub(super) const HEAD_LEFT_X: f32 = LEFT + HEAD_LEFT_W / 2.0;
/// Wide enough for the national name in bold 11.5 pt (about 236 pt).
pub(super) const HEAD_RIGHT_W: f32 = 242.0;
pub(super) const HEAD_RIGHT_X: f32 = LEFT + HEAD_LEFT_W + HEAD_RIGHT_W / 2.0;
/// The page number's baseline, in the top margin.
pub(super) const PAGE_NO_Y: f32 = 12.0 * MM;

// Type sizes (points). Noto Sans runs larger than the Times New Roman the decree names, so the
// sizes sit at the low end of its ranges.
pub(super) const HEAD_SIZE: f32 = 12.0;
pub(super) const HEAD_LEADING: f32 = 15.0;
pub(super) const NATION_SIZE: f32 = 11.5;
pub(super) const MOTTO_SIZE: f32 = 12.5;
pub(super) const NUMBER_SIZE: f32 = 12.5;
pub(super) const DATE_SIZE: f32 = 12.5;
pub(super) const TITLE_SIZE: f32 = 14.0;
pub(super) const SUBTITLE_SIZE: f32 = 12.5;
pub(super) const SUBTITLE_LEADING: f32 = 16.5;
pub(super) const BODY_SIZE: f32 = 12.5;
pub(super) const BODY_LEADING: f32 = 17.0;
/// The space after a paragraph.
pub(super) const PARA_GAP: f32 = 6.0;
/// The first-line indent (1.27 cm).
pub(super) const INDENT: f32 = 12.7 * MM;
pub(super) const CELL_SIZE: f32 = 10.5;
pub(super) const CELL_LEADING: f32 = 13.5;
pub(super) const CELL_PAD: f32 = 4.0;
pub(super) const TO_SIZE: f32 = 12.0;
pub(super) const TO_ITEM_SIZE: f32 = 11.0;
pub(super) const TO_LEADING: f32 = 14.0;
pub(super) const SIGN_SIZE: f32 = 12.5;
pub(super) const SIGN_LEADING: f32 = 16.5;
/// The room to sign (and stamp) between the signer's position and name.
pub(super) const SIGN_ROOM: f32 = 72.0;
pub(super) const PAGE_NO_SIZE: f32 = 12.5;

pub(super) const INK: u32 = 0x00_00_00;
pub(super) const RULE: u32 = 0x33_33_33;
pub(super) const SHADE: u32 = 0xEE_EE_EE;
