//! The bureaus' back office: units and applicants, corrections, unlocks, resets, the audit
//! viewer, statistics, and the role-and-region matrix over every back-office page.

use reqwest::{Client, Response, StatusCode};
use zhicheng::domain::auth::AdminRole;

use crate::helpers::*;

/// Where the first link to one record (`prefix` + its id) starts in a page.
fn detail_link(html: &str, prefix: &str) -> usize {
    html.match_indices(prefix)
        .map(|(i, _)| i)
        .find(|i| {
            html.get(i + prefix.len()..i + prefix.len() + 36)
                .is_some_and(|id| uuid::Uuid::parse_str(id).is_ok())
        })
        .expect("a link to a record")
}

#[tokio::test]
async fn operators_find_units_correct_names_and_the_change_is_audited() {
    let app = TestApp::spawn().await;
    let (code, name, _) = app.register_unit().await;
    let op = app.admin("jn_op", "370100", AdminRole::Operator).await;
    let (_, html) = app
        .back_get(&op, &format!("/sdmanager/units?q={code}"))
        .await;
    assert!(html.contains(&name));
    let (_, html) = app
        .back_get(&op, "/sdmanager/units?q=%E6%B5%8E%E5%8D%97")
        .await; // 济南
    assert!(html.contains(&name), "fuzzy search by two characters");
    let start = detail_link(&html, "/sdmanager/units/");
    let href: String = html[start..].chars().take_while(|c| *c != '"').collect();
    let rename = format!("{href}/rename");
    let res = app
        .back_post_page(
            &op,
            &href,
            &rename,
            &[("name", "济南市更正后的单位名称有限公司"), ("reason", "")],
        )
        .await;
    invalid(res, &[("reason", "此项为必填项")]).await;
    let res = app
        .back_post_page(
            &op,
            &href,
            &rename,
            &[
                ("name", "济南市更正后的单位名称有限公司"),
                ("reason", "营业执照变更"),
            ],
        )
        .await;
    assert!(location(&res).ends_with("m=saved"));
    let entry = zhicheng::store::audit::recent(&app.state.db.conn, Some("unit_rename"), 1)
        .await
        .unwrap();
    assert!(entry[0].detail.contains(&name) && entry[0].detail.contains("营业执照变更"));
    let (_, html) = app
        .back_get(&op, "/sdmanager/units?q=%E6%9B%B4%E6%AD%A3%E5%90%8E")
        .await; // 更正后
    assert!(
        html.contains("济南市更正后的单位名称有限公司"),
        "the search index follows the new name"
    );
    // The front site's picker too, for two characters, which it answers from the index
    // alone: the new name, with the unit's region kept beside it.
    let (person, _) = app.person_client().await;
    let found: serde_json::Value = person
        .get(app.url("/rsrc/api/units"))
        .query(&[("q", "更正")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["items"][0]["name"], "济南市更正后的单位名称有限公司");
    assert_eq!(found["items"][0]["region"], "济南市", "{found}");
    // Another city's operator cannot open it.
    let qd = app.admin("qd_op", "370200", AdminRole::Operator).await;
    assert_eq!(app.back_get(&qd, &href).await.0, StatusCode::NOT_FOUND);
    assert!(
        !app.back_get(&qd, &format!("/sdmanager/units?q={code}"))
            .await
            .1
            .contains("更正后的单位名称")
    );
}

#[tokio::test]
async fn locked_accounts_are_unlocked_and_passwords_reset_to_one_time_ones() {
    let app = TestApp::spawn_with(|s| s.captcha = false).await;
    let (code, _, _) = app.register_unit().await;
    for _ in 0..5 {
        app.login(&TestApp::new_client(), "unit", &code, "Wrong#pass1")
            .await;
    }
    assert_eq!(
        app.login(&TestApp::new_client(), "unit", &code, PASSWORD)
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let op = app.admin("sd_op", "370000", AdminRole::Operator).await;
    let (_, html) = app
        .back_get(&op, &format!("/sdmanager/units?q={code}"))
        .await;
    assert!(html.contains("已锁定"));
    let start = detail_link(&html, "/sdmanager/units/");
    let href: String = html[start..].chars().take_while(|c| *c != '"').collect();
    let res = app
        .back_post_page(&op, &href, &format!("{href}/unlock"), &[])
        .await;
    assert!(location(&res).ends_with("m=unlocked"));
    assert_eq!(
        location(
            &app.login(&TestApp::new_client(), "unit", &code, PASSWORD)
                .await
        ),
        "/rsrc/portal"
    );

    let res = app
        .back_post_page(&op, &href, &format!("{href}/reset"), &[])
        .await;
    let html = res.text().await.unwrap();
    let marker = "id=\"one-time-password\">";
    let start = html.find(marker).unwrap() + marker.len();
    let one_time: String = html[start..].chars().take_while(|c| *c != '<').collect();
    assert_eq!(
        app.login(&TestApp::new_client(), "unit", &code, PASSWORD)
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let unit = TestApp::new_client();
    assert_eq!(
        location(&app.login(&unit, "unit", &code, &one_time).await),
        "/rsrc/portal"
    );
    let res = fetch(&unit, &app.url("/rsrc/zc")).await;
    assert_eq!(
        location(&res),
        "/rsrc/zc/password?m=must_change_password",
        "the one-time password must be changed first"
    );
    assert!(app.audited("account_unlock").await);
    assert!(app.audited("account_reset_password").await);
}

#[tokio::test]
async fn applicants_are_found_by_exact_id_and_the_full_number_is_a_separate_audited_step() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_person("李雷").await;
    let op = app.admin("sd_op", "370000", AdminRole::Operator).await;
    // Searching by ID number posts the form: the number never appears in a URL.
    let res = app
        .back_post_page(
            &op,
            "/sdmanager/persons",
            "/sdmanager/persons",
            &[("q", &id)],
        )
        .await;
    let html = res.text().await.unwrap();
    assert!(
        html.contains("李雷") && html.contains(&format!("{}***********{}", &id[..3], &id[14..])),
        "masked in the list"
    );
    let start = detail_link(&html, "/sdmanager/persons/");
    let href: String = html[start..].chars().take_while(|c| *c != '"').collect();
    let (_, page) = app.back_get(&op, &href).await;
    assert!(!page.contains(&id));
    let res = app
        .back_post_page(&op, &href, &format!("{href}/reveal"), &[])
        .await;
    assert!(text_of(res).await.contains(&id));
    assert!(app.audited("pii_reveal").await);
    // A city sees only applicants with an application declared in that city.
    let jn = app.admin("jn_op", "370100", AdminRole::Operator).await;
    let res = app
        .back_post_page(
            &jn,
            "/sdmanager/persons",
            "/sdmanager/persons",
            &[("q", &id)],
        )
        .await;
    assert!(!text_of(res).await.contains("李雷"));
    assert_eq!(app.back_get(&jn, &href).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn auditors_see_the_log_and_whether_the_chain_holds() {
    let app = TestApp::spawn().await;
    app.register_person("韩梅梅").await;
    let aud = app.admin("auditor1", "370000", AdminRole::Auditor).await;
    let (status, html) = app.back_get(&aud, "/sdmanager/audit?action=register").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("韩梅梅(") && html.contains("register"));
    let (_, html) = app.back_get(&aud, "/sdmanager/audit?verify=1").await;
    assert!(html.contains("哈希链完整"));
    drop_audit_guards(&app.state.db.conn).await;
    app.execute("UPDATE audit_log SET detail = 'edited' WHERE seq = 1")
        .await
        .unwrap();
    let (_, html) = app.back_get(&aud, "/sdmanager/audit?verify=1").await;
    assert!(html.contains("哈希链在第 1 条处断开"));
}

#[tokio::test]
async fn statistics_count_the_regions_applications() {
    let app = TestApp::spawn().await;
    let a = app.applicant().await;
    a.complete().await;
    a.submit(true).await;
    let op = app.admin("jn_op", "370100", AdminRole::Operator).await;
    let (status, html) = app.back_get(&op, "/sdmanager/stats").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("id=\"stat-total\">1<")
            && html.contains("待审核")
            && html.contains("工程技术")
            && html.contains("<svg")
    );
    let qd = app.admin("qd_op", "370200", AdminRole::Operator).await;
    assert!(
        app.back_get(&qd, "/sdmanager/stats")
            .await
            .1
            .contains("id=\"stat-total\">0<"),
        "another city counts nothing of Jinan's"
    );
}

/// A state-changing route, the fields it is posted with, and the roles it is for.
type PostCase<'a> = (String, Vec<(&'a str, &'a str)>, &'a [AdminRole]);

#[tokio::test]
async fn every_back_office_page_checks_role_and_region() {
    let app = TestApp::spawn().await;
    let (code, _, _) = app.register_unit().await;
    let unit_page = format!("/sdmanager/units/{}", app.unit_id(&code).await);
    // (path, roles allowed) — every GET route of the back office.
    let routes: Vec<(String, &[AdminRole])> = vec![
        (
            "/sdmanager/home".into(),
            &[AdminRole::System, AdminRole::Operator, AdminRole::Auditor],
        ),
        (
            "/sdmanager/password".into(),
            &[AdminRole::System, AdminRole::Operator, AdminRole::Auditor],
        ),
        (
            "/sdmanager/messages".into(),
            &[AdminRole::System, AdminRole::Operator, AdminRole::Auditor],
        ),
        ("/sdmanager/admins".into(), &[AdminRole::System]),
        ("/sdmanager/admins/new".into(), &[AdminRole::System]),
        ("/sdmanager/grants".into(), &[AdminRole::Operator]),
        ("/sdmanager/units".into(), &[AdminRole::Operator]),
        ("/sdmanager/persons".into(), &[AdminRole::Operator]),
        ("/sdmanager/stats".into(), &[AdminRole::Operator]),
        ("/sdmanager/stats/export".into(), &[AdminRole::Operator]),
        ("/sdmanager/stats/details".into(), &[AdminRole::Operator]),
        ("/sdmanager/units/export".into(), &[AdminRole::Operator]),
        ("/sdmanager/audit".into(), &[AdminRole::Auditor]),
        (unit_page.clone(), &[AdminRole::Operator]),
        ("/sdmanager/dicts".into(), &[AdminRole::Operator]),
    ];
    let mut n = 0;
    for bureau in ["370000", "370100", "370200"] {
        for role in AdminRole::ALL {
            n += 1;
            let c = app.admin(&format!("u{n}"), bureau, role).await;
            // The menu offers exactly the pages the role may open.
            let home = app.back_get(&c, "/sdmanager/home").await.1;
            for (path, allowed) in &routes {
                if !path.contains("/units/")
                    && !path.ends_with("/export")
                    && !path.ends_with("/details")
                    && !path.ends_with("/new")
                {
                    let offered = home.contains(&format!("href=\"{path}\""));
                    let may = allowed.contains(&role)
                        && !(path == "/sdmanager/dicts" && bureau != "370000");
                    assert_eq!(offered, may, "menu entry {path} for {role:?} of {bureau}");
                }
            }
            for (path, allowed) in &routes {
                let status = app.back_get(&c, path).await.0;
                let expected = if !allowed.contains(&role) {
                    StatusCode::FORBIDDEN
                } else if *path == unit_page && bureau == "370200" {
                    StatusCode::NOT_FOUND // a Qingdao operator, a Jinan unit
                } else if path == "/sdmanager/dicts" && bureau != "370000" {
                    StatusCode::FORBIDDEN // dictionaries are the province's
                } else {
                    StatusCode::OK
                };
                assert_eq!(status, expected, "{role:?} of {bureau} on {path}");
            }
        }
    }
    // Every state-changing back-office route refuses the roles it is not for (with a valid
    // form token, so only the role decides); the others get past the role check.
    let nobody = uuid::Uuid::now_v7();
    let posts: Vec<PostCase> = vec![
        (
            "/sdmanager/admins/new".into(),
            vec![("username", "x")],
            &[AdminRole::System],
        ),
        (
            format!("/sdmanager/grants/{nobody}/decide"),
            vec![("decision", "approve")],
            &[AdminRole::Operator],
        ),
        (
            format!("{unit_page}/rename"),
            vec![("name", ""), ("reason", "")],
            &[AdminRole::Operator],
        ),
        (
            format!("{unit_page}/unlock"),
            vec![],
            &[AdminRole::Operator],
        ),
        (
            "/sdmanager/stats/details".into(),
            vec![("from", "2026-01-01")],
            &[AdminRole::Operator],
        ),
        (
            "/sdmanager/persons".into(),
            vec![("q", "张三")],
            &[AdminRole::Operator],
        ),
        (
            format!("/sdmanager/persons/{nobody}/reveal"),
            vec![],
            &[AdminRole::Operator],
        ),
        (
            "/sdmanager/dicts/methods".into(),
            vec![("op", "add"), ("name", "")],
            &[AdminRole::Operator],
        ),
    ];
    for bureau in ["370000", "370100"] {
        for role in AdminRole::ALL {
            n += 1;
            let c = app.admin(&format!("p{n}"), bureau, role).await;
            let token = token_in(&app.back_get(&c, "/sdmanager/home").await.1).unwrap();
            for (path, fields, allowed) in &posts {
                let mut form: Vec<(&str, &str)> = fields.clone();
                form.push(("_csrf", &token));
                let status = post_raw(&c, app.back_url(path), &form).await.status();
                let refused = status == StatusCode::FORBIDDEN;
                let should_refuse = !allowed.contains(&role)
                    || (path.starts_with("/sdmanager/dicts") && bureau != "370000");
                assert_eq!(
                    refused, should_refuse,
                    "POST {path} by {role:?} of {bureau}: {status}"
                );
            }
        }
    }
    // Anonymous: every page sends to the login.
    for (path, _) in &routes {
        assert_eq!(
            location(&fetch(&TestApp::new_client(), &app.back_url(path)).await),
            format!(
                "/sdmanager?m=session_expired&next={}",
                zhicheng::web::percent_encode(path)
            ),
            "{path}"
        );
    }
}

#[tokio::test]
async fn exports_are_workbooks_with_the_filters_masked_numbers_and_an_audit_entry() {
    use calamine::{Reader, Xlsx};
    let app = TestApp::spawn().await;
    let a = app.applicant().await;
    a.complete().await;
    a.submit(true).await;
    // The unit's review list.
    let code = zhicheng::store::accounts::unit_by_id(&app.state.db.conn, a.unit_id)
        .await
        .unwrap()
        .unwrap()
        .credit_code;
    let unit = TestApp::new_client();
    app.login(&unit, "unit", &code, PASSWORD).await;
    let res = fetch(&unit, &app.url("/rsrc/zc/review/export?state=pending")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(header(&res, "content-type").contains("spreadsheetml"));
    let bytes = res.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("外地调入审核").unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(
        rows[0][..3],
        [
            "姓名".to_owned(),
            "身份证号".to_owned(),
            "申报职称".to_owned()
        ]
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], "张三");
    assert!(rows[1][1].contains("***********"), "masked: {}", rows[1][1]);
    let res = fetch(&unit, &app.url("/rsrc/zc/review/export?state=approved")).await;
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(res.bytes().await.unwrap().to_vec())).unwrap();
    assert_eq!(
        book.worksheet_range("外地调入审核").unwrap().rows().count(),
        1,
        "the filter applies"
    );
    // The bureau's statistics.
    let op = app.admin("jn_op", "370100", AdminRole::Operator).await;
    let res = fetch(&op, &app.back_url("/sdmanager/stats/export")).await;
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(res.bytes().await.unwrap().to_vec())).unwrap();
    let states = book.worksheet_range("按状态").unwrap();
    let cells: Vec<String> = states
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(
        cells.contains(&"待审核".to_owned()) && cells.contains(&"1".to_owned()),
        "{cells:?}"
    );
    let durations: Vec<String> = book
        .worksheet_range("提交至终审")
        .unwrap()
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("=")
        })
        .collect();
    assert_eq!(durations[1..], ["终审通过数=0", "中位数=—", "90%分位=—"]);
    assert_eq!(app.audit_count("export").await, 3);
    // 申报明细: masked by default; in full only when asked with the posted form, and audited so.
    let details = |bytes: Vec<u8>| -> Vec<Vec<String>> {
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        book.worksheet_range("申报明细")
            .unwrap()
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    };
    let res = fetch(&op, &app.back_url("/sdmanager/stats/details")).await;
    let rows = details(res.bytes().await.unwrap().to_vec());
    assert_eq!(rows.len(), 2, "header and the one application: {rows:?}");
    assert_eq!(rows[0][..2], ["姓名".to_owned(), "身份证号".to_owned()]);
    assert_eq!(rows[1][0], "张三");
    assert!(rows[1][1].contains("***"), "masked: {}", rows[1][1]);
    assert_eq!(rows[1][5], "待审核");
    let res = app
        .back_post_page(
            &op,
            "/sdmanager/stats",
            "/sdmanager/stats/details",
            &[("from", ""), ("to", ""), ("series", "")],
        )
        .await;
    let rows = details(res.bytes().await.unwrap().to_vec());
    let full = &rows[1][1];
    assert!(
        full.len() == 18 && !full.contains('*') && full.starts_with(&rows[1][1][..3]),
        "in full: {full}"
    );
    assert!(app.audited_as("pii_export", "success").await);
    let qd = app.admin("qd_op", "370200", AdminRole::Operator).await;
    let res = fetch(
        &qd,
        &app.back_url("/sdmanager/stats/details?from=2000-01-01"),
    )
    .await;
    assert_eq!(
        details(res.bytes().await.unwrap().to_vec()).len(),
        1,
        "Qingdao's operator exports none of Jinan's applications"
    );
    // The bureau's units: Jinan's only, for a Jinan operator.
    let res = fetch(&op, &app.back_url("/sdmanager/units/export")).await;
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(res.bytes().await.unwrap().to_vec())).unwrap();
    let units = book.worksheet_range("单位").unwrap();
    assert_eq!(units.rows().count(), 2, "header and the one Jinan unit");
    assert_eq!(units.rows().nth(1).unwrap()[2].to_string(), "济南市");
}

