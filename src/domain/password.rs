//! The password policy of SPEC "Accounts" and SECURITY item 1.

/// Why a new password was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordError {
    TooShort,
    TooLong,
    TooFewClasses,
    Common,
    ContainsPersonalData,
    ContainsContextWord,
    Mismatch,
}

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

const COMMON: &str = include_str!("common-passwords.txt");
const CONTEXT_WORDS: &[&str] = &[
    "人社",
    "职称",
    "山东",
    "shandong",
    "zhicheng",
    "rsrc",
    "sdmanager",
];

/// What the platform knows about the account owner, so their own numbers are refused.
#[derive(Default)]
pub struct PasswordContext<'a> {
    pub id_number: Option<&'a str>,
    pub birth_digits: Option<&'a str>,
    pub credit_code: Option<&'a str>,
    pub username: Option<&'a str>,
}

/// Checks a new password (typed twice) against the policy.
pub fn check_new_password(
    password: &str,
    repeat: &str,
    ctx: &PasswordContext<'_>,
) -> Result<(), PasswordError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(PasswordError::TooShort);
    }
    if len > MAX_LEN {
        return Err(PasswordError::TooLong);
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|x| **x).count() < 3 {
        return Err(PasswordError::TooFewClasses);
    }
    let lower = password.to_lowercase();
    if COMMON
        .lines()
        .map(str::trim)
        .any(|c| !c.is_empty() && c == lower)
    {
        return Err(PasswordError::Common);
    }
    let personal = [
        ctx.id_number,
        ctx.birth_digits,
        ctx.credit_code,
        ctx.username,
    ];
    if personal
        .iter()
        .flatten()
        .filter(|p| p.chars().count() >= 4)
        .any(|p| lower.contains(&p.to_lowercase()))
    {
        return Err(PasswordError::ContainsPersonalData);
    }
    if CONTEXT_WORDS.iter().any(|w| lower.contains(w)) {
        return Err(PasswordError::ContainsContextWord);
    }
    if password != repeat {
        return Err(PasswordError::Mismatch);
    }
    Ok(())
}

/// A random one-time password that meets the policy (the holder must change it at first login).
pub fn generate_one_time() -> String {
    use rand::Rng;
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const DIGIT: &[u8] = b"23456789";
    const SYMBOL: &[u8] = b"#%+=@";
    let mut rng = rand::thread_rng();
    let mut pick = |set: &[u8]| set[rng.gen_range(0..set.len())] as char;
    let mut s = String::new();
    for i in 0..14 {
        s.push(match i % 4 {
            0 => pick(UPPER),
            1 => pick(LOWER),
            2 => pick(DIGIT),
            _ => pick(SYMBOL),
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(p: &str) -> Result<(), PasswordError> {
        check_new_password(p, p, &PasswordContext::default())
    }

    #[test]
    fn one_time_passwords_meet_the_policy() {
        for _ in 0..100 {
            let p = generate_one_time();
            assert_eq!(
                check_new_password(&p, &p, &PasswordContext::default()),
                Ok(())
            );
        }
    }

    #[test]
    fn policy() {
        assert_eq!(check("Ab1!"), Err(PasswordError::TooShort));
        assert_eq!(check("abcdefgh1"), Err(PasswordError::TooFewClasses));
        assert!(check("abcdefG1").is_ok());
        assert!(check("correct horse Battery").is_ok());
        assert_eq!(check("P@ssw0rd"), Err(PasswordError::Common));
        assert_eq!(
            check("Shandong2026"),
            Err(PasswordError::ContainsContextWord)
        );
        assert_eq!(
            check("我的职称Abc123"),
            Err(PasswordError::ContainsContextWord)
        );
        assert!(
            check(&"Aa1!".repeat(16)).is_ok(),
            "64 characters are accepted"
        );
        assert_eq!(check(&"Aa1!".repeat(33)), Err(PasswordError::TooLong));
        let ctx = PasswordContext {
            id_number: Some("11010519491231002X"),
            birth_digits: Some("19491231"),
            ..Default::default()
        };
        assert_eq!(
            check_new_password("Xy19491231", "Xy19491231", &ctx),
            Err(PasswordError::ContainsPersonalData)
        );
        assert_eq!(
            check_new_password("Abcdefg1", "Abcdefg2", &ctx),
            Err(PasswordError::Mismatch)
        );
    }
}
