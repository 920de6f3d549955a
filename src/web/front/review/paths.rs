//! 上报路径申请 (with 新增 and the 外地调入终审权限申请 button), 上报路径审核.

use crate::web::extract::Query;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::Unit;
use crate::domain::account::FieldErrors;
use crate::domain::account::parse_text;
use crate::domain::auth::SubjectKind;
use crate::domain::chain::{PathRefusal, check_new_path};
use crate::domain::clock::format_minutes;
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::startup::AppState;
use crate::store::audit::{self, Event, Outcome};
use crate::store::dicts::choices;
use crate::store::entities::unit;
use crate::store::{accounts, chain, notices};
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::front::FlashQuery;
use crate::web::page::{Layout, flash_from, render, render_status};
use crate::web::session::{FrontUser, bureau_name};

pub struct PathRow {
    pub id: String,
    pub from: String,
    pub to: String,
    pub series: String,
    pub level: String,
    pub state: &'static str,
    pub colour: &'static str,
    pub pending: bool,
    pub opinion: String,
    pub created: String,
    pub decided: String,
}

fn path_rows(state: &AppState, list: Vec<chain::Path>) -> Vec<PathRow> {
    let d = state.dicts();
    list.into_iter()
        .map(|p| PathRow {
            id: p.id.to_string(),
            from: p.from_name,
            to: p.to_name,
            series: d.series_name(&p.series).to_owned(),
            level: d.level_name(&p.level).to_owned(),
            state: p.standing.path_label(),
            colour: p.standing.colour(),
            pending: p.standing == crate::domain::chain::Standing::Pending,
            opinion: p.opinion,
            created: format_minutes(p.created_at),
            decided: p.decided_at.map(format_minutes).unwrap_or_default(),
        })
        .collect()
}

#[derive(Deserialize, Default, Clone)]
pub struct PathForm {
    #[serde(default)]
    superior: String,
    #[serde(default)]
    superior_name: String,
    #[serde(default)]
    series: String,
    #[serde(default)]
    level: String,
}

#[derive(Template)]
#[template(path = "front/review/paths.html")]
struct PathsPage {
    layout: Layout,
    rows: Vec<PathRow>,
    form: PathForm,
    errors: FieldErrors,
    series: Vec<(String, String)>,
    levels: Vec<(String, String)>,
}

impl PathsPage {
    fn err(&self, f: &str) -> &'static str {
        self.errors.get(f).unwrap_or("")
    }
}

async fn paths_page(
    state: &AppState,
    ctx: &ReqCtx,
    unit: &unit::Model,
    user: &FrontUser,
    form: PathForm,
    errors: FieldErrors,
    flash: Option<crate::web::page::Flash>,
) -> Result<PathsPage> {
    let d = state.dicts();
    Ok(PathsPage {
        layout: Layout::front_with_bell(state, ctx, user, "上报路径申请", "/rsrc/zc/paths", flash)
            .await?,
        rows: path_rows(state, chain::paths_from(&state.db.conn, unit.id).await?),
        form,
        errors,
        series: choices(&d.series),
        levels: choices(&d.levels),
    })
}

pub async fn mine(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Query(q): Query<FlashQuery>,
) -> Result<Response> {
    render(
        &paths_page(
            &state,
            &ctx,
            &unit,
            &user,
            PathForm::default(),
            FieldErrors::default(),
            flash_from(q.m.as_deref()),
        )
        .await?,
    )
}

