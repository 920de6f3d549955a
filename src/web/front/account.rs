//! 账号信息 / 单位信息 for people and units.

use askama::Template;
use axum::response::Response;

use super::logged_in::Member;
use crate::domain::clock::format_minutes;
use crate::error::Result;
use crate::web::page::{Layout, render};
use crate::web::session::FrontUser;

#[derive(Template)]
#[template(path = "front/account.html")]
struct AccountPage {
    layout: Layout,
    rows: Vec<(&'static str, String)>,
    note: &'static str,
}

pub async fn show(me: Member) -> Result<Response> {
    let (title, rows, note) = match &me.user {
        FrontUser::Person(p) => (
            "账号信息",
            vec![
                ("姓名", p.name.clone()),
                ("身份证号", p.id_masked.clone()),
                ("性别", p.sex.clone()),
                ("出生日期", p.birth_date.clone()),
                ("手机号", p.phone_masked.clone()),
                ("注册时间", format_minutes(p.created_at)),
            ],
            "姓名和身份证号注册后不能修改。",
        ),
        FrontUser::Unit(u) => (
            "单位信息",
            vec![
                ("单位名称", u.name.clone()),
                ("统一社会信用代码", u.credit_code.clone()),
                (
                    "所属地区",
                    me.state
                        .dicts()
                        .region(&u.region_code)
                        .map(|r| r.name.clone())
                        .unwrap_or_default(),
                ),
                ("联系人", u.contact_name.clone()),
                ("联系电话", u.contact_phone_masked.clone()),
                ("注册时间", format_minutes(u.created_at)),
            ],
            "单位名称注册后不能自行修改，如需更正请联系所属地区人社局。",
        ),
    };
    let active = "/rsrc/zc/account";
    render(&AccountPage {
        layout: me.layout(title, active, None).await?,
        rows,
        note,
    })
}
