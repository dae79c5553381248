//! The 2025 merger with the REAL old map (issue 17, "Done when"), on both backends: from a fresh
//! database, the 2025 map and the old map (the import command's function) are loaded, figures of
//! 2024 are recorded under old communes through the counters' write path (one of them the split
//! commune 31178 Phường Bùi Hữu Nghĩa → 31120 and 31168, with an odd count and an odd amount of
//! money), and the 2024 roll-up is read on the new map (today's structure) and on the old one
//! (the structure of 2024-12-31): the national totals are equal, Cần Thơ is the sum of its
//! communes, the old provinces are the sums of their districts and these of their communes, and
//! the split figure is counted once with parts that add up exactly.
#![allow(clippy::too_many_lines)] // each test is one story, told step by step

mod common;
use common::*;
use khuyenhoc::audit::Actor;
use khuyenhoc::db::Backend;
use khuyenhoc::org::{model, old_map};
use serde_json::Value;

const KEYS: [&str; 2] = ["citizen_registered", "scholarships_value"];

async fn old_unit(app: &TestApp, code: &str) -> i64 {
    model::by_code_on(&app.db, code, "2024-12-31")
        .await
        .expect("q")
        .unwrap_or_else(|| panic!("old unit {code}"))
        .id
}

fn children(r: &Value) -> &Vec<Value> {
    r["children"].as_array().expect("children")
}

#[track_caller]
fn live(r: &Value, code: &str, key: &str) -> i64 {
    let i = head_of(r, key);
    children(r)
        .iter()
        .find(|c| c["unit"]["code"] == code)
        .unwrap_or_else(|| panic!("no child {code}"))["live"][i]
        .as_i64()
        .unwrap_or(0)
}

fn total(r: &Value, key: &str) -> i64 {
    r["total_live"][head_of(r, key)].as_i64().unwrap_or(0)
}

/// The unit's roll-up, checked: for every key, its total is the sum of its children's rows.
async fn summed(app: &TestApp, c: &mut Client, unit: &str, as_of: &str) -> Value {
    let r = rollup_2024(app, c, unit, as_of).await;
    for k in KEYS {
        let i = head_of(&r, k);
        let sum: i64 = children(&r)
            .iter()
            .map(|ch| ch["live"][i].as_i64().unwrap_or(0))
            .sum();
        assert_eq!(sum, total(&r, k), "{unit} {k} on {as_of}: {r}");
    }
    r
}

