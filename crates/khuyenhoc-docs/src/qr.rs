//! A QR code as vector graphics: the `qrcode` crate computes the module matrix, and the dark
//! modules become one path of rectangles (horizontal runs merged), filled in one operation so
//! no hairline seams show between neighbouring modules.

use krilla::geom::{Path, PathBuilder, Rect};
use qrcode::{Color, EcLevel, QrCode};

use crate::{DocError, Invalid};

/// The longest verify URL we print as a QR code: beyond this the code gets too dense to scan
/// reliably at the printed size (a version-10 code at level M holds 213 bytes).
pub(crate) const MAX_URL_BYTES: usize = 200;

pub(crate) fn too_long() -> Invalid {
    Invalid::new(
        "Địa chỉ kiểm tra quá dài để in thành mã QR",
        "The verify URL is too long to print as a QR code",
    )
}

/// The dark modules of the code for `data`, drawn in the square at (`x`, `y`) of side `size`
/// (quiet zone not included: the caller leaves four modules of white around it).
/// Returns the path and the number of modules on a side.
pub(crate) fn qr_path(data: &str, x: f32, y: f32, size: f32) -> Result<(Path, usize), DocError> {
    if data.len() > MAX_URL_BYTES {
        return Err(DocError::Invalid(too_long()));
    }
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|_| DocError::Invalid(too_long()))?;
    let n = code.width();
    let colors = code.to_colors();
    let module = size / n as f32;
    let mut pb = PathBuilder::new();
    for (row, cells) in colors.chunks(n).enumerate() {
        let mut col = 0;
        while col < n {
            if cells[col] != Color::Dark {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && cells[col] == Color::Dark {
                col += 1;
            }
            let rect = Rect::from_xywh(
                x + start as f32 * module,
                y + row as f32 * module,
                (col - start) as f32 * module,
                module,
            );
            if let Some(rect) = rect {
                pb.push_rect(rect);
            }
        }
    }
    let path = pb
        .finish()
        .ok_or_else(|| DocError::Pdf("empty QR code".into()))?;
    Ok((path, n))
}
