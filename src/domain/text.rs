//! Text as it enters the platform: what every field loses at the boundary, and the canonical
//! form of names that must be unique or shown to others.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Whether a character may never be stored: C0 and C1 controls and DEL, except the tab and
/// line breaks a textarea sends. PostgreSQL refuses NUL in text outright.
fn forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Every text field as it leaves the request: forbidden controls removed, the rest untouched.
pub fn strip_controls(s: &str) -> Cow<'_, str> {
    if s.chars().any(forbidden_control) {
        Cow::Owned(s.chars().filter(|&c| !forbidden_control(c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// The canonical form of a name (unit names, person names, file names): NFKC, so full-width
/// and compatibility letters and digits equal their plain forms, without format characters
/// (Unicode Cf: zero-width spaces and joiners, bidirectional overrides such as U+202E, soft
/// hyphens) or controls. Two names that look alike compare equal after this.
///
/// Full-width punctuation (（）、：…) is Chinese typography, not a look-alike, and is kept:
/// NFKC would turn 有限公司（济南分公司） into ASCII brackets.
pub fn canonical_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    for c in s.chars() {
        if full_width_punctuation(c) {
            out.extend(run.nfkc());
            run.clear();
            out.push(c);
        } else {
            run.push(c);
        }
    }
    out.extend(run.nfkc());
    out.retain(|c| c.general_category() != GeneralCategory::Format && !c.is_control());
    out
}

/// The punctuation of the Halfwidth and Fullwidth Forms block (not its letters and digits).
fn full_width_punctuation(c: char) -> bool {
    matches!(c, '\u{FF01}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '\u{FF3B}'..='\u{FF40}' | '\u{FF5B}'..='\u{FF65}')
}

/// A 转入表 serial as it was typed or copied from the printed form, in its canonical
/// `ZRyyyymmdd-XXXXXXXXXX-TTTTTTTTTT` shape: case, spaces, any kind of dash (or none, as
/// PDF text extraction drops a hyphen at a line break) and invisible characters do not
/// matter. Anything else comes back cleaned but otherwise as given (and will not verify).
pub fn printed_serial(raw: &str) -> String {
    let plain: String = raw
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let shaped = plain.len() == 30
        && plain.starts_with("ZR")
        && plain[2..10].bytes().all(|b| b.is_ascii_digit());
    if shaped {
        format!("{}-{}-{}", &plain[..10], &plain[10..20], &plain[20..])
    } else {
        raw.trim()
            .chars()
            .filter(|c| !c.is_whitespace())
            .take(40)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_serial_survives_the_ways_it_gets_copied() {
        let s = "ZR20261203-ABCDEFGH23-0123456789";
        for printed in [
            s,
            "zr20261203-abcdefgh23-0123456789",
            "ZR20261203ABCDEFGH230123456789",
            "ZR20261203-ABCDEFGH23\n0123456789",
            "ZR20261203\u{2010}ABCDEFGH23\u{2013}0123456789 ",
            "ZR20261203-ABCDEFGH23-\u{AD}0123456789",
        ] {
            assert_eq!(printed_serial(printed), s, "{printed:?}");
        }
        assert_eq!(printed_serial("nonsense"), "nonsense");
    }

    #[test]
    fn controls_go_tab_and_line_breaks_stay() {
        assert_eq!(strip_controls("a\0b\u{7}c\u{7f}d\u{85}e"), "abcde");
        assert_eq!(strip_controls("第一行\r\n\t第二行"), "第一行\r\n\t第二行");
        assert!(matches!(strip_controls("济南市"), Cow::Borrowed(_)));
    }

    #[test]
    fn look_alike_names_become_one() {
        assert_eq!(canonical_name("山东\u{200B}大学"), "山东大学");
        assert_eq!(canonical_name("ＡＢＣ科技有限公司"), "ABC科技有限公司");
        assert_eq!(canonical_name("甲\u{202E}乙\u{FEFF}\u{AD}"), "甲乙");
        assert_eq!(canonical_name("张三·李"), "张三·李");
        assert_eq!(
            canonical_name("山东ＸＹ有限公司（济南分公司）"),
            "山东XY有限公司（济南分公司）",
            "full-width letters fold, Chinese brackets stay"
        );
    }
}
