//! Masking of ID and phone numbers for lists: at most the first 3 and last 4 characters show.

/// Masks a number as `370***********1234`; short values reveal proportionally less.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let (head, tail) = match n {
        0 => return String::new(),
        1..=4 => (0, 0),
        5..=7 => (1, 1),
        8..=10 => (2, 3),
        _ => (3, 4),
    };
    let mut out = String::with_capacity(n);
    out.extend(&chars[..head]);
    out.extend(std::iter::repeat_n('*', n - head - tail));
    out.extend(&chars[n - tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn id_and_phone_shapes() {
        assert_eq!(mask("37010219900101123X"), "370***********123X");
        assert_eq!(mask("13812345678"), "138****5678");
        assert_eq!(mask("abc"), "***");
    }

    proptest! {
        #[test]
        fn never_reveals_more_than_seven_characters(s in "\\PC{0,40}") {
            let m = mask(&s);
            prop_assert_eq!(m.chars().count(), s.chars().count());
            let revealed = m.chars().zip(s.chars()).filter(|(a, b)| *a != '*' && a == b).count();
            prop_assert!(revealed <= 7);
            prop_assert!(m.chars().zip(s.chars()).all(|(a, b)| a == '*' || a == b));
            // Something is always hidden, and never more than 7 characters show.
            if !s.is_empty() {
                prop_assert!(m.chars().filter(|c| *c == '*').count() >= 1);
            }
        }
    }
}