/// 新增: asks a superior unit for a path for one series and level.
pub async fn create(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    CsrfForm(mut form): CsrfForm<PathForm>,
) -> Result<Response> {
    let d = state.dicts();
    let mut errors = FieldErrors::default();
    let superior = match Uuid::parse_str(form.superior.trim()).ok() {
        Some(id) => accounts::unit_by_id(&state.db.conn, id).await?,
        None if !form.superior_name.trim().is_empty() => {
            accounts::unit_by_name(&state.db.conn, form.superior_name.trim()).await?
        }
        None => None,
    };
    match &superior {
        Some(s) => {
            form.superior = s.id.to_string();
            form.superior_name = s.name.clone();
        }
        None => errors.add(
            "superior",
            if form.superior_name.trim().is_empty() {
                Msg::Required
            } else {
                Msg::UnitNotFound
            },
        ),
    }
    if !d.series.iter().any(|s| s.enabled && s.code == form.series) {
        errors.add("series", Msg::BadChoice);
    }
    if !d.levels.iter().any(|s| s.enabled && s.code == form.level) {
        errors.add("level", Msg::BadChoice);
    }
    let Some(superior) = superior.filter(|_| errors.is_empty()) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &paths_page(&state, &ctx, &unit, &user, form, errors, None).await?,
        );
    };
    // The cycle check walks the live paths of the same series and level.
    let mut next = std::collections::HashMap::new();
    let mut at = superior.id;
    for _ in 0..64 {
        match chain::live_superior(&state.db.conn, at, &form.series, &form.level).await? {
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
    if let Err(r) = check_new_path(unit.id, superior.id, |u| next.get(&u).copied()) {
        errors.add(
            "superior",
            if r == PathRefusal::ToSelf {
                Msg::PathToSelf
            } else {
                Msg::PathCycle
            },
        );
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &paths_page(&state, &ctx, &unit, &user, form, errors, None).await?,
        );
    }
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    let id = match chain::create_path(&*tx, unit.id, superior.id, &form.series, &form.level, now)
        .await
    {
        Ok(id) => id,
        Err(AppError::Conflict(m)) => {
            drop(tx);
            errors.add("series", m);
            return render_status(
                StatusCode::CONFLICT,
                &paths_page(&state, &ctx, &unit, &user, form, errors, None).await?,
            );
        }
        Err(e) => return Err(e),
    };
    audit::append(
        &*tx,
        now,
        Event {
            actor: &user.actor(&d),
            ip: &ctx.ip.to_string(),
            action: "path_request",
            object: format!("path:{id}"),
            outcome: Outcome::Success,
            detail: format!(
                "to unit:{} series {} level {}",
                superior.id, form.series, form.level
            ),
        },
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
            d.series_name(&form.series),
            d.level_name(&form.level)
        ),
        "/rsrc/zc/paths/review",
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/rsrc/zc/paths?m=path_requested").into_response())
}

#[derive(Template)]
#[template(path = "front/review/paths_review.html")]
struct AskedPage {
    layout: Layout,
    rows: Vec<PathRow>,
}

pub async fn asked(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Query(q): Query<FlashQuery>,
) -> Result<Response> {
    render(&AskedPage {
        layout: Layout::front_with_bell(
            &state,
            &ctx,
            &user,
            "上报路径审核",
            "/rsrc/zc/paths/review",
            flash_from(q.m.as_deref()),
        )
        .await?,
        rows: path_rows(&state, chain::paths_to(&state.db.conn, unit.id).await?),
    })
}

#[derive(Deserialize, Default)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    opinion: String,
}

/// 通过 / 不通过 of a path asked of this unit.
pub async fn decide(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecideForm>,
) -> Result<Response> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let path = chain::path(&state.db.conn, id)
        .await?
        .filter(|p| p.to_unit == unit.id)
        .ok_or(AppError::NotFound)?;
    let approve = form.decision == "approve";
    let opinion = parse_text(&form.opinion, 500, !approve)
        .map_err(|_| AppError::Conflict(Msg::OpinionRequired))?;
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    chain::decide_path(&*tx, id, unit.id, approve, &opinion, now).await?;
    audit::append(
        &*tx,
        now,
        Event {
            actor: &user.actor(&state.dicts()),
            ip: &ctx.ip.to_string(),
            action: if approve {
                "path_approve"
            } else {
                "path_refuse"
            },
            object: format!("path:{id}"),
            outcome: Outcome::Success,
            detail: opinion.clone(),
        },
    )
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
    Ok(Redirect::to("/rsrc/zc/paths/review?m=decided").into_response())
}

pub struct GrantRow {
    pub level: String,
    pub bureau: String,
    pub state: &'static str,
    pub colour: &'static str,
    pub opinion: String,
    pub created: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct GrantForm {
    #[serde(default)]
    level: String,
    #[serde(default)]
    bureau: String,
}

#[derive(Template)]
#[template(path = "front/review/grants.html")]
struct GrantsPage {
    layout: Layout,
    rows: Vec<GrantRow>,
    form: GrantForm,
    errors: FieldErrors,
    levels: Vec<(String, String)>,
    bureaus: Vec<(String, String)>,
}

impl GrantsPage {
    fn err(&self, f: &str) -> &'static str {
        self.errors.get(f).unwrap_or("")
    }
}

