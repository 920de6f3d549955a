//! The steps of an application's life, from 确定申报 to 终审通过: each loads what the rule
//! needs, asks `domain::workflow::transition`, and writes the move, its history step, its
//! audit entry and its notices in one transaction (`Move::commit`). A version-guarded
//! update makes exactly one of two concurrent steps win; the other gets `Msg::AlreadyHandled`.

use uuid::Uuid;

use super::history::Step;
use super::{AppState, Caller};
use crate::domain::application::{Gap, Module, Slot, Snapshot, gaps};
use crate::domain::auth::SubjectKind;
use crate::domain::clock::CST;
use crate::domain::workflow::HistoryAction;
use crate::domain::workflow::{Actor, Command, Position, Refusal, State, transition};
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::applications;
use crate::store::entities::{application, person, unit};
use crate::store::{attachments, chain, notices};

/// The person's own application; anyone else's, or a malformed id, is "not found".
pub async fn own(state: &AppState, person: &person::Model, id: &str) -> Result<application::Model> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    applications::find_for_person(&state.db, person.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// An application the unit holds or has held; anything else is "not found".
pub async fn visible(state: &AppState, unit: &unit::Model, id: &str) -> Result<application::Model> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    if !chain::has_held(&state.db.conn, id, unit.id).await? {
        return Err(AppError::NotFound);
    }
    applications::find_any(&state.db.conn, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The application if this unit may review it now.
pub async fn held(state: &AppState, unit: &unit::Model, id: &str) -> Result<application::Model> {
    let a = visible(state, unit, id).await?;
    if applications::state(&a) != State::Pending || a.holder_unit_id != Some(unit.id) {
        return Err(AppError::Conflict(Msg::AlreadyHandled));
    }
    Ok(a)
}

fn position(a: &application::Model) -> Position {
    Position {
        state: applications::state(a),
        holder: a.holder_unit_id,
    }
}

/// The domain's refusal in the catalogue's words.
fn refusal(r: Refusal) -> AppError {
    AppError::Conflict(match r {
        Refusal::Incomplete => Msg::Incomplete,
        Refusal::AlreadyReviewed => Msg::CannotWithdraw,
        Refusal::ModulesFailed => Msg::FailuresFirst,
        Refusal::NothingFailed => Msg::NothingFailed,
        _ => Msg::AlreadyHandled,
    })
}

/// Where the application stands, and where the state machine lets `actor` move it with
/// `command`; a refusal in the catalogue's words.
fn decide(a: &application::Model, actor: Actor, command: Command) -> Result<(Position, Position)> {
    let at = position(a);
    let to = transition(at, actor, command).map_err(refusal)?;
    Ok((at, to))
}

/// The audit detail of a plain move: `from -> to`.
fn arrow(at: Position, to: Position) -> String {
    format!("{} -> {}", at.state.as_str(), to.state.as_str())
}

/// A message a step leaves in a person's or a unit's message box when it commits.
struct Notice {
    to: (SubjectKind, Uuid),
    title: &'static str,
    body: String,
    link: String,
}

impl Notice {
    fn new(
        to: (SubjectKind, Uuid),
        title: &'static str,
        body: impl Into<String>,
        link: impl Into<String>,
    ) -> Self {
        Notice {
            to,
            title,
            body: body.into(),
            link: link.into(),
        }
    }

    /// To the applicant, pointing at the application's progress: every change of state
    /// reaches the applicant's message box.
    fn progress(a: &application::Model, title: &'static str, body: impl Into<String>) -> Self {
        Notice::new(
            (SubjectKind::Person, a.person_id),
            title,
            body,
            format!("/rsrc/zc/transfer/{}/progress", a.id),
        )
    }
}

/// A step the state machine allowed, with everything it writes when it commits.
struct Move<'a> {
    a: &'a application::Model,
    at: Position,
    to: Position,
    step: Step,
    /// The audit entry's detail.
    detail: String,
    /// The 转入表's serial, given at 终审通过.
    serial: Option<String>,
    notices: Vec<Notice>,
}

impl<'a> Move<'a> {
    /// `a` moving `at` → `to` as `step`, audited with `detail`.
    fn new(
        a: &'a application::Model,
        (at, to): (Position, Position),
        step: Step,
        detail: String,
    ) -> Self {
        Move {
            a,
            at,
            to,
            step,
            detail,
            serial: None,
            notices: Vec::new(),
        }
    }

    fn with_serial(mut self, serial: String) -> Self {
        self.serial = Some(serial);
        self
    }

    fn notify(mut self, notice: Notice) -> Self {
        self.notices.push(notice);
        self
    }

    /// Writes the step (see `try_commit`); losing to a concurrent step is a conflict.
    async fn commit(self, state: &AppState, caller: &Caller, now: i64) -> Result<()> {
        self.try_commit(state, caller, now)
            .await?
            .map_err(AppError::Conflict)
    }

    /// The whole step in one transaction: the application moved (guarded by its version;
    /// 确定申报 also stamps the submission time), its history row and audit entry, the unit
    /// it passes to recorded as holding it (so that unit can see it from then on), its
    /// serial, and the notices. `Ok(Err(why))` when another step moved it first; nothing is
    /// written then.
    async fn try_commit(
        self,
        state: &AppState,
        caller: &Caller,
        now: i64,
    ) -> Result<std::result::Result<(), Msg>> {
        let Move {
            a,
            at,
            to,
            step,
            detail,
            serial,
            notices,
        } = self;
        let (a, caller) = (a.clone(), caller.clone());
        // Why another step won, when one did: the write is then rolled back like any other
        // failure, and answered as the conflict it is.
        let lost = std::sync::Arc::new(std::sync::OnceLock::new());
        let lost_in_write = lost.clone();
        let write: crate::store::Job = Box::new(move |tx| {
            Box::pin(async move {
                let submit = step.action() == HistoryAction::Submit;
                if let Err(e) = applications::move_to(tx, &a, to, submit, now).await {
                    if let AppError::Conflict(why) = &e {
                        lost_in_write.get_or_init(|| *why);
                    }
                    return Err(e);
                }
                step.record(tx, &caller, a.id, (at.state, to.state), now, detail)
                    .await?;
                if let Some(next) = to.holder.filter(|u| at.holder != Some(*u)) {
                    chain::hold(tx, a.id, next, now).await?;
                }
                if let Some(serial) = &serial {
                    applications::set_serial(tx, a.id, serial).await?;
                }
                let outgoing: Vec<notices::Outgoing> = notices
                    .iter()
                    .map(|n| (n.to, n.title, n.body.as_str(), n.link.as_str()))
                    .collect();
                notices::notify_all(tx, now, &outgoing).await?;
                Ok(())
            })
        });
        match state.db.write(write).await {
            Ok(()) => Ok(Ok(())),
            Err(e) => match lost.get() {
                Some(why) => Ok(Err(*why)),
                None => Err(e),
            },
        }
    }
}

/// What stands between an application and 确定申报: its gaps, and the missing pledge.
#[derive(Debug, Clone, Default)]
pub struct Unready {
    pub gaps: Vec<Gap>,
    pub pledged: bool,
}

impl Unready {
    /// The message the page shows at the top.
    pub fn message(&self) -> Msg {
        if self.gaps.is_empty() {
            Msg::PledgeRequired
        } else {
            Msg::Incomplete
        }
    }
}

/// Every gap of the application as it stands.
pub async fn gaps_of(state: &AppState, a: &application::Model) -> Result<Vec<Gap>> {
    let basic = applications::basic(&state.keys, a);
    let mods = applications::modules(a);
    let files = attachments::list(&state.db.conn, a.id).await?;
    let dicts = state.dicts();
    let count = |s: Slot| files.iter().filter(|f| f.slot == s).count();
    Ok(gaps(&Snapshot {
        basic: &basic,
        original: &mods.original,
        transfer: &mods.transfer,
        education: &mods.education,
        work: &mods.work,
        files: &count,
        title_series: basic
            .title
            .and_then(|t| dicts.title(t))
            .map(|t| t.series_code.clone()),
    }))
}

/// 确定申报: a complete, pledged draft (or returned application) goes to its 申报单位.
/// `Ok(Err(unready))` when something is missing; nothing is written then.
pub async fn submit(
    state: &AppState,
    caller: &Caller,
    p: &person::Model,
    a: &application::Model,
    version: &str,
    pledged: bool,
) -> Result<std::result::Result<Position, Unready>> {
    applications::expect_version(a, version)?;
    if !matches!(applications::state(a), State::Draft | State::Returned) {
        return Err(AppError::Conflict(Msg::AlreadyHandled));
    }
    let found = gaps_of(state, a).await?;
    if !found.is_empty() || !pledged {
        return Ok(Err(Unready {
            gaps: found,
            pledged,
        }));
    }
    let basic = applications::basic(&state.keys, a);
    let declare_unit = basic
        .declare_unit
        .ok_or(AppError::Conflict(Msg::Incomplete))?;
    let (at, to) = decide(
        a,
        Actor::Applicant,
        Command::Submit {
            declare_unit,
            complete: true,
        },
    )?;
    let dicts = state.dicts();
    let title = dicts.title_name(basic.title);
    Move::new(
        a,
        (at, to),
        Step::by_person(p, Some(declare_unit), HistoryAction::Submit),
        format!("{} at unit:{declare_unit}", arrow(at, to)),
    )
    .notify(Notice::new(
        (SubjectKind::Unit, declare_unit),
        "新的外地调入申报待审核",
        format!(
            "{}提交了外地调入资格确认申报（{title}），请在“外地调入审核”中办理。",
            p.name
        ),
        "/rsrc/zc",
    ))
    .notify(Notice::progress(
        a,
        "申报已提交",
        format!(
            "您的外地调入资格确认申报已提交，当前状态：{}。",
            to.state.label()
        ),
    ))
    .commit(state, caller, state.now_ms())
    .await?;
    Ok(Ok(to))
}

/// 撤回: back to 未提交 while the 申报单位 has not acted in this round.
pub async fn withdraw(
    state: &AppState,
    caller: &Caller,
    p: &person::Model,
    a: &application::Model,
    version: &str,
) -> Result<Position> {
    applications::expect_version(a, version)?;
    let declare_unit = a
        .declare_unit_id
        .ok_or(AppError::Conflict(Msg::AlreadyHandled))?;
    let acted = applications::unit_acted(&state.db.conn, a.id, a.round, declare_unit).await?;
    let (at, to) = decide(
        a,
        Actor::Applicant,
        Command::Withdraw {
            declare_unit,
            acted_this_round: acted,
        },
    )?;
    Move::new(
        a,
        (at, to),
        Step::by_person(p, Some(declare_unit), HistoryAction::Withdraw),
        arrow(at, to),
    )
    .notify(Notice::new(
        (SubjectKind::Unit, declare_unit),
        "申报已撤回",
        format!("{}撤回了外地调入资格确认申报。", p.name),
        "/rsrc/zc",
    ))
    .notify(Notice::progress(
        a,
        "申报已撤回",
        "您的外地调入资格确认申报已撤回，当前状态：未提交。",
    ))
    .commit(state, caller, state.now_ms())
    .await?;
    Ok(to)
}

/// 删除: a draft never submitted goes, with its files.
pub async fn delete(
    state: &AppState,
    caller: &Caller,
    a: &application::Model,
    version: &str,
) -> Result<()> {
    applications::expect_version(a, version)?;
    decide(a, Actor::Applicant, Command::Delete)?;
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    let keys = applications::delete_draft(&*tx, a).await?;
    caller
        .record(
            &*tx,
            now,
            "application_delete",
            format!("application:{}", a.id),
            format!("{} files", keys.len()),
        )
        .await?;
    tx.commit().await?;
    for k in keys {
        if let Err(e) = state.files.delete(&k).await {
            tracing::warn!(error = %e, "could not remove a deleted draft's file; the orphan sweep will");
        }
    }
    Ok(())
}

/// 不通过 of one module, with the reviewer's opinion (required, at most 500 characters).
pub async fn fail_module(
    state: &AppState,
    caller: &Caller,
    unit: &unit::Model,
    a: &application::Model,
    module: Module,
    opinion: &str,
) -> Result<()> {
    let opinion = crate::domain::account::parse_text(opinion, 500, true)
        .map_err(|_| AppError::field("opinion", Msg::OpinionRequired))?;
    mark(state, caller, unit, a, module, Some(&opinion)).await
}

/// Takes back a 不通过 mark of this round.
pub async fn unfail_module(
    state: &AppState,
    caller: &Caller,
    unit: &unit::Model,
    a: &application::Model,
    module: Module,
) -> Result<()> {
    mark(state, caller, unit, a, module, None).await
}

/// A module's 不通过 mark set (with the opinion) or taken back, audited. Bumping the
/// version makes a concurrent 通过 fail rather than pass over the change.
async fn mark(
    state: &AppState,
    caller: &Caller,
    unit: &unit::Model,
    a: &application::Model,
    module: Module,
    opinion: Option<&str>,
) -> Result<()> {
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    applications::bump(&*tx, a, now).await?;
    let (action, detail) = match opinion {
        Some(o) => {
            applications::fail_module(&*tx, a.id, a.round, module, unit.id, o, now).await?;
            ("module_fail", format!("{}: {o}", module.as_str()))
        }
        None => {
            applications::unfail_module(&*tx, a.id, a.round, module, unit.id).await?;
            ("module_unfail", module.as_str().to_owned())
        }
    };
    caller
        .record(&*tx, now, action, format!("application:{}", a.id), detail)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// 通过: final (终审通过, with the 转入表's serial) when the unit holds the grant for the
/// level, otherwise 待上报 at this unit. An empty opinion is recorded as 同意.
pub async fn approve(
    state: &AppState,
    caller: &Caller,
    unit: &unit::Model,
    a: &application::Model,
    version: &str,
    opinion: &str,
) -> Result<Position> {
    applications::expect_version(a, version)?;
    let failed = applications::failures(&state.db.conn, a.id, a.round)
        .await?
        .len();
    let level = a.level_code.clone().unwrap_or_default();
    let final_authority = chain::has_final_authority(&state.db.conn, unit.id, &level).await?;
    let (at, to) = decide(
        a,
        Actor::Unit(unit.id),
        Command::Approve {
            failed_modules: failed,
            final_authority,
        },
    )?;
    let opinion = crate::domain::account::parse_text(opinion, 500, false).unwrap_or_default();
    let opinion = if opinion.is_empty() {
        "同意".to_owned()
    } else {
        opinion
    };
    let now = state.now_ms();
    let final_step = to.state == State::Approved;
    let action = if final_step {
        HistoryAction::Final
    } else {
        HistoryAction::Approve
    };
    let approval = Move::new(
        a,
        (at, to),
        Step::by_unit(unit, unit.id, action).with_opinion(opinion),
        arrow(at, to),
    );
    let approval = if final_step {
        let day = crate::domain::clock::from_ms(now).to_offset(CST).date();
        approval
            .with_serial(state.keys.new_serial(&format!(
                "{:04}{:02}{:02}",
                day.year(),
                day.month() as u8,
                day.day()
            )))
            .notify(Notice::new(
                (SubjectKind::Person, a.person_id),
                "外地调入资格确认终审通过",
                format!(
                    "您的外地调入资格确认申报已由{}终审通过，可在“我的申报信息”中下载转入表。",
                    unit.name
                ),
                "/rsrc/zc/transfer",
            ))
    } else {
        approval.notify(Notice::progress(
            a,
            "申报审核通过",
            format!("{}已审核通过您的申报，待上报上级单位审核。", unit.name),
        ))
    };
    approval.commit(state, caller, now).await?;
    Ok(to)
}

/// 退回: the whole application goes back to the applicant with the failed modules open.
pub async fn send_back(
    state: &AppState,
    caller: &Caller,
    unit: &unit::Model,
    a: &application::Model,
    version: &str,
) -> Result<Position> {
    applications::expect_version(a, version)?;
    let failures = applications::failures(&state.db.conn, a.id, a.round).await?;
    let (at, to) = decide(
        a,
        Actor::Unit(unit.id),
        Command::Return {
            failed_modules: failures.len(),
        },
    )?;
    let reasons = failures
        .iter()
        .map(|f| format!("{}：{}", f.module.label(), f.opinion))
        .collect::<Vec<_>>()
        .join("；");
    Move::new(
        a,
        (at, to),
        Step::by_unit(unit, unit.id, HistoryAction::Return).with_opinion(&reasons),
        reasons.clone(),
    )
    .notify(Notice::new(
        (SubjectKind::Person, a.person_id),
        "申报已退回",
        format!(
            "{}退回了您的外地调入资格确认申报：{reasons}。请修改后重新确定申报。",
            unit.name
        ),
        format!("/rsrc/zc/transfer/{}", a.id),
    ))
    .commit(state, caller, state.now_ms())
    .await?;
    Ok(to)
}

/// The answer of 数据上报 for a batch.
#[derive(Debug, Default)]
pub struct Reported {
    /// Applications moved to their superior.
    pub done: Vec<Uuid>,
    /// One line per application that stayed, naming the person and the reason.
    pub problems: Vec<String>,
}

/// At most this many applications per 数据上报.
pub const MAX_REPORT: usize = 200;

/// 数据上报: each `(id, version)` moves to the superior on the unit's active path for its
/// series and level, in its own transaction; those without a path stay, each named with
/// the series and level to ask for. Nothing of an application the unit does not hold is read.
pub async fn report(
    state: &AppState,
    caller: &Caller,
    unit: &unit::Model,
    picks: &[(Uuid, String)],
) -> Result<Reported> {
    let d = state.dicts();
    let mut out = Reported::default();
    let mut not_ours = 0;
    for (id, version) in picks.iter().take(MAX_REPORT) {
        let Some(a) = applications::find_any(&state.db.conn, *id)
            .await?
            .filter(|a| a.holder_unit_id == Some(unit.id))
        else {
            not_ours += 1;
            continue;
        };
        let person = crate::store::accounts::person_by_id(&state.db.conn, a.person_id)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        if a.version.to_string() != *version {
            out.problems
                .push(format!("{person}：{}", Msg::AlreadyHandled.text()));
            continue;
        }
        let (series, level) = (
            a.series_code.clone().unwrap_or_default(),
            a.level_code.clone().unwrap_or_default(),
        );
        let superior = chain::superior(
            &state.db.conn,
            chain::Along::Active,
            unit.id,
            &series,
            &level,
        )
        .await?;
        let at = position(&a);
        let to = match transition(at, Actor::Unit(unit.id), Command::Report { superior }) {
            Ok(to) => to,
            Err(Refusal::NoPath) => {
                out.problems.push(format!(
                    "{person}：没有职称系列“{}”、级别“{}”的已生效上报路径，请先在“上报路径申请”中新增并等待上级单位审核",
                    d.series_name(&series),
                    d.level_name(&level)
                ));
                continue;
            }
            Err(_) => {
                out.problems
                    .push(format!("{person}：{}", Msg::AlreadyHandled.text()));
                continue;
            }
        };
        let Some(superior) = to.holder else { continue };
        let outcome = Move::new(
            &a,
            (at, to),
            Step::by_unit(unit, superior, HistoryAction::Report),
            format!("to unit:{superior}"),
        )
        .notify(Notice::new(
            (SubjectKind::Unit, superior),
            "新的外地调入申报待审核",
            format!(
                "{}上报了{person}的外地调入资格确认申报，请在“外地调入审核”中办理。",
                unit.name
            ),
            "/rsrc/zc/review",
        ))
        .notify(Notice::progress(
            &a,
            "申报已上报",
            format!("{}已将您的申报上报上级单位审核。", unit.name),
        ))
        .try_commit(state, caller, state.now_ms())
        .await?;
        match outcome {
            Ok(()) => out.done.push(a.id),
            Err(why) => out.problems.push(format!("{person}：{}", why.text())),
        }
    }
    if not_ours > 0 {
        out.problems.push(format!(
            "{not_ours} 条所选申报已不在本单位待上报之列：{}",
            Msg::AlreadyHandled.text()
        ));
    }
    Ok(out)
}