/// Posts an edit of the 申报方式 dictionary (`op` and its fields) from its page.
async fn edit_methods(app: &TestApp, op: &Client, fields: Fields<'_>) -> Response {
    let page = "/sdmanager/dicts?kind=methods";
    app.back_post_page(op, page, "/sdmanager/dicts/methods", fields)
        .await
}

#[tokio::test]
async fn province_operators_edit_dictionaries_and_disabled_entries_leave_the_forms() {
    let app = TestApp::spawn().await;
    let op = app.admin("sd_op", "370000", AdminRole::Operator).await;
    let page = "/sdmanager/dicts?kind=methods";
    let res = edit_methods(&app, &op, &[("op", "add"), ("name", "人才引进专项")]).await;
    assert!(location(&res).contains("m=saved"));
    let res = edit_methods(&app, &op, &[("op", "add"), ("name", "人才引进专项")]).await;
    assert!(
        location(&res).contains("m=dict_duplicate"),
        "names are unique"
    );
    let methods = get_json(app.url("/rsrc/api/dict/declare-methods")).await;
    assert!(has_name(&methods, "人才引进专项"));
    // Disable 军队转业 (code 4): gone from new forms, still named on old records.
    let res = edit_methods(&app, &op, &[("op", "disable"), ("key", "4")]).await;
    assert!(location(&res).contains("m=saved"));
    let methods = get_json(app.url("/rsrc/api/dict/declare-methods")).await;
    assert!(!has_name(&methods, "军队转业"));
    assert_eq!(app.state.dicts().declare_method_name(Some("4")), "军队转业");
    // Rename a title and give it an alias.
    let d = app.state.dicts();
    let t = d.titles.iter().find(|t| t.name == "工程师").unwrap();
    let res = app
        .back_post_page(
            &op,
            "/sdmanager/dicts?kind=titles&series=05",
            "/sdmanager/dicts/titles",
            &[
                ("op", "rename"),
                ("key", &t.id.to_string()),
                ("name", "工程师"),
                ("aliases", "中级工程师，工程师（中级）"),
                ("series", "05"),
            ],
        )
        .await;
    assert!(location(&res).contains("m=saved"));
    assert_eq!(
        app.state.dicts().title(t.id).unwrap().aliases,
        vec!["中级工程师".to_owned(), "工程师（中级）".to_owned()]
    );
    assert!(app.audit_count("dict_change").await >= 3);
    // A city operator can neither open 字典管理 nor post a change to it.
    let jn = app.admin("jn_op", "370100", AdminRole::Operator).await;
    assert_eq!(
        status_of(&jn, &app.back_url(page)).await,
        StatusCode::FORBIDDEN
    );
    let token = app.csrf(&jn, &app.back_url("/sdmanager/home")).await;
    let form = [("op", "add"), ("name", "市级新增方式"), ("_csrf", &token)];
    let res = post_raw(&jn, app.back_url("/sdmanager/dicts/methods"), &form).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let methods = get_json(app.url("/rsrc/api/dict/declare-methods")).await;
    assert!(!has_name(&methods, "市级新增方式"));
}

