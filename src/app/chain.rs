//! The review chain's own use cases: reporting paths (上报路径申请 / 审核) and the grants of
//! final-review authority (外地调入终审权限申请, decided or revoked by a bureau).

use uuid::Uuid;

use super::{AppState, Caller};
use crate::domain::account::{FieldErrors, parse_text};
use crate::domain::auth::{AdminRole, SubjectKind};
use crate::domain::chain::{PathRefusal, bureau_sees_grant, check_new_path, grant_bureau_allowed};
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::entities::{admin, unit};
use crate::store::{accounts, chain, notices};

/// 新增 of 上报路径申请: the superior by id (the picker) or by exact name (typed).
#[derive(Debug, Clone, Default)]
pub struct PathRequest {
    pub superior: Option<Uuid>,
    pub superior_name: String,
    pub series: String,
    pub level: String,
}

/// The superior unit a request names, if it exists.
pub async fn superior_of(state: &AppState, r: &PathRequest) -> Result<Option<unit::Model>> {
    match r.superior {
        Some(id) => accounts::unit_by_id(&state.db.conn, id).await,
        None if !r.superior_name.trim().is_empty() => {
            accounts::unit_by_name(&state.db.conn, r.superior_name.trim()).await
        }
        None => Ok(None),
    }
}

/// Asks a superior unit for a path for one series and level. Field errors come back as
/// `Validation`; a path already asked for or live as `Conflict`.
pub async fn request_path(
    state: &AppState,
    caller: &Caller,
    unit: &unit::Model,
    r: &PathRequest,
) -> Result<Uuid> {
    let d = state.dicts();
    let mut errors = FieldErrors::default();
    let superior = superior_of(state, r).await?;
    if superior.is_none() {
        errors.add(
            "superior",
            if r.superior_name.trim().is_empty() && r.superior.is_none() {
                Msg::Required
            } else {
                Msg::UnitNotFound
            },
        );
    }
    if !d.series.iter().any(|s| s.enabled && s.code == r.series) {
        errors.add("series", Msg::BadChoice);
    }
    if !d.levels.iter().any(|s| s.enabled && s.code == r.level) {
        errors.add("level", Msg::BadChoice);
    }
    let Some(superior) = superior.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    // The cycle check walks the live paths of the same series and level.
    let mut next = std::collections::HashMap::new();
    let mut at = superior.id;
    for _ in 0..64 {
        match chain::superior(&state.db.conn, chain::Along::Live, at, &r.series, &r.level).await? {
            Some(n) => {
                next.insert(at, n);
                if n == unit.id {
                    break;
                }
                at = n;
            }
            None => break,
        }
    }
    if let Err(refused) = check_new_path(unit.id, superior.id, |u| next.get(&u).copied()) {
        let m = if refused == PathRefusal::ToSelf {
            Msg::PathToSelf
        } else {
            Msg::PathCycle
        };
        return Err(AppError::field("superior", m));
    }
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    let id = chain::create_path(&*tx, unit.id, superior.id, &r.series, &r.level, now).await?;
    caller
        .record(
            &*tx,
            now,
            "path_request",
            format!("path:{id}"),
            format!(
                "to unit:{} series {} level {}",
                superior.id, r.series, r.level
            ),
        )
        .await?;
    notices::notify(
        &*tx,
        (SubjectKind::Unit, superior.id),
        now,
        "新的上报路径申请",
        &format!(
            "{}申请向本单位上报（{}，{}），请在“上报路径审核”中审核。",
            unit.name,
            d.series_name(&r.series),
            d.level_name(&r.level)
        ),
        "/rsrc/zc/paths/review",
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// 通过 / 不通过 of a path asked of this unit (不通过 needs an opinion).
pub async fn decide_path(
    state: &AppState,
    caller: &Caller,
    unit: &unit::Model,
    id: Uuid,
    approve: bool,
    opinion: &str,
) -> Result<()> {
    let path = chain::path(&state.db.conn, id)
        .await?
        .filter(|p| p.to_unit == unit.id)
        .ok_or(AppError::NotFound)?;
    let opinion =
        parse_text(opinion, 500, !approve).map_err(|_| AppError::Conflict(Msg::OpinionRequired))?;
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    chain::decide_path(&*tx, id, unit.id, approve, &opinion, now).await?;
    let action = if approve {
        "path_approve"
    } else {
        "path_refuse"
    };
    caller
        .record(&*tx, now, action, format!("path:{id}"), opinion.clone())
        .await?;
    let verdict = if approve { "已生效" } else { "未通过" };
    notices::notify(
        &*tx,
        (SubjectKind::Unit, path.from_unit),
        now,
        "上报路径审核结果",
        &format!("您向{}申请的上报路径{verdict}。{opinion}", unit.name),
        "/rsrc/zc/paths",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 外地调入终审权限申请 for one 证书等级, addressed to the unit's city bureau or the province.
pub async fn request_grant(
    state: &AppState,
    caller: &Caller,
    unit: &unit::Model,
    level: &str,
    bureau: &str,
) -> Result<Uuid> {
    let d = state.dicts();
    let mut errors = FieldErrors::default();
    if !d.levels.iter().any(|l| l.enabled && l.code == level) {
        errors.add("level", Msg::BadChoice);
    }
    if d.region(bureau).is_none() {
        errors.add("bureau", Msg::BureauUnknown);
    } else if !grant_bureau_allowed(&unit.region_code, bureau) {
        errors.add("bureau", Msg::BureauNotOwn);
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    let id = chain::request_grant(&*tx, unit.id, level, bureau, now).await?;
    caller
        .record(
            &*tx,
            now,
            "grant_request",
            format!("grant:{id}"),
            format!("level {level} bureau {bureau}"),
        )
        .await?;
    // Every back-office user of that bureau who handles grants is told.
    for admin in accounts::admins_of(&*tx, Some(bureau), 200).await? {
        if admin.role == AdminRole::Operator.as_str() && !admin.disabled {
            notices::notify(
                &*tx,
                (SubjectKind::Admin, admin.id),
                now,
                "新的外地调入终审权限申请",
                &format!("{}申请{}外地调入终审权限。", unit.name, d.level_name(level)),
                "/sdmanager/grants",
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(id)
}

/// What a bureau does with a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantDecision {
    Approve,
    Refuse,
    Revoke,
}

impl GrantDecision {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "approve" => Some(Self::Approve),
            "refuse" => Some(Self::Refuse),
            "revoke" => Some(Self::Revoke),
            _ => None,
        }
    }

    /// The page's message after the decision.
    pub fn done(self) -> Msg {
        match self {
            Self::Approve => Msg::Approved,
            Self::Refuse => Msg::Decided,
            Self::Revoke => Msg::Revoked,
        }
    }
}

/// 通过 / 不通过 by the bureau a request names, or 撤销 of an active grant by a bureau
/// that may (the unit's city, or the province). Only business operators decide.
pub async fn decide_grant(
    state: &AppState,
    caller: &Caller,
    operator: &admin::Model,
    id: Uuid,
    decision: GrantDecision,
    opinion: &str,
) -> Result<()> {
    if operator.role != AdminRole::Operator.as_str() {
        return Err(AppError::Forbidden);
    }
    let bureau = &operator.bureau_code;
    let grant = chain::grant(&state.db.conn, id)
        .await?
        .filter(|g| bureau_sees_grant(bureau, &g.bureau, &g.unit_region))
        .ok_or(AppError::NotFound)?;
    // Only the bureau a request names decides it.
    if decision != GrantDecision::Revoke && grant.bureau != *bureau {
        return Err(AppError::Forbidden);
    }
    let opinion = parse_text(opinion, 500, decision != GrantDecision::Approve)
        .map_err(|_| AppError::Conflict(Msg::OpinionRequired))?;
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    let (action, verdict) = match decision {
        GrantDecision::Approve | GrantDecision::Refuse => {
            let approve = decision == GrantDecision::Approve;
            chain::decide_grant(&*tx, id, bureau, approve, &opinion, operator.id, now).await?;
            if approve {
                ("grant_approve", "已通过")
            } else {
                ("grant_refuse", "未通过")
            }
        }
        GrantDecision::Revoke => {
            chain::revoke_grant(&*tx, id, bureau, &opinion, operator.id, now).await?;
            ("grant_revoke", "已撤销")
        }
    };
    caller
        .record(
            &*tx,
            now,
            action,
            format!("grant:{id}"),
            format!("unit:{} level {} {opinion}", grant.unit_id, grant.level),
        )
        .await?;
    notices::notify(
        &*tx,
        (SubjectKind::Unit, grant.unit_id),
        now,
        "外地调入终审权限审核结果",
        &format!(
            "您申请的{}外地调入终审权限{verdict}。{opinion}",
            state.dicts().level_name(&grant.level)
        ),
        "/rsrc/zc/grants",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
