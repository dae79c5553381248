//! Tables: a shaded header row repeated on every page the table runs onto, rows kept whole
//! when they fit on a page, split between their lines when they do not.

use super::clean::{cell_height, Table};
use super::flow::{ink, Flow, Op};
use super::measures::*;
use crate::layout::Style;

impl Flow<'_> {
    pub(super) fn table_header(&mut self, t: &Table) {
        let ink = ink();
        let top = self.y;
        self.push(Op::Shade {
            x: LEFT,
            y: top,
            w: TEXT_W,
            h: t.header_h,
        });
        let cells: Vec<(f32, &[String])> = t
            .header
            .iter()
            .enumerate()
            .map(|(i, lines)| ((t.edges[i] + t.edges[i + 1]) / 2.0, lines.as_slice()))
            .collect();
        for (cx, lines) in cells {
            // Centred vertically and horizontally.
            let h = lines.len() as f32 * CELL_LEADING;
            let first = top + (t.header_h - h) / 2.0 + CELL_SIZE;
            self.centred(Style::bold(CELL_SIZE, ink), CELL_LEADING, cx, first, lines);
        }
        self.frame(t, top, t.header_h);
        self.y += t.header_h;
    }

    /// The outline of a row and its column rules.
    pub(super) fn frame(&mut self, t: &Table, top: f32, h: f32) {
        self.push(Op::Frame {
            x: LEFT,
            y: top,
            w: TEXT_W,
            h,
        });
        for x in &t.edges[1..t.edges.len() - 1] {
            self.line(*x, top, *x, top + h);
        }
    }

    /// Lines `from..to` of every cell of a row, as one row of the table.
    pub(super) fn row_part(&mut self, t: &Table, row: &[Vec<String>], from: usize, to: usize) {
        let ink = ink();
        let top = self.y;
        let h = cell_height(to - from);
        for (i, cell) in row.iter().enumerate() {
            let end = to.min(cell.len());
            let Some(lines) = cell.get(from..end) else {
                continue;
            };
            let right = t.numeric.get(i).copied().unwrap_or(false);
            let x = if right {
                t.edges[i + 1] - CELL_PAD
            } else {
                t.edges[i] + CELL_PAD
            };
            let style = if right {
                Style::regular(CELL_SIZE, ink).right()
            } else {
                Style::regular(CELL_SIZE, ink)
            };
            for (k, line) in lines.iter().enumerate() {
                let base = top + CELL_PAD + k as f32 * CELL_LEADING + CELL_SIZE;
                self.text(style, x, base, line);
            }
        }
        self.frame(t, top, h);
        self.y += h;
    }

    /// A table: its header row, then the rows; when the page is full the table goes on on
    /// the next page under a repeated header. A row taller than the room left is split
    /// between its lines when it would not fit on a page of its own either.
    pub(super) fn table(&mut self, t: &Table) {
        self.tail = None;
        self.heading = None;
        let first = t
            .rows
            .first()
            .map_or(0, |r| r.iter().map(Vec::len).max().unwrap_or(0));
        self.need(t.header_h + cell_height(first.min(3)));
        self.table_header(t);
        let page_room = BOTTOM - TOP - t.header_h;
        for row in &t.rows {
            let n = row.iter().map(Vec::len).max().unwrap_or(0);
            let mut from = 0;
            loop {
                let h = cell_height(n - from);
                let fresh = self.y <= TOP + t.header_h + 0.01;
                if self.y + h <= BOTTOM {
                    self.row_part(t, row, from, n);
                    break;
                }
                if h <= page_room && !fresh {
                    self.new_page();
                    self.table_header(t);
                    continue;
                }
                // Split the row: as many lines as fit here (at least one, so it progresses).
                let fit = ((BOTTOM - self.y - 2.0 * CELL_PAD) / CELL_LEADING).floor();
                let fit = fit.max(0.0) as usize;
                if fit < 2 && !fresh {
                    self.new_page();
                    self.table_header(t);
                    continue;
                }
                let to = (from + fit.max(1)).min(n);
                self.row_part(t, row, from, to);
                from = to;
                if from >= n {
                    break;
                }
                self.new_page();
                self.table_header(t);
            }
        }
        self.y += PARA_GAP * 2.0;
    }
}
