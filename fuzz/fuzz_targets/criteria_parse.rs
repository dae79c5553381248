//! A criteria file as a province officer may type it in the browser: `CriteriaSet::parse` must
//! answer a set or a list of placed errors, never panic; and a set it accepts must survive
//! `to_toml` unchanged (`CriteriaSet::parse(&set.to_toml())` gives the same set, as
//! `write.rs` promises: that is how a national set is handed to a province).
#![no_main]

use khuyenhoc_criteria::CriteriaSet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match CriteriaSet::parse(text) {
        Ok(set) => {
            let written = set.to_toml();
            match CriteriaSet::parse(&written) {
                Ok(again) => assert_eq!(again, set, "to_toml changed the set:\n{written}"),
                Err(e) => panic!("to_toml wrote a file that does not parse: {e:?}\n{written}"),
            }
        }
        Err(errors) => assert!(!errors.is_empty(), "a refusal names at least one error"),
    }
});
