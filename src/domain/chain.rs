//! Reporting paths (上报路径) and final-review grants (外地调入终审权限): the rules that
//! do not need the database.

use uuid::Uuid;

/// A path's or grant's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// 未生效: asked, not yet decided.
    Pending,
    /// 已生效
    Active,
    /// 未通过
    Refused,
    /// 已撤销 (grants only)
    Revoked,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Pending => "pending",
            Standing::Active => "active",
            Standing::Refused => "refused",
            Standing::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Standing::Pending,
            Standing::Active,
            Standing::Refused,
            Standing::Revoked,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    pub fn path_label(self) -> &'static str {
        match self {
            Standing::Pending => "未生效",
            Standing::Active => "已生效",
            Standing::Refused => "未通过",
            Standing::Revoked => "已撤销",
        }
    }

    pub fn grant_label(self) -> &'static str {
        match self {
            Standing::Pending => "待审核",
            Standing::Active => "已通过",
            Standing::Refused => "未通过",
            Standing::Revoked => "已撤销",
        }
    }

    pub fn colour(self) -> &'static str {
        match self {
            Standing::Pending | Standing::Revoked => "grey",
            Standing::Active => "green",
            Standing::Refused => "red",
        }
    }

    /// Pending and active paths/grants are "live": one per key.
    pub fn is_live(self) -> bool {
        matches!(self, Standing::Pending | Standing::Active)
    }
}

/// Why a new path is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathRefusal {
    ToSelf,
    Cycle,
}

/// Checks a new path `from → to` for one series and level. `next` gives the superior of a
/// unit along the live paths of the same series and level; a path that would lead back to
/// `from` closes a cycle.
pub fn check_new_path(
    from: Uuid,
    to: Uuid,
    next: impl Fn(Uuid) -> Option<Uuid>,
) -> Result<(), PathRefusal> {
    if from == to {
        return Err(PathRefusal::ToSelf);
    }
    let mut at = to;
    // Chains are short; the bound guards against a corrupt loop already in the data.
    for _ in 0..64 {
        match next(at) {
            Some(n) if n == from => return Err(PathRefusal::Cycle),
            Some(n) => at = n,
            None => return Ok(()),
        }
    }
    Err(PathRefusal::Cycle)
}

/// The key that makes a live path unique per (unit, series, level).
pub fn path_key(from: Uuid, series: &str, level: &str) -> String {
    format!("{}|{series}|{level}", from.simple())
}

/// The key that makes a live grant unique per (unit, level).
pub fn grant_key(unit: Uuid, level: &str) -> String {
    format!("{}|{level}", unit.simple())
}

/// The bureaus a unit may ask for 终审权限: its own city's and the province's, never another
/// city's (which could neither see the unit nor answer for it).
pub fn grant_bureau_allowed(unit_region: &str, bureau: &str) -> bool {
    bureau == unit_region || bureau == super::auth::PROVINCE_CODE
}

/// Whether a bureau sees a grant: it was addressed to it, or the unit is in its region.
pub fn bureau_sees_grant(bureau: &str, grant_bureau: &str, unit_region: &str) -> bool {
    grant_bureau == bureau || unit_region == bureau
}

/// Whether a bureau may 撤销 an active grant: the bureau that gave it, or the unit's own city
/// bureau for a grant another city gave (the province's grants are the province's to revoke).
pub fn bureau_may_revoke(bureau: &str, grant_bureau: &str, unit_region: &str) -> bool {
    grant_bureau == bureau || (unit_region == bureau && grant_bureau != super::auth::PROVINCE_CODE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn grants_stay_within_the_units_city_and_the_province() {
        use crate::domain::auth::PROVINCE_CODE as P;
        let (jinan, qingdao) = ("370100", "370200");
        assert!(grant_bureau_allowed(qingdao, qingdao));
        assert!(grant_bureau_allowed(qingdao, P));
        assert!(!grant_bureau_allowed(qingdao, jinan));
        assert!(
            bureau_sees_grant(qingdao, jinan, qingdao),
            "the unit's own city sees it"
        );
        assert!(!bureau_sees_grant(jinan, P, qingdao));
        assert!(bureau_may_revoke(qingdao, jinan, qingdao));
        assert!(
            !bureau_may_revoke(qingdao, P, qingdao),
            "the province's grant"
        );
        assert!(bureau_may_revoke(P, P, qingdao));
        assert!(!bureau_may_revoke(jinan, qingdao, qingdao));
    }

    #[test]
    fn self_paths_and_cycles_are_refused() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let paths: HashMap<Uuid, Uuid> = [(b, c)].into();
        let next = |u: Uuid| paths.get(&u).copied();
        assert_eq!(check_new_path(a, a, next), Err(PathRefusal::ToSelf));
        assert_eq!(check_new_path(a, b, next), Ok(()));
        assert_eq!(
            check_new_path(c, b, next),
            Err(PathRefusal::Cycle),
            "c → b → c"
        );
        let long: HashMap<Uuid, Uuid> = [(b, c), (c, a)].into();
        assert_eq!(
            check_new_path(a, b, |u| long.get(&u).copied()),
            Err(PathRefusal::Cycle),
            "a → b → c → a"
        );
    }
}
