//! Identifiers that arrive from forms: parsed once into newtypes that are valid by construction.

use std::fmt;

use time::{Date, Month};

/// Why an identifier was refused; each maps to one message in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdError {
    Empty,
    Length,
    Charset,
    CheckDigit,
    BirthDate,
    Region,
}

/// A resident identity number (居民身份证号码, GB 11643-1999).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CitizenId(String);

const CITIZEN_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CITIZEN_CHECK: &[u8; 11] = b"10X98765432";

/// The male / female marker carried by the 17th character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// Both ID numbers and credit codes are 18 characters, typed with any spaces around them
/// and in either case: the trimmed, upper-case text, or why it cannot be one.
fn eighteen_characters(raw: &str) -> Result<String, IdError> {
    let s = raw.trim().to_ascii_uppercase();
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    if s.chars().count() != 18 {
        return Err(IdError::Length);
    }
    Ok(s)
}

impl CitizenId {
    /// Parses an ID number; `today` bounds the birth date (no one is born in the future).
    pub fn parse(raw: &str, today: Date) -> Result<Self, IdError> {
        let s = eighteen_characters(raw)?;
        let bytes = s.as_bytes();
        if !bytes[..17].iter().all(u8::is_ascii_digit)
            || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
        {
            return Err(IdError::Charset);
        }
        if !(b'1'..=b'8').contains(&bytes[0]) {
            return Err(IdError::Region);
        }
        if bytes[17] != citizen_check_char(&bytes[..17]) {
            return Err(IdError::CheckDigit);
        }
        let birth = parse_yyyymmdd(&s[6..14]).ok_or(IdError::BirthDate)?;
        if birth > today || birth.year() < 1900 {
            return Err(IdError::BirthDate);
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> Date {
        parse_yyyymmdd(&self.0[6..14]).expect("checked at parse time")
    }

    /// The birth date as the 8 digits printed in the number, used by the password blocklist.
    pub fn birth_digits(&self) -> &str {
        &self.0[6..14]
    }

    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }
}

/// The GB 11643 check character for the first 17 digits.
pub fn citizen_check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(CITIZEN_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CITIZEN_CHECK[(sum % 11) as usize]
}

fn parse_yyyymmdd(s: &str) -> Option<Date> {
    let year: i32 = s.get(0..4)?.parse().ok()?;
    let month: u8 = s.get(4..6)?.parse().ok()?;
    let day: u8 = s.get(6..8)?.parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// Never print the full number by accident.
impl fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CitizenId({})", crate::domain::mask::mask(&self.0))
    }
}

/// A unified social credit code (统一社会信用代码, GB 32100-2015).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

const CREDIT_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

