//! The SVG charts parsed back with an XML parser: well-formed, escaped, accessible, and with the
//! marks the data asks for.

use khuyenhoc_docs::{bar_chart, line_chart, Series};
use roxmltree::{Document, Node};

fn series(name: &str, values: &[f64]) -> Series {
    Series {
        name: name.into(),
        values: values.to_vec(),
    }
}

fn labels(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

fn parse(svg: &str) -> Document<'_> {
    Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed XML ({e}):\n{svg}"))
}

fn count<'a>(doc: &'a Document<'a>, tag: &str) -> usize {
    doc.descendants().filter(|n| n.has_tag_name(tag)).count()
}

/// The root is an accessible, scalable SVG with no script and no external reference.
fn check_root(doc: &Document<'_>, title: &str) {
    let root = doc.root_element();
    assert!(root.has_tag_name("svg"));
    assert_eq!(root.attribute("width"), Some("100%"));
    assert_eq!(root.attribute("role"), Some("img"));
    let vb: Vec<f64> = root
        .attribute("viewBox")
        .expect("a viewBox")
        .split_whitespace()
        .map(|v| v.parse().expect("number"))
        .collect();
    assert!(vb.len() == 4 && vb[2] > 0.0 && vb[3] > 0.0, "{vb:?}");
    let children: Vec<Node<'_, '_>> = root.children().filter(Node::is_element).collect();
    assert!(children[0].has_tag_name("title") && children[1].has_tag_name("desc"));
    assert_eq!(children[0].text(), Some(title));
    assert!(!children[1].text().unwrap_or("").is_empty());
    let labelled = root.attribute("aria-labelledby").expect("aria-labelledby");
    for id in labelled.split_whitespace() {
        assert!(
            doc.descendants().any(|n| n.attribute("id") == Some(id)),
            "no element {id}"
        );
    }
    for n in doc.descendants() {
        assert!(!n.has_tag_name("script") && !n.has_tag_name("style"));
        for a in n.attributes() {
            assert!(
                !a.name().starts_with("on") && a.name() != "href" && a.name() != "style",
                "{}",
                a.name()
            );
        }
    }
}

fn all_text(doc: &Document<'_>) -> String {
    doc.descendants()
        .filter(Node::is_text)
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join("|")
}

#[test]
fn bar_chart_has_one_bar_per_category_and_series_and_escapes_labels() {
    let cats = labels(&["A & B <C>", "Phú Thọ", "Nghệ An", "\"Đắk\" 'Lắk'"]);
    let data = [
        series("Hội viên 2025", &[1200.0, 3400.0, 560.0, 7800.0]),
        series("Hội viên 2026", &[1500.0, 3600.0, 900.0, 8100.0]),
        series("Mới & cũ", &[10.0, 20.0, 30.0, 1_234_567.0]),
    ];
    let svg = bar_chart("Hội viên theo tỉnh <2026>", &cats, &data);
    assert!(
        svg.contains("A &amp; B &lt;C&gt;") && !svg.contains("A & B <C>"),
        "{svg}"
    );
    let doc = parse(&svg);
    check_root(&doc, "Hội viên theo tỉnh <2026>");
    assert_eq!(count(&doc, "rect"), cats.len() * data.len());
    let text = all_text(&doc);
    assert!(text.contains("A & B <C>"), "{text}");
    assert!(text.contains("\"Đắk\" 'Lắk'"), "{text}");
    // Legend names and Vietnamese thousands on the axis.
    for want in ["Hội viên 2025", "Hội viên 2026", "Mới & cũ", "1.500.000"] {
        assert!(text.contains(want), "missing {want:?} in {text}");
    }
    // Distinct colours per series.
    let fills: std::collections::BTreeSet<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter_map(|n| n.attribute("fill"))
        .collect();
    assert_eq!(fills.len(), data.len());
}

#[test]
fn axis_has_a_few_round_gridlines_from_zero() {
    let cats = labels(&["Quý I", "Quý II", "Quý III", "Quý IV"]);
    let svg = bar_chart("Quỹ", &cats, &[series("Thu", &[3.0, 97.0, 40.0, 55.0])]);
    let doc = parse(&svg);
    let ticks: Vec<String> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("axis"))
        .flat_map(|g| g.children().filter(|n| n.has_tag_name("text")))
        .filter_map(|n| n.text().map(str::to_owned))
        .collect();
    assert_eq!(ticks, ["0", "25", "50", "75", "100"]);
}