#[tokio::test]
async fn an_operator_ends_all_sessions_of_an_account() {
    let app = TestApp::spawn().await;
    let (code, _, _) = app.register_unit().await;
    let unit = TestApp::new_client();
    app.login(&unit, "unit", &code, PASSWORD).await;
    assert_eq!(status_of(&unit, &app.url("/rsrc/zc")).await, StatusCode::OK);
    let op = app.admin("sd_op", "370000", AdminRole::Operator).await;
    let id = app.unit_id(&code).await;
    let page = format!("/sdmanager/units/{id}");
    let res = app
        .back_post_page(&op, &page, &format!("{page}/logout"), &[])
        .await;
    assert!(location(&res).ends_with("m=sessions_ended"));
    assert_eq!(
        location(&fetch(&unit, &app.url("/rsrc/zc")).await),
        "/rsrc/?m=session_expired"
    );
    assert!(app.audited("account_kill_sessions").await);
}

#[tokio::test]
async fn dormant_back_office_accounts_are_disabled_with_their_sessions() {
    let app = TestApp::spawn().await;
    let active = app.admin("active_op", "370000", AdminRole::Operator).await;
    app.create_admin("dormant", "370100", AdminRole::Operator, false)
        .await;
    // 91 days on, the one who logged in just now… would also be stale: log in again first.
    app.clock.advance_minutes(91 * 24 * 60);
    let again = TestApp::new_client();
    assert_eq!(
        location(&app.admin_login(&again, "active_op", PASSWORD).await),
        "/sdmanager/home"
    );
    let n = zhicheng::app::housekeeping::disable_inactive(&app.state, app.state.now_ms())
        .await
        .unwrap();
    assert_eq!(n, 1, "only the account unused for 90 days");
    let res = app
        .admin_login(&TestApp::new_client(), "dormant", PASSWORD)
        .await;
    assert!(text_of(res).await.contains("账号已停用"));
    assert_eq!(
        status_of(&again, &app.back_url("/sdmanager/home")).await,
        StatusCode::OK
    );
    let _ = active;
    assert!(app.audited("account_disable_inactive").await);
}

