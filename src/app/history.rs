//! The history row and the audit entry that every step of an application writes together,
//! whether the applicant fills it in (`applications`) or moves it along (`workflow`).

use uuid::Uuid;

use super::Caller;
use crate::domain::workflow::{HistoryAction, State};
use crate::error::Result;
use crate::store::applications::{self, NewEvent};
use crate::store::audit::Actor;
use crate::store::entities::{person, unit};

/// Who took one step of an application's history, at which unit, and with what opinion.
pub(super) struct Step {
    kind: &'static str,
    id: Uuid,
    label: String,
    unit: Option<Uuid>,
    action: HistoryAction,
    opinion: String,
}

impl Step {
    /// A step by the applicant; `unit` is the 申报单位 once the step concerns it.
    pub(super) fn by_person(p: &person::Model, unit: Option<Uuid>, action: HistoryAction) -> Self {
        Step {
            kind: "person",
            id: p.id,
            label: Actor::person_label(p),
            unit,
            action,
            opinion: String::new(),
        }
    }

    /// A step by a reviewing unit, placed at `at`: the unit itself, or the superior it
    /// reports to.
    pub(super) fn by_unit(u: &unit::Model, at: Uuid, action: HistoryAction) -> Self {
        Step {
            kind: "unit",
            id: u.id,
            label: u.name.clone(),
            unit: Some(at),
            action,
            opinion: String::new(),
        }
    }

    /// The opinion the history shows with the step.
    pub(super) fn with_opinion(mut self, opinion: impl Into<String>) -> Self {
        self.opinion = opinion.into();
        self
    }

    pub(super) fn action(&self) -> HistoryAction {
        self.action
    }

    /// The step's history row for application `app`, moving it `from` → `to`, and the
    /// caller's audit entry with `detail`, both in the caller's transaction `c`.
    pub(super) async fn record(
        &self,
        c: &impl sea_orm::ConnectionTrait,
        caller: &Caller,
        app: Uuid,
        (from, to): (State, State),
        now: i64,
        detail: impl Into<String>,
    ) -> Result<()> {
        applications::add_event(
            c,
            app,
            now,
            NewEvent {
                actor_kind: self.kind,
                actor_id: Some(self.id),
                actor_label: &self.label,
                unit_id: self.unit,
                action: self.action,
                from,
                to,
                opinion: &self.opinion,
            },
        )
        .await?;
        caller
            .record(
                c,
                now,
                audit_action(self.action),
                format!("application:{app}"),
                detail,
            )
            .await
    }
}

/// The audit log's name for each step of the history; 终审通过 is audited as the 通过 it is.
fn audit_action(step: HistoryAction) -> &'static str {
    match step {
        HistoryAction::Create => "application_create",
        HistoryAction::Save => "application_save",
        HistoryAction::Submit => "application_submit",
        HistoryAction::Withdraw => "application_withdraw",
        HistoryAction::Approve | HistoryAction::Final => "review_approve",
        HistoryAction::Return => "review_return",
        HistoryAction::Report => "review_report",
    }
}