async fn grants_page(
    state: &AppState,
    ctx: &ReqCtx,
    unit: &unit::Model,
    user: &FrontUser,
    form: GrantForm,
    errors: FieldErrors,
    flash: Option<crate::web::page::Flash>,
) -> Result<GrantsPage> {
    let d = state.dicts();
    let rows = chain::grants_of_unit(&state.db.conn, unit.id)
        .await?
        .into_iter()
        .map(|g| GrantRow {
            level: d.level_name(&g.level).to_owned(),
            bureau: d
                .region(&g.bureau)
                .map(|r| bureau_name(&r.name))
                .unwrap_or_default(),
            state: g.standing.grant_label(),
            colour: g.standing.colour(),
            opinion: g.opinion,
            created: format_minutes(g.created_at),
        })
        .collect();
    Ok(GrantsPage {
        layout: Layout::front_with_bell(
            state,
            ctx,
            user,
            "外地调入终审权限申请",
            "/rsrc/zc/paths",
            flash,
        )
        .await?,
        rows,
        form,
        errors,
        levels: choices(&d.levels),
        bureaus: d
            .regions
            .iter()
            .filter(|r| crate::domain::chain::grant_bureau_allowed(&unit.region_code, &r.code))
            .map(|r| (r.code.clone(), bureau_name(&r.name)))
            .collect(),
    })
}

pub async fn grants(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Query(q): Query<FlashQuery>,
) -> Result<Response> {
    let form = GrantForm {
        bureau: unit.region_code.clone(),
        ..Default::default()
    };
    render(
        &grants_page(
            &state,
            &ctx,
            &unit,
            &user,
            form,
            FieldErrors::default(),
            flash_from(q.m.as_deref()),
        )
        .await?,
    )
}

/// 保存 of 外地调入终审权限申请: 证书等级 and 所属机构; the bureau decides in the back office.
pub async fn request_grant(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    CsrfForm(form): CsrfForm<GrantForm>,
) -> Result<Response> {
    let d = state.dicts();
    let mut errors = FieldErrors::default();
    if !d.levels.iter().any(|l| l.enabled && l.code == form.level) {
        errors.add("level", Msg::BadChoice);
    }
    if d.region(&form.bureau).is_none() {
        errors.add("bureau", Msg::BureauUnknown);
    } else if !crate::domain::chain::grant_bureau_allowed(&unit.region_code, &form.bureau) {
        errors.add("bureau", Msg::BureauNotOwn);
    }
    if !errors.is_empty() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &grants_page(&state, &ctx, &unit, &user, form, errors, None).await?,
        );
    }
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    let id = match chain::request_grant(&*tx, unit.id, &form.level, &form.bureau, now).await {
        Ok(id) => id,
        Err(AppError::Conflict(m)) => {
            drop(tx);
            errors.add("level", m);
            return render_status(
                StatusCode::CONFLICT,
                &grants_page(&state, &ctx, &unit, &user, form, errors, None).await?,
            );
        }
        Err(e) => return Err(e),
    };
    audit::append(
        &*tx,
        now,
        Event {
            actor: &user.actor(&d),
            ip: &ctx.ip.to_string(),
            action: "grant_request",
            object: format!("grant:{id}"),
            outcome: Outcome::Success,
            detail: format!("level {} bureau {}", form.level, form.bureau),
        },
    )
    .await?;
    // Every back-office user of that bureau who handles grants is told.
    for admin in accounts::admins_of(&*tx, Some(&form.bureau), 200).await? {
        if admin.role == crate::domain::auth::AdminRole::Operator.as_str() && !admin.disabled {
            notices::notify(
                &*tx,
                (SubjectKind::Admin, admin.id),
                now,
                "新的外地调入终审权限申请",
                &format!(
                    "{}申请{}外地调入终审权限。",
                    unit.name,
                    d.level_name(&form.level)
                ),
                "/sdmanager/grants",
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(Redirect::to("/rsrc/zc/grants?m=grant_requested").into_response())
}