/// Registers 张三 and returns the person's id.
async fn registered_person(app: &TestApp) -> uuid::Uuid {
    app.register_person("张三").await;
    app.only_id("SELECT id FROM persons").await
}

/// An application row without form content, for the statistics tests; `submission` is
/// (when, region), or None for one never submitted.
async fn bare_application(
    db: &sea_orm::DatabaseConnection,
    person: uuid::Uuid,
    state: &str,
    level: &str,
    series: &str,
    submission: Option<(i64, &str)>,
) -> uuid::Uuid {
    let id = uuid::Uuid::now_v7();
    zhicheng::store::exec(
        db,
        "INSERT INTO applications (id, person_id, state, version, round, phone_cipher, phone_masked, level_code, series_code, \
         original, transfer, education, work, created_at, updated_at, submitted_at, submitted_month, declare_region) \
         VALUES (?, ?, ?, 1, 1, '', '', ?, ?, '{}', '{}', '[]', '[]', 0, 0, ?, ?, ?)",
        vec![
            id.into(),
            person.into(),
            state.into(),
            level.into(),
            series.into(),
            submission.map(|s| s.0).into(),
            submission
                .map(|s| zhicheng::domain::clock::month_of(s.0))
                .into(),
            submission.map(|s| s.1.to_owned()).into(),
        ],
    )
    .await
    .unwrap();
    id
}