impl CreditCode {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = eighteen_characters(raw)?;
        let bytes = s.as_bytes();
        if !bytes.iter().all(|b| CREDIT_CHARSET.contains(b)) {
            return Err(IdError::Charset);
        }
        // Characters 3 to 8 are the registering authority's administrative region code.
        if !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(IdError::Region);
        }
        if bytes[17] != credit_check_char(&bytes[..17]) {
            return Err(IdError::CheckDigit);
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The GB 32100 check character for the first 17 characters (all from the charset).
pub fn credit_check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(CREDIT_WEIGHTS)
        .map(|(c, w)| credit_value(*c) * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    CREDIT_CHARSET[check as usize]
}

fn credit_value(c: u8) -> u32 {
    CREDIT_CHARSET.iter().position(|x| *x == c).unwrap_or(0) as u32
}

/// A mainland mobile number: 11 digits starting 1[3-9].
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(IdError::Empty);
        }
        if s.chars().count() != 11 {
            return Err(IdError::Length);
        }
        let b = s.as_bytes();
        if !b.iter().all(u8::is_ascii_digit) || b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
            return Err(IdError::Charset);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", crate::domain::mask::mask(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 26);

    fn citizen_strategy() -> impl Strategy<Value = String> {
        (110000u32..660000, 0i64..(365 * 100), 0u32..1000).prop_map(|(region, days, seq)| {
            let birth = date!(1926 - 01 - 01) + time::Duration::days(days);
            let body = format!(
                "{region:06}{:04}{:02}{:02}{seq:03}",
                birth.year(),
                birth.month() as u8,
                birth.day()
            );
            let check = citizen_check_char(body.as_bytes()) as char;
            format!("{body}{check}")
        })
    }

    fn credit_strategy() -> impl Strategy<Value = String> {
        (
            prop::sample::select(b"159ABCDEGNY".to_vec()),
            prop::sample::select(b"123459".to_vec()),
            110000u32..660000,
            prop::collection::vec(prop::sample::select(CREDIT_CHARSET.to_vec()), 9),
        )
            .prop_map(|(a, b, region, rest)| {
                let mut body = vec![a, b];
                body.extend(format!("{region:06}").bytes());
                body.extend(rest);
                let check = credit_check_char(&body);
                body.push(check);
                String::from_utf8(body).unwrap()
            })
    }

    #[test]
    fn known_citizen_ids() {
        // The GB 11643 standard's own example.
        assert!(CitizenId::parse("11010519491231002X", TODAY).is_ok());
        assert_eq!(
            CitizenId::parse("110105194912310021", TODAY),
            Err(IdError::CheckDigit)
        );
        assert_eq!(
            CitizenId::parse("11010519491231002", TODAY),
            Err(IdError::Length)
        );
        let id = CitizenId::parse("11010519491231002x", TODAY).unwrap();
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
    }

    #[test]
    fn impossible_and_future_birth_dates_are_refused() {
        let make = |d: &str| {
            let body = format!("370102{d}123");
            format!("{body}{}", citizen_check_char(body.as_bytes()) as char)
        };
        assert_eq!(
            CitizenId::parse(&make("19990230"), TODAY),
            Err(IdError::BirthDate)
        );
        assert_eq!(
            CitizenId::parse(&make("20270101"), TODAY),
            Err(IdError::BirthDate)
        );
        assert!(CitizenId::parse(&make("20000229"), TODAY).is_ok());
    }

    #[test]
    fn known_credit_codes() {
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(IdError::CheckDigit)
        );
        assert_eq!(
            CreditCode::parse("91350100M000100YI3"),
            Err(IdError::Charset)
        );
    }

    #[test]
    fn phones() {
        assert!(Phone::parse("13812345678").is_ok());
        assert!(Phone::parse("12812345678").is_err());
        assert!(Phone::parse("1381234567").is_err());
        assert!(Phone::parse("1381234567a").is_err());
    }

    proptest! {
        #[test]
        fn generated_citizen_ids_parse(id in citizen_strategy()) {
            prop_assert!(CitizenId::parse(&id, TODAY).is_ok());
        }

        #[test]
        fn any_single_character_corruption_of_a_citizen_id_is_refused(
            id in citizen_strategy(), pos in 0usize..18, with in prop::sample::select(b"0123456789X".to_vec())
        ) {
            let mut bytes = id.clone().into_bytes();
            prop_assume!(bytes[pos] != with);
            bytes[pos] = with;
            let bad = String::from_utf8(bytes).unwrap();
            prop_assert!(CitizenId::parse(&bad, TODAY).is_err(), "{bad} accepted");
        }

        #[test]
        fn generated_credit_codes_parse(code in credit_strategy()) {
            prop_assert!(CreditCode::parse(&code).is_ok());
        }

        #[test]
        fn any_single_character_corruption_of_a_credit_code_is_refused(
            code in credit_strategy(), pos in 0usize..18, with in prop::sample::select(CREDIT_CHARSET.to_vec())
        ) {
            let mut bytes = code.clone().into_bytes();
            prop_assume!(bytes[pos] != with);
            bytes[pos] = with;
            let bad = String::from_utf8(bytes).unwrap();
            prop_assert!(CreditCode::parse(&bad).is_err(), "{bad} accepted");
        }

        #[test]
        fn valid_phones_parse(second in 3u8..=9, rest in 0u64..1_000_000_000) {
            let phone = format!("1{second}{rest:09}");
            prop_assert!(Phone::parse(&phone).is_ok());
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            let _ = CitizenId::parse(&s, TODAY);
            let _ = CreditCode::parse(&s);
            let _ = Phone::parse(&s);
        }
    }
}
