//! Who can log in where, lockouts and session lifetimes (SPEC "Accounts").

use time::Duration;

/// The kinds of account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    Person,
    Unit,
    Admin,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Person => "person",
            SubjectKind::Unit => "unit",
            SubjectKind::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "person" => Some(SubjectKind::Person),
            "unit" => Some(SubjectKind::Unit),
            "admin" => Some(SubjectKind::Admin),
            _ => None,
        }
    }

    /// The front site is for people and units, the back office for bureau staff.
    pub fn realm(self) -> Realm {
        match self {
            SubjectKind::Person | SubjectKind::Unit => Realm::Front,
            SubjectKind::Admin => Realm::Back,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Realm {
    Front,
    Back,
}

impl Realm {
    pub fn as_str(self) -> &'static str {
        match self {
            Realm::Front => "front",
            Realm::Back => "back",
        }
    }

    /// Where a realm's signed-in pages live: the only places a login may send one back to.
    pub fn signed_in_prefix(self) -> &'static str {
        match self {
            Realm::Front => "/rsrc/zc/",
            Realm::Back => "/sdmanager/",
        }
    }

    /// Idle timeout: 30 minutes on the front site, 15 in the back office.
    pub fn idle_timeout(self) -> Duration {
        match self {
            Realm::Front => Duration::minutes(30),
            Realm::Back => Duration::minutes(15),
        }
    }
}

/// No session lives longer than this, however active.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// Wrong passwords in a row that lock an account.
pub const MAX_FAILURES: i32 = 5;
/// How long a lock lasts.
pub const LOCK_DURATION: Duration = Duration::minutes(15);
/// Failures after which the captcha is asked.
pub const CAPTCHA_AFTER: i32 = 3;

/// Whether a session is still alive at `now` (all times in UTC milliseconds).
pub fn session_alive(realm: Realm, created_ms: i64, last_seen_ms: i64, now_ms: i64) -> bool {
    let idle = realm.idle_timeout().whole_milliseconds() as i64;
    let absolute = ABSOLUTE_TIMEOUT.whole_milliseconds() as i64;
    now_ms - last_seen_ms < idle && now_ms - created_ms < absolute
}

/// The lock still in force at `now`, if any.
pub fn locked_until(locked_until_ms: Option<i64>, now_ms: i64) -> Option<i64> {
    locked_until_ms.filter(|until| *until > now_ms)
}

/// The account's counters after one more wrong password: the new count and, on the
/// fifth, the end of the lock (the count starts again after a lock).
pub fn after_failure(failed: i32, now_ms: i64) -> (i32, Option<i64>) {
    let failed = failed + 1;
    if failed >= MAX_FAILURES {
        (0, Some(now_ms + LOCK_DURATION.whole_milliseconds() as i64))
    } else {
        (failed, None)
    }
}

/// Back-office duties, kept apart as 等保 level 3 asks (三员分立).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AdminRole {
    /// Manages back-office users and settings.
    System,
    /// Runs the business: units, applicants, grants, dictionaries.
    Operator,
    /// Reads the audit log; changes nothing.
    Auditor,
}

impl AdminRole {
    pub const ALL: [AdminRole; 3] = [AdminRole::System, AdminRole::Operator, AdminRole::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            AdminRole::System => "system",
            AdminRole::Operator => "operator",
            AdminRole::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AdminRole::System => "系统管理员",
            AdminRole::Operator => "业务管理员",
            AdminRole::Auditor => "审计管理员",
        }
    }
}

/// The province bureau's region code; every other bureau is a city.
pub const PROVINCE_CODE: &str = "370000";

/// Whether an administrator of `creator_bureau` with `creator_role` may create a user in `bureau`.
pub fn may_create_admin(creator_role: AdminRole, creator_bureau: &str, bureau: &str) -> bool {
    creator_role == AdminRole::System
        && (creator_bureau == PROVINCE_CODE || creator_bureau == bureau)
}

/// Checks a back-office user name: 3–32 of ASCII letters, digits and underscores.
pub fn valid_username(s: &str) -> bool {
    (3..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Normalises a SHA-256 fingerprint typed with or without colons to `AB:CD:…`.
pub fn parse_fingerprint(s: &str) -> Option<String> {
    let hex: String = s
        .chars()
        .filter(|c| !matches!(c, ':' | ' '))
        .collect::<String>()
        .to_ascii_uppercase();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(
        hex.as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(":"),
    )
}

/// A page to return to after logging in again (the one a timed-out session was on), if it is
/// one of the realm's own signed-in pages: a same-site path, never another host (`//x`, `\\x`),
/// bounded in length, printable ASCII only (the address is percent-encoded).
pub fn return_path(realm: Realm, s: &str) -> Option<&str> {
    let ok = s.len() <= 512
        && s.starts_with(realm.signed_in_prefix())
        && s.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
        && !s.contains("//")
        && !s.ends_with("/logout");
    ok.then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_for_fifteen_minutes() {
        let mut failed = 0;
        let mut lock = None;
        for _ in 0..5 {
            (failed, lock) = after_failure(failed, 1_000);
        }
        assert_eq!(lock, Some(1_000 + 15 * 60_000));
        assert_eq!(failed, 0);
        assert_eq!(locked_until(lock, 1_000 + 15 * 60_000 - 1), lock);
        assert_eq!(locked_until(lock, 1_000 + 15 * 60_000), None);
    }

    #[test]
    fn a_login_returns_only_to_the_realm_s_own_pages() {
        assert_eq!(
            return_path(Realm::Front, "/rsrc/zc/transfer/new"),
            Some("/rsrc/zc/transfer/new")
        );
        assert_eq!(
            return_path(Realm::Back, "/sdmanager/stats?city=3701"),
            Some("/sdmanager/stats?city=3701")
        );
        for bad in [
            "",
            "/rsrc/",
            "/rsrc/portal",
            "//evil.example/rsrc/zc/",
            "https://evil.example/rsrc/zc/",
            "/rsrc/zc//evil.example",
            "/rsrc/zc/\\evil",
            "/rsrc/zc/a b",
            "/rsrc/zc/申报",
            "/sdmanager/",
            "/rsrc/zc/logout",
        ] {
            assert_eq!(return_path(Realm::Front, bad), None, "{bad:?}");
        }
        assert_eq!(return_path(Realm::Back, "/rsrc/zc/transfer"), None);
        assert_eq!(
            return_path(Realm::Front, &format!("/rsrc/zc/{}", "a".repeat(600))),
            None
        );
    }

    #[test]
    fn sessions_expire_idle_and_absolute() {
        let min = 60_000;
        assert!(session_alive(Realm::Front, 0, 0, 29 * min));
        assert!(!session_alive(Realm::Front, 0, 0, 30 * min));
        assert!(!session_alive(Realm::Back, 0, 0, 15 * min));
        assert!(!session_alive(
            Realm::Front,
            0,
            12 * 60 * min - 1,
            12 * 60 * min
        ));
    }

    #[test]
    fn only_system_admins_create_users_and_cities_only_their_own() {
        assert!(may_create_admin(AdminRole::System, PROVINCE_CODE, "370100"));
        assert!(may_create_admin(AdminRole::System, "370100", "370100"));
        assert!(!may_create_admin(AdminRole::System, "370100", "370200"));
        assert!(!may_create_admin(
            AdminRole::Operator,
            PROVINCE_CODE,
            "370100"
        ));
    }
}