/// The statistics cube is kept by triggers; whatever inserts, moves, edits or deletes
/// applications, it must say what a full scan of the applications says, for every grouping
/// and for filters that cut months.
#[tokio::test]
async fn statistics_cube_matches_a_full_scan() {
    use rand::{Rng, SeedableRng};
    use sea_orm::Value;
    use zhicheng::domain::clock::{day_bound_ms, month_of};
    use zhicheng::store::stats::{
        StatsFilter, counts, counts_scanned, durations, durations_scanned,
    };

    let app = TestApp::spawn().await;
    let person = registered_person(&app).await;
    let db = &app.state.db.conn;
    let run = |sql: &'static str, v: Vec<Value>| zhicheng::store::exec(db, sql, v);
    let states = ["draft", "pending", "returned", "to_report", "approved"];
    let series = ["01", "05", "12"];
    let levels = ["1", "2", "3"];
    let regions = ["370100", "370200", "371300"];
    let start = day_bound_ms("2025-11-20", false).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut ids: Vec<uuid::Uuid> = Vec::new();
    for round in 0..6 {
        for _ in 0..40 {
            let submitted =
                start + rng.gen_range(0..120i64) * 86_400_000 + rng.gen_range(0..86_400_000);
            let submission = rng
                .gen_bool(0.85)
                .then(|| (submitted, regions[rng.gen_range(0..3)]));
            ids.push(
                bare_application(
                    db,
                    person,
                    states[rng.gen_range(0..5)],
                    levels[rng.gen_range(0..3)],
                    series[rng.gen_range(0..3)],
                    submission,
                )
                .await,
            );
        }
        for _ in 0..60 {
            let id = ids[rng.gen_range(0..ids.len())];
            match rng.gen_range(0..7) {
                0 => run("UPDATE applications SET state = ?, version = version + 1 WHERE id = ?", vec![states[rng.gen_range(0..5)].into(), id.into()]).await,
                1 => run("UPDATE applications SET series_code = ?, level_code = ? WHERE id = ?", vec![series[rng.gen_range(0..3)].into(), levels[rng.gen_range(0..3)].into(), id.into()]).await,
                2 => {
                    // A resubmission in a later month.
                    let at = start + rng.gen_range(60..200i64) * 86_400_000;
                    run("UPDATE applications SET submitted_at = ?, submitted_month = ?, declare_region = ? WHERE id = ?", vec![at.into(), month_of(at).into(), regions[rng.gen_range(0..3)].into(), id.into()]).await
                }
                3 => run("UPDATE applications SET updated_at = updated_at + 1 WHERE id = ?", vec![id.into()]).await,
                // A final approval some hours after the submission (or taken back).
                4 | 5 => {
                    let took = rng.gen_bool(0.9).then(|| rng.gen_range(0..2000i64) * 3_600_000 + rng.gen_range(0..3_600_000));
                    run("UPDATE applications SET final_at = submitted_at + ? WHERE id = ?", vec![took.into(), id.into()]).await
                }
                _ => run("DELETE FROM applications WHERE id = ?", vec![id.into()]).await,
            }
            .unwrap();
        }
        let cut = |d: &str, end| day_bound_ms(d, end);
        let filters = [
            StatsFilter::default(),
            StatsFilter {
                region: Some("370100".into()),
                ..Default::default()
            },
            StatsFilter {
                series: Some("05".into()),
                region: Some("370200".into()),
                ..Default::default()
            },
            StatsFilter {
                from_ms: cut("2025-12-10", false),
                to_ms: cut("2026-02-14", true),
                ..Default::default()
            },
            StatsFilter {
                from_ms: cut("2026-01-01", false),
                to_ms: cut("2026-02-28", true),
                series: Some("01".into()),
                ..Default::default()
            },
            StatsFilter {
                from_ms: cut("2026-01-05", false),
                to_ms: cut("2026-01-25", true),
                ..Default::default()
            },
            StatsFilter {
                from_ms: None,
                to_ms: cut("2026-03-03", true),
                region: Some("371300".into()),
                ..Default::default()
            },
        ];
        for f in &filters {
            for by in ["state", "series", "level", "city", "month"] {
                let mut scanned = counts_scanned(db, f, by).await.unwrap();
                scanned.sort();
                let cube = counts(db, f, by).await.unwrap();
                assert_eq!(cube, scanned, "round {round}, by {by}, {f:?}");
            }
            assert_eq!(
                durations(db, f).await.unwrap(),
                durations_scanned(db, f).await.unwrap(),
                "durations, round {round}, {f:?}"
            );
        }
    }
    let total: i64 = counts(db, &StatsFilter::default(), "state")
        .await
        .unwrap()
        .iter()
        .map(|r| r.1)
        .sum();
    assert!(
        total > 50,
        "the walk leaves submitted applications to count ({total})"
    );
    let (_, _, timed) = durations(db, &StatsFilter::default()).await.unwrap();
    assert!(timed > 5, "the walk leaves approvals to time ({timed})");
}

