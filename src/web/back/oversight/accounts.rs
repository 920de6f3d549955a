//! 解锁, 强制下线 and 重置密码 of units' and persons' accounts.

use askama::Template;
use axum::response::{IntoResponse, Redirect, Response};

use super::operator_scope;
use crate::app::oversight::{self as app_oversight, AccountAction};
use crate::domain::auth::SubjectKind;
use crate::error::{AppError, Result};
use crate::web::extract::{NoFields, Posted};
use crate::web::page::{Layout, render};
use crate::web::session::{AdminUser, Signed};

/// 解锁, 强制下线 or 重置密码 of a unit's account (`UNIT`) or a person's.
pub async fn account<const UNIT: bool>(
    Posted(signed, (id, action), _): super::super::Post<NoFields, (String, String)>,
) -> Result<Response> {
    let kind = if UNIT {
        SubjectKind::Unit
    } else {
        SubjectKind::Person
    };
    account_action(signed, (kind, id), action).await
}

async fn account_action(
    Signed { state, ctx, user }: Signed<AdminUser>,
    (kind, id): (SubjectKind, String),
    action: String,
) -> Result<Response> {
    let scope = operator_scope(&user)?;
    let (subject, back) = match kind {
        SubjectKind::Unit => {
            let u = app_oversight::unit_in(&state, scope.as_deref(), &id).await?;
            (
                (SubjectKind::Unit, u.id),
                format!("/sdmanager/units/{}", u.id),
            )
        }
        SubjectKind::Person => {
            let pid = app_oversight::person_in(&state, scope.as_deref(), &id)
                .await?
                .id;
            (
                (SubjectKind::Person, pid),
                format!("/sdmanager/persons/{pid}"),
            )
        }
        SubjectKind::Admin => return Err(AppError::NotFound),
    };
    let act = AccountAction::parse(&action).ok_or(AppError::NotFound)?;
    let caller = ctx.admin_caller(&state, &user);
    let one_time = app_oversight::account_action(&state, &caller, subject, act).await?;
    match one_time {
        // The one-time password is shown once, on this response only.
        Some(pw) => render(&OneTimePage {
            layout: Layout::back(&ctx, &user, "重置密码", "", None),
            password: pw,
            back,
        }),
        None if action == "logout" => {
            Ok(Redirect::to(&format!("{back}?m=sessions_ended")).into_response())
        }
        None => Ok(Redirect::to(&format!("{back}?m=unlocked")).into_response()),
    }
}

#[derive(Template)]
#[template(path = "back/one_time.html")]
struct OneTimePage {
    layout: Layout,
    password: String,
    back: String,
}
