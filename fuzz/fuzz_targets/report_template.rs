//! A report template, national (`Template::parse`) or a province's extension of the national
//! one (`Template::national().parse_extension`), as typed in the browser: a template or placed
//! errors, never a panic.
#![no_main]

use khuyenhoc_reports::Template;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn national() -> &'static Template {
    static NATIONAL: OnceLock<Template> = OnceLock::new();
    NATIONAL.get_or_init(Template::national)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(errors) = Template::parse(text) {
        assert!(!errors.is_empty(), "a refusal names at least one error");
    }
    match national().parse_extension("01", text) {
        Ok(extra) => {
            // The extension's indicators join the national ones without clashing keys.
            let with = national().clone().with(extra);
            let mut keys: Vec<_> = with.indicators.iter().map(|i| &i.key).collect();
            let n = keys.len();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), n, "an extension reused an indicator key");
        }
        Err(errors) => assert!(!errors.is_empty(), "a refusal names at least one error"),
    }
});
