//! The 转入表: downloaded by the applicant, opened by the units on its chain, verified by anyone.

use askama::Template;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::app::applications as app_applications;
use crate::domain::clock::{CST, format_minutes, from_ms};
use crate::domain::workflow::State as WfState;
use crate::error::{AppError, Result};
use crate::infra::pdf::{Step, TransferForm};
use crate::messages::Msg;
use crate::store::audit::Actor;
use crate::store::entities::application;
use crate::store::{accounts, applications};
use crate::web::context::ReqCtx;
use crate::web::front::review::{Applicant, Steps, name_of, original_rows};
use crate::web::page::{Layout, render};
use crate::web::session::Visitor;

fn date_of(ms: i64) -> String {
    from_ms(ms).to_offset(CST).date().to_string()
}

/// Gathers what the form prints: the applicant, the application's rows and its steps, in
/// three statements (the person, the history and its units; the application is given).
pub async fn form_data(state: &AppState, a: &application::Model) -> Result<TransferForm> {
    let d = state.dicts();
    let person = accounts::person_by_id(&state.db.conn, a.person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let applicant = Applicant::of(state, &person);
    let b = applications::basic(&state.keys, a);
    let original = original_rows(&d, &applications::modules(a).original);
    let get = |k: &str| {
        original
            .iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let history = Steps::load(state, a, &b).await?;
    let mut steps = Vec::new();
    let mut final_unit = String::new();
    for e in history.events {
        let action = match e.action.as_str() {
            "approve" => "审核通过",
            "final" => "终审通过",
            "return" => "退回",
            "report" => "上报",
            _ => continue,
        };
        // A report names the receiving unit; the step belongs to the sender.
        let unit = if e.action == "report" {
            e.actor_label.clone()
        } else {
            history.units.name(e.unit_id)
        };
        if e.action == "final" {
            final_unit = unit.clone();
        }
        steps.push(Step {
            unit,
            action: action.into(),
            opinion: e.opinion.clone(),
            date: date_of(e.at),
        });
    }
    let serial = a.serial.clone().unwrap_or_default();
    Ok(TransferForm {
        verify_url: format!("{}/rsrc/verify/{serial}", state.settings.public_url),
        serial,
        name: applicant.name,
        sex: applicant.sex,
        birth_date: applicant.birth_date,
        id_number: applicant.id_number,
        original_title: get("职称名称"),
        original_series: get("职称系列"),
        original_level: get("职称级别"),
        original_issuer: get("评审/发证机构"),
        original_region: get("发证省份或系统"),
        original_date: get("取得时间"),
        original_certificate: get("证书编号"),
        original_approval: get("批准文号"),
        series: name_of(a.series_code.as_deref(), |s| d.series_name(s)),
        level: name_of(b.level.as_deref(), |l| d.level_name(l)),
        title: d.title_name(b.title).to_owned(),
        specialty: d.specialty_name(b.specialty).to_owned(),
        declare_unit: history.declare_unit,
        work_unit: history.work_unit,
        steps,
        final_unit,
        final_date: a.final_at.map(date_of).unwrap_or_default(),
        printed: format_minutes(state.now_ms()),
    })
}

/// Sends the PDF of an approved application and records the download.
pub async fn send(
    state: &AppState,
    ctx: &ReqCtx,
    actor: &Actor,
    a: &application::Model,
) -> Result<Response> {
    if applications::state(a) != WfState::Approved || a.serial.is_none() {
        return Err(AppError::NotFound);
    }
    let data = form_data(state, a).await?;
    let pdf = match state.pdf().recent(&data) {
        Some(pdf) => Ok(pdf),
        None => {
            let (state, data) = (state.clone(), data.clone());
            crate::infra::cpu::run("typesetting", move || state.pdf().render(&data)).await?
        }
    };
    let pdf = match pdf {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "the 转入表 could not be typeset");
            return Err(AppError::Conflict(Msg::FormUnavailable));
        }
    };
    let object = format!("application:{}", a.id);
    ctx.record(state, actor, "form_download", object, data.serial.clone())
        .await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"transfer-{}.pdf\"; filename*=UTF-8''%E8%BD%AC%E5%85%A5%E8%A1%A8-{}.pdf", data.serial, data.serial)),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        axum::body::Bytes::from_owner(pdf),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "front/verify.html")]
struct VerifyPage {
    layout: Layout,
    serial: String,
    genuine: bool,
    name: String,
    title: String,
    level: String,
    series: String,
    unit: String,
    date: String,
}

/// The public check behind the QR code. A serial whose tag does not verify is refused
/// without touching the database.
pub async fn verify(
    Visitor { state, ctx, .. }: Visitor,
    Path(serial): Path<String>,
) -> Result<Response> {
    let serial = crate::domain::text::printed_serial(&serial);
    let mut page = VerifyPage {
        layout: Layout::public(&ctx, "转入表真伪验证", None),
        serial: serial.clone(),
        genuine: false,
        name: String::new(),
        title: String::new(),
        level: String::new(),
        series: String::new(),
        unit: String::new(),
        date: String::new(),
    };
    if let Some(v) = app_applications::verified(&state, &serial).await? {
        let d = state.dicts();
        let mut chars = v.person_name.chars();
        page.name = chars
            .next()
            .map(|c| format!("{c}{}", "*".repeat(chars.count())))
            .unwrap_or_default();
        page.title = d.title_name(v.title_id).to_owned();
        page.level = name_of(v.level_code.as_deref(), |l| d.level_name(l));
        page.series = name_of(v.series_code.as_deref(), |s| d.series_name(s));
        page.unit = v.unit_name.unwrap_or_default();
        page.date = v.final_at.map(date_of).unwrap_or_default();
        page.genuine = true;
    }
    let status = if page.genuine {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    render(&page).map(|r| (status, r).into_response())
}