#[test]
fn negative_values_extend_the_axis_below_zero() {
    let cats = labels(&["2024", "2025", "2026"]);
    let svg = line_chart(
        "Chênh lệch thu chi",
        &cats,
        &[series("Chênh lệch", &[-2500.0, 1000.0, 4000.0])],
    );
    let doc = parse(&svg);
    let ticks: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("axis"))
        .flat_map(|g| g.children().filter(|n| n.has_tag_name("text")))
        .filter_map(|n| n.text())
        .collect();
    assert!(ticks.contains(&"0"), "{ticks:?}");
    assert!(
        ticks.first().is_some_and(|t| t.starts_with('-')),
        "{ticks:?}"
    );
    assert!(ticks.contains(&"4.000"), "{ticks:?}");
    // The negative bar of a bar chart goes down from the zero line, inside the view box.
    let svg = bar_chart(
        "Chênh lệch",
        &cats,
        &[series("x", &[-2500.0, 1000.0, 4000.0])],
    );
    let doc = parse(&svg);
    let rects: Vec<(f64, f64)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .map(|n| {
            let num = |a| n.attribute(a).and_then(|v| v.parse().ok()).expect("number");
            (num("y"), num("height"))
        })
        .collect();
    assert_eq!(rects.len(), 3);
    // The negative bar starts where the positive ones end (the zero line).
    let zero = rects[1].0 + rects[1].1;
    assert!((rects[0].0 - zero).abs() < 0.05, "{rects:?}");
    assert!(rects.iter().all(|(y, h)| *y >= 0.0 && *h >= 0.0));
}

#[test]
fn line_chart_draws_one_path_per_series() {
    let years = labels(&["2022", "2023", "2024", "2025", "2026"]);
    let data = [
        series("Gia đình học tập", &[120.0, 150.0, 180.0, 240.0, 300.0]),
        series("Dòng họ học tập", &[30.0, 42.0, f64::NAN, 61.0, 70.0]),
        series("Cộng đồng học tập", &[5.0, 8.0, 11.0]),
    ];
    let svg = line_chart("Danh hiệu học tập qua các năm", &years, &data);
    let doc = parse(&svg);
    check_root(&doc, "Danh hiệu học tập qua các năm");
    let paths: Vec<Node<'_, '_>> = doc
        .descendants()
        .filter(|n| n.has_tag_name("path") || n.has_tag_name("polyline"))
        .collect();
    assert_eq!(paths.len(), data.len());
    // The NaN breaks the second line into two pieces; every path is a stroke, not a fill.
    let d = paths[1].attribute("d").expect("d");
    assert_eq!(d.matches('M').count(), 2, "{d}");
    assert!(paths.iter().all(|p| p.attribute("fill") == Some("none")));
    // A dot for each present value: 5 + 4 + 3.
    assert_eq!(count(&doc, "circle"), 12);
    assert_eq!(count(&doc, "rect"), 0);
    let text = all_text(&doc);
    for want in ["2022", "2026", "Gia đình học tập", "Cộng đồng học tập"] {
        assert!(text.contains(want), "{want} in {text}");
    }
}

#[test]
fn no_data_says_so() {
    let cats = labels(&["Hà Nội", "Huế"]);
    for svg in [
        bar_chart("Trống", &[], &[]),
        bar_chart("Trống", &cats, &[]),
        bar_chart("Toàn số 0", &cats, &[series("x", &[0.0, 0.0])]),
        line_chart(
            "Toàn NaN",
            &cats,
            &[series("x", &[f64::NAN, f64::INFINITY])],
        ),
        line_chart("Không kỳ nào", &[], &[series("x", &[1.0, 2.0])]),
    ] {
        let doc = parse(&svg);
        assert_eq!(doc.root_element().attribute("role"), Some("img"));
        assert!(all_text(&doc).contains("Chưa có số liệu"), "{svg}");
        assert_eq!(count(&doc, "rect") + count(&doc, "path"), 0);
    }
}

#[test]
fn long_labels_are_cut_with_the_full_name_in_a_title() {
    let long = "Hội Khuyến học Thành phố Hồ Chí Minh và các quận huyện trực thuộc";
    let cats: Vec<String> = std::iter::once(long.to_owned())
        .chain((1..12).map(|i| format!("Tỉnh {i}")))
        .collect();
    let svg = bar_chart("Nhiều đơn vị", &cats, &[series("Hội viên", &[5.0; 12])]);
    let doc = parse(&svg);
    let cut = doc
        .descendants()
        .find(|n| n.has_tag_name("text") && n.text().is_some_and(|t| t.ends_with('…')))
        .expect("a cut label");
    assert!(cut
        .text()
        .is_some_and(|t| t.chars().count() < long.chars().count()));
    let title = cut
        .parent()
        .and_then(|g| g.children().find(|n| n.has_tag_name("title")))
        .expect("the label's group has a title");
    assert_eq!(title.text(), Some(long));
    assert_eq!(count(&doc, "rect"), 12);
}

#[test]
fn control_characters_do_not_break_the_xml() {
    let cats = labels(&["a\u{1}b", "c\u{1b}d"]);
    let svg = bar_chart("x\u{0}y", &cats, &[series("s\u{7}", &[1.0, 2.0])]);
    parse(&svg);
}
