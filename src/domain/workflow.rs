//! The 外地调入 workflow as one state machine. Every page, the JSON API and the tests go
//! through `transition`; nothing else decides a new state.

use uuid::Uuid;

/// The states, named as users see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// 未提交
    Draft,
    /// 待审核, at the holder unit.
    Pending,
    /// 已退回 to the applicant.
    Returned,
    /// 待上报: the holder approved without final authority.
    ToReport,
    /// 终审通过
    Approved,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Draft,
        State::Pending,
        State::Returned,
        State::ToReport,
        State::Approved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Pending => "pending",
            State::Returned => "returned",
            State::ToReport => "to_report",
            State::Approved => "approved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Draft => "未提交",
            State::Pending => "待审核",
            State::Returned => "已退回",
            State::ToReport => "待上报",
            State::Approved => "终审通过",
        }
    }

    /// The tag colour used everywhere for this state.
    pub fn colour(self) -> &'static str {
        match self {
            State::Draft => "grey",
            State::Pending | State::ToReport => "orange",
            State::Returned => "red",
            State::Approved => "green",
        }
    }

    /// Unfinished applications count against the one-per-person rule.
    pub fn is_open(self) -> bool {
        self != State::Approved
    }
}

/// Where an application stands: its state and the unit holding it (if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub state: State,
    pub holder: Option<Uuid>,
}

/// Who asks for a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The applicant (only ever their own application reaches here).
    Applicant,
    /// A unit account.
    Unit(Uuid),
}

/// What the actor asks for, with the facts the rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// 确定申报: to the 申报单位. `complete` is the completeness check's verdict.
    Submit { declare_unit: Uuid, complete: bool },
    /// 撤回: back to 未提交, while the 申报单位 has not acted in this round.
    Withdraw {
        declare_unit: Uuid,
        acted_this_round: bool,
    },
    /// 通过 by the holder. `final_authority`: the unit holds a grant for the level.
    Approve {
        failed_modules: usize,
        final_authority: bool,
    },
    /// 退回 to the applicant; needs a failed module.
    Return { failed_modules: usize },
    /// 数据上报 along the active path; `superior` is None when no path exists.
    Report { superior: Option<Uuid> },
    /// 删除 a draft.
    Delete,
}

/// What one row of an application's history (办理记录) records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryAction {
    Create,
    Save,
    Submit,
    Withdraw,
    Approve,
    Return,
    Report,
    /// 通过 by a unit with final-review authority.
    Final,
}

impl HistoryAction {
    pub const ALL: [HistoryAction; 8] = [
        HistoryAction::Create,
        HistoryAction::Save,
        HistoryAction::Submit,
        HistoryAction::Withdraw,
        HistoryAction::Approve,
        HistoryAction::Return,
        HistoryAction::Report,
        HistoryAction::Final,
    ];

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryAction::Create => "create",
            HistoryAction::Save => "save",
            HistoryAction::Submit => "submit",
            HistoryAction::Withdraw => "withdraw",
            HistoryAction::Approve => "approve",
            HistoryAction::Return => "return",
            HistoryAction::Report => "report",
            HistoryAction::Final => "final",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// As 办理记录 names it.
    pub fn label(self) -> &'static str {
        match self {
            HistoryAction::Create => "新增申报信息",
            HistoryAction::Save => "保存",
            HistoryAction::Submit => "确定申报",
            HistoryAction::Withdraw => "撤回",
            HistoryAction::Approve => "审核通过",
            HistoryAction::Return => "退回",
            HistoryAction::Report => "数据上报",
            HistoryAction::Final => "终审通过",
        }
    }

    /// The label of a stored value; one this version does not know reads 其他.
    pub fn label_of(stored: &str) -> &'static str {
        Self::parse(stored).map_or("其他", Self::label)
    }
}

impl Command {
    /// The step's name in code and its label on a page, side by side.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Command::Submit { .. } => ("submit", "确定申报"),
            Command::Withdraw { .. } => ("withdraw", "撤回"),
            Command::Approve { .. } => ("approve", "通过"),
            Command::Return { .. } => ("return", "退回"),
            Command::Report { .. } => ("report", "数据上报"),
            Command::Delete => ("delete", "删除"),
        }
    }

    pub fn action(self) -> &'static str {
        self.names().0
    }

    pub fn label(self) -> &'static str {
        self.names().1
    }
}

/// Why a transition was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The state does not allow it (also: someone else acted first).
    WrongState,
    /// The actor is not the one who may act now.
    NotYours,
    Incomplete,
    /// 撤回 after the 申报单位 acted.
    AlreadyReviewed,
    /// 通过 while a module is failed.
    ModulesFailed,
    /// 退回 without a failed module.
    NothingFailed,
    NoPath,
}