/// Applications moving between the same two cube cells in opposite directions at once:
/// on PostgreSQL each trigger locks the smaller cell first, so none of them deadlocks.
#[tokio::test]
async fn opposite_moves_between_two_cells_do_not_deadlock() {
    use zhicheng::store::stats::{StatsFilter, counts, counts_scanned};

    let app = TestApp::spawn().await;
    let person = registered_person(&app).await;
    let db = &app.state.db.conn;
    let mut ids = Vec::new();
    for i in 0..16 {
        let state = if i % 2 == 0 { "pending" } else { "to_report" };
        // All in one cell but for the state: same month, region, series and level.
        ids.push(
            bare_application(
                db,
                person,
                state,
                "3",
                "05",
                Some((1_790_000_000_000, "370100")),
            )
            .await,
        );
    }
    let flips = ids.iter().map(|id| {
        let state = app.state.clone();
        let id = *id;
        async move {
            for _ in 0..8 {
                let tx = state.db.begin().await.unwrap();
                zhicheng::store::exec(
                    &*tx,
                    "UPDATE applications SET state = CASE state WHEN 'pending' THEN 'to_report' ELSE 'pending' END WHERE id = ?",
                    vec![id.into()],
                )
                .await
                .expect("no deadlock between opposite moves");
                // Hold the cell locks a moment so the transactions overlap.
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                tx.commit().await.unwrap();
            }
        }
    });
    futures::future::join_all(flips).await;
    let f = StatsFilter::default();
    let mut scanned = counts_scanned(db, &f, "state").await.unwrap();
    scanned.sort();
    assert_eq!(counts(db, &f, "state").await.unwrap(), scanned);
    assert_eq!(
        scanned,
        [("pending".to_owned(), 8), ("to_report".to_owned(), 8)]
    );
}
