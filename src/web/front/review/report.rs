//! 外地调入上报: applications the unit approved without final authority, sent one or many
//! at a time along the unit's active reporting path for their series and level.

use crate::web::extract::Query;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::Unit;
use super::queue::{QueryForm, Row, rows};
use crate::domain::auth::SubjectKind;
use crate::domain::workflow::{Actor, Command, Position, Refusal, State as WfState, transition};
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::startup::AppState;
use crate::store::applications::{self, NewEvent};
use crate::store::audit::{self, Event, Outcome};
use crate::store::dicts::choices;
use crate::store::review::{self, PAGE_SIZE};
use crate::store::{chain, notices};
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::page::{Layout, flash_from, render, render_status};

#[derive(Template)]
#[template(path = "front/review/report.html")]
struct ReportPage {
    layout: Layout,
    q: QueryForm,
    rows: Vec<Row>,
    total: i64,
    page: u64,
    pages: u64,
    prev: String,
    next: String,
    levels: Vec<(String, String)>,
    series: Vec<(String, String)>,
    problems: Vec<String>,
}

async fn build(
    state: &AppState,
    ctx: &ReqCtx,
    unit: &crate::store::entities::unit::Model,
    user: &crate::web::session::FrontUser,
    q: QueryForm,
    problems: Vec<String>,
) -> Result<ReportPage> {
    let mut f = q.filter(state);
    f.state = Some(WfState::ToReport.as_str().into());
    f.held_now = true;
    let (list, total) = review::page(&state.db.conn, unit.id, &f, q.page_no()).await?;
    let pages = ((total.max(0) as u64).div_ceil(PAGE_SIZE)).max(1);
    let d = state.dicts();
    Ok(ReportPage {
        layout: Layout::front_with_bell(
            state,
            ctx,
            user,
            "外地调入上报",
            "/rsrc/zc/report",
            flash_from(q.m.as_deref()),
        )
        .await?,
        rows: rows(state, unit.id, list),
        total,
        page: q.page_no().min(pages - 1),
        pages,
        prev: q.with_page(q.page_no().saturating_sub(1)),
        next: q.with_page(q.page_no() + 1),
        levels: choices(&d.levels),
        series: choices(&d.series),
        problems,
        q,
    })
}

pub async fn page(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Query(q): Query<QueryForm>,
) -> Result<Response> {
    render(&build(&state, &ctx, &unit, &user, q, Vec::new()).await?)
}

#[derive(Deserialize, Default)]
pub struct ReportForm {
    /// `id:version` of each selected application.
    #[serde(default)]
    pick: Vec<String>,
}

/// 数据上报: each selected application moves to the superior on the active path, in its own
/// transaction; those without a path stay and are listed with the series and level to ask for.
pub async fn report(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    CsrfForm(form): CsrfForm<ReportForm>,
) -> Result<Response> {
    if form.pick.is_empty() {
        return Ok(Redirect::to("/rsrc/zc/report?m=select_first").into_response());
    }
    let d = state.dicts();
    let mut problems = Vec::new();
    let mut done = 0;
    let mut not_ours = 0;
    for pick in form.pick.iter().take(200) {
        let Some((id, version)) = pick.split_once(':') else {
            continue;
        };
        let Ok(id) = Uuid::parse_str(id) else {
            continue;
        };
        // Nothing about an application this unit does not hold is read, let alone named.
        let Some(a) = applications::find_any(&state.db.conn, id)
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
        if a.version.to_string() != version {
            problems.push(format!("{person}：{}", Msg::AlreadyHandled.text()));
            continue;
        }
        let (series, level) = (
            a.series_code.clone().unwrap_or_default(),
            a.level_code.clone().unwrap_or_default(),
        );
        let superior = chain::active_superior(&state.db.conn, unit.id, &series, &level).await?;
        let at = Position {
            state: applications::state(&a),
            holder: a.holder_unit_id,
        };
        let to = match transition(at, Actor::Unit(unit.id), Command::Report { superior }) {
            Ok(to) => to,
            Err(Refusal::NoPath) => {
                problems.push(format!(
                    "{person}：没有职称系列“{}”、级别“{}”的已生效上报路径，请先在“上报路径申请”中新增并等待上级单位审核",
                    d.series_name(&series),
                    d.level_name(&level)
                ));
                continue;
            }
            Err(_) => {
                problems.push(format!("{person}：{}", Msg::AlreadyHandled.text()));
                continue;
            }
        };
        let Some(superior) = to.holder else { continue };
        let now = state.now_ms();
        let tx = state.db.begin().await?;
        match applications::move_to(&*tx, &a, to, false, now).await {
            Ok(()) => {}
            Err(AppError::Conflict(m)) => {
                problems.push(format!("{person}：{}", m.text()));
                continue;
            }
            Err(e) => return Err(e),
        }
        chain::hold(&*tx, a.id, superior, now).await?;
        applications::add_event(
            &*tx,
            a.id,
            now,
            NewEvent {
                actor_kind: "unit",
                actor_id: Some(unit.id),
                actor_label: &unit.name,
                unit_id: Some(superior),
                action: "report",
                from: at.state,
                to: to.state,
                opinion: "",
            },
        )
        .await?;
        audit::append(
            &*tx,
            now,
            Event {
                actor: &user.actor(&d),
                ip: &ctx.ip.to_string(),
                action: "review_report",
                object: format!("application:{}", a.id),
                outcome: Outcome::Success,
                detail: format!("to unit:{superior}"),
            },
        )
        .await?;
        notices::notify(
            &*tx,
            (SubjectKind::Unit, superior),
            now,
            "新的外地调入申报待审核",
            &format!(
                "{}上报了{person}的外地调入资格确认申报，请在“外地调入审核”中办理。",
                unit.name
            ),
            "/rsrc/zc/review",
        )
        .await?;
        notices::notify(
            &*tx,
            (SubjectKind::Person, a.person_id),
            now,
            "申报已上报",
            &format!("{}已将您的申报上报上级单位审核。", unit.name),
            &format!("/rsrc/zc/transfer/{}/progress", a.id),
        )
        .await?;
        tx.commit().await?;
        done += 1;
    }
    if not_ours > 0 {
        problems.push(format!(
            "{not_ours} 条所选申报已不在本单位待上报之列：{}",
            Msg::AlreadyHandled.text()
        ));
    }
    if problems.is_empty() {
        return Ok(Redirect::to("/rsrc/zc/report?m=reported").into_response());
    }
    if done > 0 {
        problems.insert(0, format!("已成功上报 {done} 条；以下申报未能上报："));
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &build(&state, &ctx, &unit, &user, QueryForm::default(), problems).await?,
    )
}
