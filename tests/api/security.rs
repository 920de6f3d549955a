//! The holes an outside attacker found, each shut (issue 15): grants outside the region,
//! look-alike names, the password spray, account enumeration by lockout and by 找回密码,
//! foreign names in 数据上报, the form token bound to its session, throttled search and
//! exports, and refused accesses in the audit log.

use reqwest::{Client, StatusCode, redirect};
use zhicheng::domain::auth::AdminRole;

use crate::helpers::*;

/// Registers a unit named `name`; the status of the last step reached.
async fn register_named_unit(app: &TestApp, name: &str) -> StatusCode {
    app.register_unit_named(name).await.1
}

#[tokio::test]
async fn a_unit_asks_for_final_authority_only_at_its_city_or_the_province() {
    let app = TestApp::spawn().await;
    let (code, name, _) = app.register_unit().await; // a 济南 unit
    let unit = app.unit_client(&code).await;
    let page = get_html(&unit, &app.url("/rsrc/zc/grants")).await;
    assert!(page.contains("value=\"370100\"") && page.contains("value=\"370000\""));
    assert!(
        !page.contains("value=\"370200\""),
        "another city's bureau is not offered"
    );
    let ask = |bureau: &'static str| {
        let (unit, app) = (unit.clone(), &app);
        async move {
            app.post_page(
                &unit,
                "/rsrc/zc/grants",
                "/rsrc/zc/grants",
                &[("level", "3"), ("bureau", bureau)],
            )
            .await
        }
    };
    let res = ask("370200").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(res).await.contains("只能向本单位所在市"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM final_grants").await, 0);

    // Asked of the province, the unit's own city sees it but only the province decides.
    assert_eq!(
        location(&ask("370000").await),
        "/rsrc/zc/grants?m=grant_requested"
    );
    let jn = app
        .admin_client("jn_op", "370100", AdminRole::Operator)
        .await;
    let list = get_html(&jn, &app.back_url("/sdmanager/grants")).await;
    assert!(list.contains(&name) && list.contains("向山东省人力资源和社会保障厅申请"));
    assert!(
        !list.contains("value=\"approve\""),
        "no decision offered on another bureau's request"
    );
    let grant: uuid::Uuid = app.value("SELECT id FROM final_grants", "id").await;
    let token = token_in(&list).unwrap();
    let res = jn
        .post(app.back_url(&format!("/sdmanager/grants/{grant}/decide")))
        .form(&[("_csrf", token.as_str()), ("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM final_grants WHERE state = 'pending'")
            .await,
        1
    );
}

/// How many units carry exactly this name.
async fn units_named(app: &TestApp, name: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) AS n FROM units WHERE name = '{name}'"
    ))
    .await
}