/// Where the application goes (`None` holder: with the applicant), or why not.
/// `Delete` answers the position the draft had; the caller removes the row.
pub fn transition(at: Position, actor: Actor, cmd: Command) -> Result<Position, Refusal> {
    use State::*;
    let holder_is = |u: Uuid| at.holder == Some(u);
    match (cmd, actor) {
        (
            Command::Submit {
                declare_unit,
                complete,
            },
            Actor::Applicant,
        ) => match at.state {
            Draft | Returned if complete => Ok(Position {
                state: Pending,
                holder: Some(declare_unit),
            }),
            Draft | Returned => Err(Refusal::Incomplete),
            Pending | ToReport | Approved => Err(Refusal::WrongState),
        },
        (
            Command::Withdraw {
                declare_unit,
                acted_this_round,
            },
            Actor::Applicant,
        ) => match at.state {
            Pending if holder_is(declare_unit) && !acted_this_round => Ok(Position {
                state: Draft,
                holder: None,
            }),
            Pending | ToReport => Err(Refusal::AlreadyReviewed),
            Draft | Returned | Approved => Err(Refusal::WrongState),
        },
        (Command::Delete, Actor::Applicant) => match at.state {
            Draft => Ok(at),
            _ => Err(Refusal::WrongState),
        },
        (
            Command::Approve {
                failed_modules,
                final_authority,
            },
            Actor::Unit(u),
        ) => match at.state {
            Pending if !holder_is(u) => Err(Refusal::NotYours),
            Pending if failed_modules > 0 => Err(Refusal::ModulesFailed),
            Pending if final_authority => Ok(Position {
                state: Approved,
                holder: Some(u),
            }),
            Pending => Ok(Position {
                state: ToReport,
                holder: Some(u),
            }),
            Draft | Returned | ToReport | Approved => Err(Refusal::WrongState),
        },
        (Command::Return { failed_modules }, Actor::Unit(u)) => match at.state {
            Pending if !holder_is(u) => Err(Refusal::NotYours),
            Pending if failed_modules == 0 => Err(Refusal::NothingFailed),
            Pending => Ok(Position {
                state: Returned,
                holder: None,
            }),
            Draft | Returned | ToReport | Approved => Err(Refusal::WrongState),
        },
        (Command::Report { superior }, Actor::Unit(u)) => match at.state {
            ToReport if !holder_is(u) => Err(Refusal::NotYours),
            ToReport => match superior {
                Some(s) => Ok(Position {
                    state: Pending,
                    holder: Some(s),
                }),
                None => Err(Refusal::NoPath),
            },
            Draft | Pending | Returned | Approved => Err(Refusal::WrongState),
        },
        (Command::Submit { .. } | Command::Withdraw { .. } | Command::Delete, Actor::Unit(_)) => {
            Err(Refusal::NotYours)
        }
        (
            Command::Approve { .. } | Command::Return { .. } | Command::Report { .. },
            Actor::Applicant,
        ) => Err(Refusal::NotYours),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn unit(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    /// The applicant sends `p` to `declare_unit`, with every module `complete` or not.
    fn submit(p: Position, declare_unit: Uuid, complete: bool) -> Result<Position, Refusal> {
        let cmd = Command::Submit {
            declare_unit,
            complete,
        };
        transition(p, Actor::Applicant, cmd)
    }

    /// Unit `by` approves `p`, with `failed_modules` marked and final authority or not.
    fn approve(
        p: Position,
        by: Uuid,
        failed_modules: usize,
        final_authority: bool,
    ) -> Result<Position, Refusal> {
        let cmd = Command::Approve {
            failed_modules,
            final_authority,
        };
        transition(p, Actor::Unit(by), cmd)
    }

    #[test]
    fn the_manuals_story() {
        let (a, b) = (unit(1), unit(2));
        let draft = Position {
            state: State::Draft,
            holder: None,
        };
        assert_eq!(submit(draft, a, false), Err(Refusal::Incomplete));
        let p = submit(draft, a, true).unwrap();
        assert_eq!(
            p,
            Position {
                state: State::Pending,
                holder: Some(a)
            }
        );
        assert_eq!(approve(p, b, 0, true), Err(Refusal::NotYours));
        let p = approve(p, a, 0, false).unwrap();
        assert_eq!(p.state, State::ToReport);
        assert_eq!(
            transition(p, Actor::Unit(a), Command::Report { superior: None }),
            Err(Refusal::NoPath)
        );
        let p = transition(p, Actor::Unit(a), Command::Report { superior: Some(b) }).unwrap();
        assert_eq!(
            p,
            Position {
                state: State::Pending,
                holder: Some(b)
            }
        );
        assert_eq!(
            transition(p, Actor::Unit(b), Command::Return { failed_modules: 0 }),
            Err(Refusal::NothingFailed)
        );
        assert_eq!(approve(p, b, 1, true), Err(Refusal::ModulesFailed));
        let p = transition(p, Actor::Unit(b), Command::Return { failed_modules: 1 }).unwrap();
        assert_eq!(
            p,
            Position {
                state: State::Returned,
                holder: None
            }
        );
        let p = submit(p, a, true).unwrap();
        assert_eq!(
            p.holder,
            Some(a),
            "a resubmission starts again at the 申报单位"
        );
        let p = approve(p, a, 0, true).unwrap();
        assert_eq!(p.state, State::Approved);
        for cmd in [
            Command::Delete,
            Command::Submit {
                declare_unit: a,
                complete: true,
            },
        ] {
            assert_eq!(
                transition(p, Actor::Applicant, cmd),
                Err(Refusal::WrongState)
            );
        }
    }

    #[test]
    fn withdrawal_only_before_the_declare_unit_acts() {
        let a = unit(1);
        let p = Position {
            state: State::Pending,
            holder: Some(a),
        };
        let w = |acted| {
            transition(
                p,
                Actor::Applicant,
                Command::Withdraw {
                    declare_unit: a,
                    acted_this_round: acted,
                },
            )
        };
        assert_eq!(w(false).unwrap().state, State::Draft);
        assert_eq!(w(true), Err(Refusal::AlreadyReviewed));
        let upstream = Position {
            state: State::Pending,
            holder: Some(unit(2)),
        };
        assert_eq!(
            transition(
                upstream,
                Actor::Applicant,
                Command::Withdraw {
                    declare_unit: a,
                    acted_this_round: false
                }
            ),
            Err(Refusal::AlreadyReviewed)
        );
    }

    /// A model of who may move an application, checked against `transition` for random walks.
    fn arb_command() -> impl Strategy<Value = (bool, Command)> {
        let u = (1u128..4).prop_map(unit);
        prop_oneof![
            (u.clone(), any::<bool>()).prop_map(|(d, c)| (
                true,
                Command::Submit {
                    declare_unit: d,
                    complete: c
                }
            )),
            (u.clone(), any::<bool>()).prop_map(|(d, a)| (
                true,
                Command::Withdraw {
                    declare_unit: d,
                    acted_this_round: a
                }
            )),
            Just((true, Command::Delete)),
            (0usize..2, any::<bool>()).prop_map(|(f, fa)| (
                false,
                Command::Approve {
                    failed_modules: f,
                    final_authority: fa
                }
            )),
            (0usize..2).prop_map(|f| (false, Command::Return { failed_modules: f })),
            proptest::option::of(u).prop_map(|s| (false, Command::Report { superior: s })),
        ]
    }

    proptest! {
        #[test]
        fn random_walks_respect_the_rules(steps in prop::collection::vec((arb_command(), 1u128..4), 1..40)) {
            let mut at = Position { state: State::Draft, holder: None };
            for ((by_applicant, cmd), u) in steps {
                let actor = if by_applicant { Actor::Applicant } else { Actor::Unit(unit(u)) };
                if let Ok(next) = transition(at, actor, cmd) {
                    // Units act only on what they hold; applicants only when it is with them or just sent.
                    if let Actor::Unit(u) = actor {
                        prop_assert_eq!(at.holder, Some(u));
                    }
                    // Nothing leaves 终审通过, and only an approval reaches it.
                    prop_assert_ne!(at.state, State::Approved);
                    if next.state == State::Approved {
                        let final_approval = matches!(cmd, Command::Approve { failed_modules: 0, final_authority: true });
                        prop_assert!(final_approval, "only an approval with authority is final");
                    }
                    // With the applicant means no holder; at a unit means a holder.
                    prop_assert_eq!(matches!(next.state, State::Draft | State::Returned), next.holder.is_none());
                    if !matches!(cmd, Command::Delete) {
                        at = next;
                    }
                }
            }
        }
    }

    #[test]
    fn history_actions_round_trip_and_unknown_ones_read_other() {
        for a in HistoryAction::ALL {
            assert_eq!(HistoryAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(HistoryAction::label_of("final"), "终审通过");
        assert_eq!(HistoryAction::label_of("archived"), "其他");
    }
}