both_backends!(
    the_real_old_map_adds_up_on_either_map,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let report = old_map::import_builtin(&app.db, Actor::SYSTEM)
            .await
            .expect("the old map");
        assert_eq!(report.communes, 10_051);
        let mut central = app.api_client(CENTRAL).await;
        let today = khuyenhoc::db::today();
        // What the national totals were before (the demo data's own figures, if any).
        let before_new = rollup_2024(&app, &mut central, "VN", &today).await;
        let before_old = rollup_2024(&app, &mut central, "VN", "2024-12-31").await;
        let base = |r: &Value| KEYS.map(|k| total(r, k));
        let (base_new, base_old) = (base(&before_new), base(&before_old));
        assert_eq!(base_new, base_old, "the demo's 2024 figures on either map");

        // 2024 figures under old communes: Cần Thơ (92), Hậu Giang (93, now Cần Thơ), Hà Nội,
        // Bình Dương and Bà Rịa–Vũng Tàu (now Thành phố Hồ Chí Minh).
        let reg = "eval.registered.citizen";
        let money = "ledger.scholarship";
        let figures: [(&str, i64, i64); 7] = [
            ("31117", 5, 2_000_000), // Phường Cái Khế → 31120 whole
            ("31120", 4, 0),         // Phường An Hòa → 31120 whole
            ("31178", 7, 1_000_001), // Phường Bùi Hữu Nghĩa → 31120 + 31168
            ("31318", 11, 300_000),  // Phường I (Vị Thanh, Hậu Giang) → 31321
            ("00004", 13, 500_000),  // Phường Trúc Bạch (Hà Nội) → 00004
            ("25747", 17, 700_001),  // Bình Dương → 25747 (Hồ Chí Minh)
            ("26506", 19, 900_003),  // Bà Rịa–Vũng Tàu → 26506 (Hồ Chí Minh)
        ];
        for (code, n, m) in figures {
            let id = old_unit(&app, code).await;
            record_counter(&app, id, "2024", reg, n).await;
            if m != 0 {
                record_counter(&app, id, "2024-H1", money, m).await;
            }
        }
        let added_reg: i64 = figures.iter().map(|f| f.1).sum();
        let added_money: i64 = figures.iter().map(|f| f.2).sum();

        // The old map (the structure of 2024-12-31): old provinces, their districts, communes.
        let old = summed(&app, &mut central, "VN", "2024-12-31").await;
        assert_eq!(total(&old, KEYS[0]), base_old[0] + added_reg);
        assert_eq!(total(&old, KEYS[1]), base_old[1] + added_money);
        assert!(
            children(&old).iter().any(|c| c["unit"]["code"] == "93"),
            "old Hậu Giang is a province of the old map: {old}"
        );
        let old92 = summed(&app, &mut central, "92@2024", "2024-12-31").await;
        assert_eq!(total(&old92, KEYS[0]), 5 + 4 + 7);
        assert_eq!(total(&old92, KEYS[1]), 2_000_000 + 1_000_001);
        assert_eq!(live(&old92, "916", KEYS[0]), 5 + 4, "Quận Ninh Kiều");
        assert_eq!(live(&old92, "918", KEYS[0]), 7, "Quận Bình Thuỷ");
        assert_eq!(live(&old, "92", KEYS[0]), 16);
        assert_eq!(live(&old, "93", KEYS[0]), 11);
        assert_eq!(live(&old, "74", KEYS[1]), 700_001);
        assert_eq!(live(&old, "77", KEYS[1]), 900_003);
        let binh_thuy = summed(&app, &mut central, "918@2024", "2024-12-31").await;
        assert_eq!(live(&binh_thuy, "31178", KEYS[0]), 7);
        assert_eq!(live(&binh_thuy, "31178", KEYS[1]), 1_000_001);
        let ninh_kieu = summed(&app, &mut central, "916@2024", "2024-12-31").await;
        assert_eq!(live(&ninh_kieu, "31120", KEYS[0]), 4, "Phường An Hòa");
        for (unit, n) in [
            ("93@2024", 11),
            ("74@2024", 17),
            ("77@2024", 19),
            ("01@2024", 13),
        ] {
            let r = summed(&app, &mut central, unit, "2024-12-31").await;
            assert!(total(&r, KEYS[0]) >= n, "{unit}");
        }

        // The new map (today's structure): the figures carried, each predecessor counted once.
        let new = summed(&app, &mut central, "VN", &today).await;
        for (i, k) in KEYS.iter().enumerate() {
            assert_eq!(
                total(&new, k),
                total(&old, k),
                "the national total of {k} on either map"
            );
            assert_eq!(total(&new, k) - base_new[i], [added_reg, added_money][i]);
        }
        assert_eq!(
            live(&new, "92", KEYS[0]) - live(&before_new, "92", KEYS[0]),
            16 + 11
        );
        assert_eq!(
            live(&new, "79", KEYS[1]) - live(&before_new, "79", KEYS[1]),
            700_001 + 900_003
        );
        let cantho = summed(&app, &mut central, "92", &today).await;
        let cantho_before = rollup_2024(&app, &mut central, "92", &today).await;
        assert_eq!(total(&cantho, KEYS[0]), live(&new, "92", KEYS[0]));
        assert_eq!(total(&cantho, KEYS[1]), live(&new, "92", KEYS[1]));
        // 7 in two equal parts: 4 + 3; 1,000,001 đồng: 500,001 + 500,000 (the remainder to
        // the first successor), never the full figure twice.
        let split_reg = (
            live(&cantho, "31120", KEYS[0]) - 5 - 4,
            live(&cantho, "31168", KEYS[0]),
        );
        let split_money = (
            live(&cantho, "31120", KEYS[1]) - 2_000_000,
            live(&cantho, "31168", KEYS[1]),
        );
        assert_eq!(split_reg.0 + split_reg.1, 7, "{split_reg:?}");
        assert_eq!(split_money.0 + split_money.1, 1_000_001, "{split_money:?}");
        assert_eq!(split_reg, (4, 3));
        assert_eq!(split_money, (500_001, 500_000));
        assert_eq!(live(&cantho, "31321", KEYS[0]), 11);
        assert_eq!(cantho, cantho_before, "reading twice changes nothing");
        let hanoi = summed(&app, &mut central, "01", &today).await;
        assert_eq!(live(&hanoi, "00004", KEYS[0]), 13);
        let hcm = summed(&app, &mut central, "79", &today).await;
        assert_eq!(live(&hcm, "25747", KEYS[1]), 700_001);
        assert_eq!(live(&hcm, "26506", KEYS[1]), 900_003);
    }
);
