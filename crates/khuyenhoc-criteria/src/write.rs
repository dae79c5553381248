//! Writing a set back to the file format: `CriteriaSet::parse(&set.to_toml())` gives the same
//! set. Used to hand a national set to a province for editing.

use crate::model::{
    CriteriaSet, EvidenceKind, EvidenceRule, Indicator, MemberFilter, Rule, Scoring, Source,
};
use std::fmt::Write;

fn q(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn source_lines(out: &mut String, source: &Source) {
    match source {
        Source::MemberShare { title, filter } => {
            let _ = writeln!(out, "source = \"member_share\"");
            let _ = writeln!(out, "title = {}", q(title.code()));
            if *filter == MemberFilter::Adults {
                let _ = writeln!(out, "filter = \"adults\"");
            }
        }
        Source::ChildrenInSchool => {
            let _ = writeln!(out, "source = \"children_in_school\"");
        }
    }
}

fn list(items: impl IntoIterator<Item = String>) -> String {
    format!("[{}]", items.into_iter().collect::<Vec<_>>().join(", "))
}

/// One `[[groups.indicators]]` table.
fn indicator_lines(o: &mut String, i: &Indicator) {
    let _ = writeln!(o, "\n[[groups.indicators]]");
    let _ = writeln!(o, "code = {}", q(&i.code));
    let _ = writeln!(o, "text_vi = {}", q(&i.text.vi));
    let _ = writeln!(o, "text_en = {}", q(&i.text.en));
    let _ = writeln!(o, "max = {}", i.max);
    let _ = writeln!(o, "rule = {}", q(i.rule.name()));
    rule_lines(o, &i.rule);
    if let Some(m) = i.min {
        let _ = writeln!(o, "min = {m}");
    }
    if let Some(fg) = &i.form_groups {
        let _ = writeln!(o, "form_groups = {}", list(fg.iter().map(|c| q(c))));
    }
    if i.evidence != EvidenceRule::default() {
        let _ = writeln!(
            o,
            "evidence = {{ required = {}, kinds = {} }}",
            i.evidence.required,
            list(i.evidence.kinds.iter().map(|k: &EvidenceKind| q(k.code())))
        );
    }
}

/// The keys of an indicator's rule after `rule = …`.
fn rule_lines(o: &mut String, rule: &Rule) {
    match rule {
        Rule::Scale | Rule::YesNo => {}
        Rule::Count { points_each, cap } => {
            let _ = writeln!(o, "points_each = {points_each}");
            let _ = writeln!(o, "cap = {cap}");
        }
        Rule::Computed { source, scoring } => {
            source_lines(o, source);
            match scoring {
                Scoring::Linear => {
                    let _ = writeln!(o, "scoring = \"linear\"");
                }
                Scoring::Thresholds(steps) => {
                    let _ = writeln!(o, "scoring = \"thresholds\"");
                    let _ = writeln!(
                        o,
                        "thresholds = {}",
                        list(steps.iter().map(|s| format!(
                            "{{ at_least = {}, points = {} }}",
                            s.at_least.decimal_text(),
                            s.points
                        )))
                    );
                }
            }
        }
    }
}

impl CriteriaSet {
    /// The set in the file format described in `docs/criteria.md`.
    pub fn to_toml(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "code = {}", q(&self.code));
        let _ = writeln!(o, "model = {}", q(self.model.code()));
        let _ = writeln!(o, "version = {}", self.version);
        let _ = writeln!(o, "owner = {}", q(self.owner.as_str()));
        if let Some(b) = &self.based_on {
            let _ = writeln!(
                o,
                "based_on = {{ code = {}, version = {} }}",
                q(&b.code),
                b.version
            );
        }
        let _ = writeln!(o, "title_vi = {}", q(&self.title.vi));
        let _ = writeln!(o, "title_en = {}", q(&self.title.en));
        let _ = writeln!(o, "valid_years = {}", self.valid_years);
        if let Some(t) = self.total {
            let _ = writeln!(o, "total = {t}");
        }
        for g in &self.form_groups {
            let _ = writeln!(o, "\n[[form_groups]]");
            let _ = writeln!(o, "code = {}", q(&g.code));
            let _ = writeln!(o, "name_vi = {}", q(&g.name.vi));
            let _ = writeln!(o, "name_en = {}", q(&g.name.en));
        }
        self.write_pass(&mut o);
        for g in &self.groups {
            let _ = writeln!(o, "\n[[groups]]");
            let _ = writeln!(o, "code = {}", q(&g.code));
            let _ = writeln!(o, "name_vi = {}", q(&g.name.vi));
            let _ = writeln!(o, "name_en = {}", q(&g.name.en));
            for i in &g.indicators {
                indicator_lines(&mut o, i);
            }
        }
        o
    }

    fn write_pass(&self, o: &mut String) {
        let p = &self.pass;
        let _ = writeln!(o, "\n[pass]");
        let _ = writeln!(o, "threshold = {}", p.threshold);
        if let Some(m) = p.min_each {
            let _ = writeln!(o, "min_each = {m}");
        }
        for r in &p.reduced {
            let _ = writeln!(o, "\n[[pass.reduced]]");
            let _ = writeln!(o, "flag = {}", q(&r.flag));
            let _ = writeln!(o, "threshold = {}", r.threshold);
        }
        for l in &p.levels {
            let _ = writeln!(o, "\n[[pass.levels]]");
            let _ = writeln!(o, "level = {}", l.level);
            let _ = writeln!(o, "threshold = {}", l.threshold);
        }
        for r in &p.requires {
            let _ = writeln!(o, "\n[[pass.requires]]");
            source_lines(o, &r.source);
            let _ = writeln!(o, "at_least = {}", r.at_least.decimal_text());
        }
    }
}