#[tokio::test]
async fn look_alike_unit_names_are_one_name() {
    let app = TestApp::spawn().await;
    let base = unit_name();
    assert_eq!(
        register_named_unit(&app, &base).await,
        StatusCode::SEE_OTHER
    );
    let (head, tail) = base.split_at(base.char_indices().nth(2).unwrap().0);
    for twin in [
        format!("{head}\u{200B}{tail}"),
        format!("{head}\u{202E}{tail}"),
        format!("{base}\u{FEFF}"),
    ] {
        assert_ne!(
            register_named_unit(&app, &twin).await,
            StatusCode::SEE_OTHER,
            "{twin:?} is the same name"
        );
    }
    // Full-width letters are stored as their plain forms.
    let wide = format!("{base}ＡＢ");
    assert_eq!(
        register_named_unit(&app, &wide).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(units_named(&app, &format!("{base}AB")).await, 1);
    // Chinese brackets are kept, and ASCII ones are the same name.
    let branch = format!("{base}（分公司）");
    assert_eq!(
        register_named_unit(&app, &branch).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(units_named(&app, &branch).await, 1);
    assert_ne!(
        register_named_unit(&app, &format!("{base}(分公司)")).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM units").await, 3);
}

#[tokio::test]
async fn a_successful_login_does_not_clear_the_clients_failures() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_person("张三").await;
    // Every client of a test comes from 127.0.0.1: one address spraying one password.
    let spray = |account: String| {
        let app = &app;
        async move {
            app.login(&TestApp::new_client(), "person", &account, PASSWORD)
                .await
        }
    };
    for _ in 0..2 {
        let res = spray(citizen_id()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(location(&spray(id.clone()).await), "/rsrc/portal");
    let res = spray(citizen_id()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Three failures from this address in the window: the captcha is asked even for the
    // account whose password it knows.
    let res = spray(id).await;
    assert!(text_of(res).await.contains("请输入验证码"));
}

/// The answer to a login without its per-request values (form token, captcha id).
async fn login_answer(app: &TestApp, id: &str) -> (StatusCode, String) {
    let res = app
        .login(&TestApp::new_client(), "person", id, "Wrong#pass1")
        .await;
    let status = res.status();
    let mut html = res.text().await.unwrap().replace(id, "ID");
    if let Some(token) = token_in(&html) {
        html = html.replace(&token, "TOKEN");
    }
    // The lockout's end is the time of each answer plus the lockout: two answers a moment
    // apart may fall either side of a minute.
    if let Some(at) = html.find("请于 ") {
        let from = at + "请于 ".len();
        if let Some(len) = html[from..].find(" 后再试") {
            html.replace_range(from..from + len, "TIME");
        }
    }
    let start = html.find("<main").unwrap_or(0);
    (status, html[start..].to_owned())
}

#[tokio::test]
async fn the_lockout_answers_alike_for_registered_and_unknown_numbers() {
    let app = TestApp::spawn_with(|s| s.captcha = false).await;
    let (registered, _) = app.register_person("张三").await;
    let unknown = citizen_id();
    for round in 1..=5 {
        let known = login_answer(&app, &registered).await;
        let nobody = login_answer(&app, &unknown).await;
        assert_eq!(known, nobody, "answer {round} tells the accounts apart");
        if round == 5 {
            assert!(known.1.contains("账号已锁定"));
        }
    }
    let locked = login_answer(&app, &unknown).await;
    assert!(locked.1.contains("账号已锁定"), "the stand-in lock holds");
}

/// The 找回密码 answer without its per-request values (form token, ticket).
fn without_secrets(html: &str) -> String {
    let mut out = html.to_owned();
    for name in ["_csrf", "ticket"] {
        while let Some(v) = field_value(&out, name) {
            out = out.replace(&format!("name=\"{name}\" value=\"{v}\""), "");
        }
    }
    out
}

#[tokio::test]
async fn password_recovery_answers_alike_whether_or_not_the_number_matches() {
    let app = TestApp::spawn().await;
    let (id, phone) = app.register_person("张三").await;
    let client = TestApp::new_client();
    let forgot = |p: &str| {
        let (client, id, p, app) = (client.clone(), id.clone(), p.to_owned(), &app);
        async move {
            let res = app.forgot_password(&client, &id, &p).await;
            (res.status(), res.text().await.unwrap())
        }
    };
    let (s1, wrong) = forgot("13900000000").await;
    let (s2, right) = forgot(&phone).await;
    let (s3, too_soon) = forgot(&phone).await;
    assert_eq!(app.state_sms_count(&phone), 1);
    assert_eq!((s1, s2), (s2, s3));
    assert_eq!(without_secrets(&wrong), without_secrets(&right));
    assert_eq!(without_secrets(&right), without_secrets(&too_soon));
    let (t_wrong, t_right) = (
        field_value(&wrong, "ticket").unwrap(),
        field_value(&right, "ticket").unwrap(),
    );
    assert_eq!(t_wrong.len(), t_right.len(), "tickets of one size");

    // The next step answers alike too: a wrong code, and a password with the ID number in it.
    let reset = |ticket: String, password: String| {
        let (client, app) = (client.clone(), &app);
        async move {
            let token = app.csrf(&client, &app.url("/rsrc/password/forgot")).await;
            let res = client
                .post(app.url("/rsrc/password/reset"))
                .form(&[
                    ("_csrf", token.as_str()),
                    ("ticket", &ticket),
                    ("code", "12345678"),
                    ("password", &password),
                    ("password2", &password),
                ])
                .send()
                .await
                .unwrap();
            (res.status(), without_secrets(&res.text().await.unwrap()))
        }
    };
    for password in ["New#Pass2027".to_owned(), format!("Zc#{id}")] {
        assert_eq!(
            reset(t_wrong.clone(), password.clone()).await,
            reset(t_right.clone(), password).await
        );
    }
}

#[tokio::test]
async fn reporting_someone_elses_application_names_nobody() {
    let app = TestApp::spawn().await;
    let ch = app.chain().await;
    let page = get_html(&ch.unit_b, &app.url("/rsrc/zc/report")).await;
    let token = token_in(&page).unwrap();
    let res = ch
        .unit_b
        .post(app.url("/rsrc/zc/report"))
        .form(&[
            ("_csrf", token.as_str()),
            ("pick", &format!("{}:1", ch.a.app_id)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("已不在本单位待上报之列"));
    assert!(!html.contains("张三"), "the applicant is not named");
}

#[tokio::test]
async fn a_form_token_from_outside_the_session_is_refused() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_person("张三").await;
    // A client without a cookie store: every cookie is the test's choice.
    let raw = Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let first = fetch(&raw, &app.url("/rsrc/")).await;
    let pre = cookie_value(&first, "zc_csrf").unwrap();
    let res = post_with(
        &raw,
        app.url("/rsrc/login"),
        ("cookie", &format!("zc_csrf={pre}")),
        &person_login_form(&pre, &id),
    )
    .await;
    assert_eq!(location(&res), "/rsrc/portal");
    let sid = cookie_value(&res, "zc_sid").unwrap();
    let own = cookie_value(&res, "zc_csrf").unwrap();
    assert_ne!(own, pre, "login issues the session's own token");
    let post = |token: String| {
        let (raw, sid, app) = (raw.clone(), sid.clone(), &app);
        async move {
            post_with(
                &raw,
                app.url("/rsrc/zc/transfer/new"),
                ("cookie", &format!("zc_sid={sid}; zc_csrf={token}")),
                &[("_csrf", token.as_str()), ("phone", "1")],
            )
            .await
            .status()
        }
    };
    // A planted pair (cookie and field agree, as a cookie-tossing attacker would arrange).
    assert_eq!(
        post("planted-token-0123456789".into()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(pre).await,
        StatusCode::FORBIDDEN,
        "the pre-login token"
    );
    assert_ne!(post(own).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn unit_search_and_exports_are_throttled() {
    let app = TestApp::spawn().await;
    let (client, _) = app.person_client().await;
    let mut statuses = Vec::new();
    for _ in 0..121 {
        statuses.push(status_of(&client, &app.url("/rsrc/api/units?q=%E6%B5%8E%E5%8D%97")).await);
    }
    assert!(statuses[..120].iter().all(|s| *s == StatusCode::OK));
    assert_eq!(statuses[120], StatusCode::TOO_MANY_REQUESTS);

    let (code, _, _) = app.register_unit().await;
    let unit = app.unit_client(&code).await;
    let mut last = StatusCode::OK;
    for i in 0..31 {
        last = status_of(&unit, &app.url("/rsrc/zc/review/export")).await;
        if i < 30 {
            assert_eq!(last, StatusCode::OK, "export {i}");
        }
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

const DENIED: &str =
    "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'access_denied' AND outcome = 'denied'";

#[tokio::test]
async fn refused_accesses_are_audited_within_a_budget() {
    let app = TestApp::spawn().await;
    let (client, _) = app.person_client().await;
    let foreign = uuid::Uuid::now_v7();
    let res = fetch(
        &client,
        &app.url(&format!("/rsrc/zc/transfer/{foreign}/progress")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count(DENIED).await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'access_denied' AND actor_kind = 'person'")
            .await,
        1,
        "the person is named as the actor"
    );
    // An auditor on the business pages: 403, audited too.
    let auditor = app.admin_client("aud", "370000", AdminRole::Auditor).await;
    let res = fetch(&auditor, &app.back_url("/sdmanager/units")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count(DENIED).await, 2);
    // A scanner does not flood the log.
    for _ in 0..40 {
        fetch(
            &client,
            &app.url(&format!(
                "/rsrc/zc/transfer/{}/progress",
                uuid::Uuid::now_v7()
            )),
        )
        .await;
    }
    assert_eq!(app.count(DENIED).await, 30);
}
