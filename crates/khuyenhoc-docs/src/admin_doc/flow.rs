//! Placing content onto pages: the drawing operations of each page, paragraphs and headings
//! flowing over pages without orphans or widows. The header, tables and the closing block are
//! placed by the methods in `head`, `table` and `closing`.

use super::clean::{Body, Clean};
use super::measures::*;
use crate::layout::{hex, Fonts, Style, Weight};

/// One drawing operation, placed on a page.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Op {
    /// A line of text; `x` is its anchor (see [`Style`]'s alignment).
    Text {
        style: Style,
        x: f32,
        y: f32,
        text: String,
    },
    /// A line of text stretched from `x` to `x + width`.
    Justified {
        style: Style,
        x: f32,
        y: f32,
        width: f32,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
    /// A rectangle's outline (a table cell row).
    Frame {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    /// A grey fill (the table's header row).
    Shade {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// Places content onto pages. `y` is the top of the free space on the current page.
pub(super) struct Flow<'f> {
    pub(super) fonts: &'f Fonts,
    pub(super) pages: Vec<Vec<Op>>,
    pub(super) y: f32,
    /// Where the last paragraph's last lines are, while it is the last thing placed: the
    /// closing block takes some of them along when it has to go onto a new page.
    pub(super) tail: Option<Tail>,
    /// Where the last heading's last lines start (page, operation), until the next block.
    pub(super) heading: Option<(usize, usize)>,
}

/// The last lines of a paragraph on its last page: one operation per line from `start`.
pub(super) struct Tail {
    pub(super) page: usize,
    pub(super) start: usize,
    /// The whole paragraph is on this page.
    pub(super) whole: bool,
    /// Where the heading just before it starts, when that is on this page too.
    pub(super) heading: Option<usize>,
}

pub(super) fn ink() -> krilla::color::rgb::Color {
    hex(INK)
}

impl<'f> Flow<'f> {
    pub(super) fn new(fonts: &'f Fonts) -> Self {
        Self {
            fonts,
            pages: vec![Vec::new()],
            y: TOP,
            tail: None,
            heading: None,
        }
    }

    pub(super) fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    pub(super) fn text(&mut self, style: Style, x: f32, y: f32, text: &str) {
        self.push(Op::Text {
            style,
            x,
            y,
            text: text.to_owned(),
        });
    }

    pub(super) fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.push(Op::Line { x1, y1, x2, y2 });
    }

    pub(super) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    pub(super) fn at_top(&self) -> bool {
        self.y <= TOP
    }

    /// Starts a new page unless `h` more points fit on this one (or this one is still empty).
    pub(super) fn need(&mut self, h: f32) {
        if self.y + h > BOTTOM && !self.at_top() {
            self.new_page();
        }
    }

    /// Lines centred on `cx`, the first baseline at `y`; returns the last baseline.
    pub(super) fn centred(
        &mut self,
        style: Style,
        leading: f32,
        cx: f32,
        y: f32,
        lines: &[String],
    ) -> f32 {
        let mut base = y;
        for (i, l) in lines.iter().enumerate() {
            base = y + i as f32 * leading;
            self.text(style.center(), cx, base, l);
        }
        base
    }

    /// `text` wrapped to the text width with the first line indented.
    pub(super) fn indented(&self, weight: Weight, text: &str) -> Vec<String> {
        let fonts = self.fonts;
        let mut lines = fonts.wrap(weight, text, BODY_SIZE, TEXT_W - INDENT);
        let Some(first) = lines.first().cloned() else {
            return lines;
        };
        // The first line is a prefix of the cleaned text; were it not, the narrower wrapping
        // (which still fits) is kept.
        let rest = text.strip_prefix(first.as_str()).map(str::trim);
        if let Some(rest) = rest.filter(|r| !r.is_empty()) {
            lines.truncate(1);
            lines.extend(fonts.wrap(weight, rest, BODY_SIZE, TEXT_W));
        }
        lines
    }

    /// A paragraph (justified, the last line ragged) or a heading (bold, ragged), flowing
    /// over pages: at least two lines at the foot of a page and at the head of the next.
    pub(super) fn paragraph(&mut self, text: &str, heading: bool) {
        let weight = if heading {
            Weight::Bold
        } else {
            Weight::Regular
        };
        let lines = self.indented(weight, text);
        let n = lines.len();
        self.tail = None;
        let heading_before = self.heading.take();
        if heading {
            // A heading keeps its lines and two lines of what follows on its page.
            self.y += PARA_GAP / 2.0;
            self.need(BODY_LEADING * (n + 2) as f32);
        }
        let style = Style {
            weight,
            ..Style::regular(BODY_SIZE, ink())
        };
        let mut i = 0;
        while i < n {
            let room = ((BOTTOM - self.y) / BODY_LEADING).floor().max(0.0) as usize;
            let left = n - i;
            let take = if room >= left {
                left
            } else if left <= 3 || room < 2 {
                // Too little room for an orphan-free split: go to the next page.
                if self.at_top() {
                    room.max(1)
                } else {
                    self.new_page();
                    continue;
                }
            } else {
                // Leave at least two lines for the next page.
                room.min(left - 2)
            };
            let page = self.pages.len() - 1;
            let start = self.pages[page].len();
            if heading {
                self.heading = Some((page, start));
            } else {
                self.tail = Some(Tail {
                    page,
                    start,
                    whole: i == 0,
                    heading: heading_before
                        .filter(|(p, _)| i == 0 && *p == page)
                        .map(|(_, at)| at),
                });
            }
            for (k, line) in lines[i..i + take].iter().enumerate() {
                let j = i + k;
                let x = if j == 0 { LEFT + INDENT } else { LEFT };
                let base = self.y + BODY_SIZE;
                if j + 1 < n && !heading {
                    self.push(Op::Justified {
                        style,
                        x,
                        y: base,
                        width: RIGHT - x,
                        text: line.clone(),
                    });
                } else {
                    self.text(style, x, base, line);
                }
                self.y += BODY_LEADING;
            }
            i += take;
            if i < n {
                self.new_page();
            }
        }
        self.y += PARA_GAP;
    }
    /// Page numbers from page 2 on, at the top centre.
    pub(super) fn number_pages(&mut self) {
        let style = Style::regular(PAGE_NO_SIZE, ink()).center();
        for (i, page) in self.pages.iter_mut().enumerate().skip(1) {
            page.push(Op::Text {
                style,
                x: MID,
                y: PAGE_NO_Y,
                text: (i + 1).to_string(),
            });
        }
    }
}

/// Lays the whole document out: the drawing operations of each page.
pub(super) fn lay_out(fonts: &Fonts, c: &Clean) -> Vec<Vec<Op>> {
    let mut flow = Flow::new(fonts);
    flow.head(c);
    for block in &c.body {
        match block {
            Body::Heading(h) => flow.paragraph(h, true),
            Body::Paragraph(p) => flow.paragraph(p, false),
            Body::Table(t) => flow.table(t),
        }
    }
    flow.closing(c);
    flow.number_pages();
    flow.pages
}
