//! The 外地调入 application: its modules, what a save accepts, what 确定申报 requires,
//! and which modules may be edited in which state.

mod attachments;
mod basic;
mod choices;
mod gaps;
mod module;
mod records;

pub use attachments::*;
pub use basic::*;
pub use choices::*;
pub use gaps::*;
pub use module::*;
pub use records::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::workflow::State;
    use crate::messages::Msg;
    use time::Date;
    use time::macros::date;
    use uuid::Uuid;

    struct Cat;
    impl Catalog for Cat {
        fn title(&self, id: Uuid) -> Option<(String, String)> {
            (id == Uuid::from_u128(1)).then(|| ("05".into(), "2".into()))
        }
        fn specialty_series(&self, id: Uuid) -> Option<String> {
            match id.as_u128() {
                10 => Some("05".into()),
                11 => Some("04".into()),
                _ => None,
            }
        }
        fn level_exists(&self, code: &str) -> bool {
            ["1", "2", "3", "4", "5"].contains(&code)
        }
        fn series_exists(&self, code: &str) -> bool {
            code == "05" || code == "04"
        }
        fn declare_method_exists(&self, code: &str) -> bool {
            code == "1"
        }
    }

    const TODAY: Date = date!(2026 - 11 - 26);

    #[test]
    fn sniffing_decides_by_content() {
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n"), Some(FileKind::Pdf));
        assert_eq!(
            FileKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(FileKind::Jpeg)
        );
        assert_eq!(FileKind::sniff(b"GIF89a...."), Some(FileKind::Gif));
        assert_eq!(FileKind::sniff(b"MZ\x90\x00"), None);
        assert_eq!(FileKind::sniff(b"<html>"), None);
        assert_eq!(
            clean_file_name("C:\\fake\\..\\证书.exe", FileKind::Pdf),
            "证书.pdf"
        );
        assert_eq!(clean_file_name("", FileKind::Png), "附件.png");
    }

    #[test]
    fn the_cascade_must_hold_together() {
        let form = |level: &str, title: &str, spec: &str| BasicForm {
            level: level.into(),
            title: title.into(),
            specialty: spec.into(),
            ..Default::default()
        };
        let t = Uuid::from_u128(1).to_string();
        assert!(
            form("2", &t, &Uuid::from_u128(10).to_string())
                .parse(&Cat, TODAY)
                .is_ok()
        );
        let e = form("3", &t, "").parse(&Cat, TODAY).unwrap_err();
        assert_eq!(e.0.get("title"), Some(&Msg::TitleNotAtLevel));
        let e = form("2", &t, &Uuid::from_u128(11).to_string())
            .parse(&Cat, TODAY)
            .unwrap_err();
        assert_eq!(e.0.get("specialty"), Some(&Msg::SpecialtyNotOfSeries));
        let e = BasicForm {
            title_year: "2027".into(),
            ..Default::default()
        }
        .parse(&Cat, TODAY)
        .unwrap_err();
        assert_eq!(e.0.get("title_year"), Some(&Msg::YearInFuture));
        assert!(
            BasicForm::default().parse(&Cat, TODAY).is_ok(),
            "saving needs nothing"
        );
    }

    #[test]
    fn dates_and_provinces() {
        let raw = Original {
            issuer_region: "山东省".into(),
            obtained_date: "2026-02-30".into(),
            ..Default::default()
        };
        let e = Original::parse(&raw, &Cat, TODAY).unwrap_err();
        assert_eq!(e.0.get("issuer_region"), Some(&Msg::IssuerInShandong));
        assert_eq!(e.0.get("obtained_date"), Some(&Msg::DateInvalid));
        let raw = Transfer {
            moved_date: "2027-01-01".into(),
            ..Default::default()
        };
        assert_eq!(
            Transfer::parse(&raw, TODAY)
                .unwrap_err()
                .0
                .get("moved_date"),
            Some(&Msg::DateInFuture)
        );
        let rows = [WorkRow {
            from: "2020-01-01".into(),
            to: "2019-01-01".into(),
            ..Default::default()
        }];
        assert_eq!(
            parse_work(&rows, TODAY).unwrap_err().0.get("to_0"),
            Some(&Msg::EndBeforeStart)
        );
        assert_eq!(
            parse_work(&[WorkRow::default()], TODAY).unwrap(),
            vec![],
            "blank rows are dropped"
        );
    }

    #[test]
    fn gaps_list_everything_missing_and_the_cross_module_rules() {
        let basic = Basic {
            level: Some("2".into()),
            title_year: Some(2015),
            ..Default::default()
        };
        let original = Original {
            level: "3".into(),
            obtained_date: "2016-05-01".into(),
            ..Default::default()
        };
        let transfer = Transfer {
            moved_date: "2016-01-01".into(),
            ..Default::default()
        };
        let none = |_: Slot| 0;
        let s = Snapshot {
            basic: &basic,
            original: &original,
            transfer: &transfer,
            education: &[],
            work: &[],
            files: &none,
            title_series: None,
        };
        let g = gaps(&s);
        let whats: Vec<&str> = g.iter().map(|x| x.what.as_str()).collect();
        for expected in [
            "请填写“申报单位”",
            "请填写“批准文号”",
            "请至少填写一条学历信息",
            "请上传“证件照”",
            "申报级别须与原职称级别一致",
            "职称获得年度须与原职称取得时间的年份一致",
            "调入时间不能早于原职称取得时间",
        ] {
            assert!(
                whats.contains(&expected),
                "{expected} missing from {whats:?}"
            );
        }
        assert!(!whats.contains(&"请上传“其他附件”"));
    }

    #[test]
    fn edits_follow_the_state() {
        for m in Module::ALL {
            assert!(editable(State::Draft, &[], m));
            assert!(!editable(State::Pending, &Module::ALL, m));
            assert!(!editable(State::Approved, &Module::ALL, m));
        }
        assert!(editable(State::Returned, &[Module::Work], Module::Work));
        assert!(!editable(State::Returned, &[Module::Work], Module::Basic));
    }
}
