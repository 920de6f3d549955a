//! The back office: no default admin, password login, one-time passwords, who creates whom.

use reqwest::{Client, Response, StatusCode};
use zhicheng::domain::auth::AdminRole;

use crate::helpers::*;

/// Posts the 新增用户 form.
async fn new_admin(app: &TestApp, c: &Client, fields: Fields<'_>) -> Response {
    let page = app.back_url("/sdmanager/admins/new");
    app.post_form(c, &page, &page, fields).await
}

#[tokio::test]
async fn a_fresh_install_has_no_back_office_user() {
    let app = TestApp::spawn().await;
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM admins").await, 0);
    for name in ["admin", "root", "sysadmin", "administrator"] {
        for pw in ["admin", "admin123", "Admin@123", PASSWORD] {
            let res = app.admin_login(&TestApp::new_client(), name, pw).await;
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
}

#[tokio::test]
async fn a_province_admin_logs_in_and_creates_a_city_admin_who_must_change_the_password() {
    let app = TestApp::spawn().await;
    let client = app.admin("sysadmin", "370000", AdminRole::System).await;
    let home = get_html(&client, &app.back_url("/sdmanager/home")).await;
    assert!(
        home.contains("职称后台")
            && home.contains("山东省人力资源和社会保障厅")
            && home.contains("后台用户管理")
    );

    let res = new_admin(
        &app,
        &client,
        &[
            ("username", "jn_admin"),
            ("display_name", "赵六"),
            ("bureau", "370100"),
            ("role", "system"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let marker = "id=\"initial-password\">";
    let start = html.find(marker).expect("the one-time password is shown") + marker.len();
    let initial = html[start..].split('<').next().unwrap().to_owned();
    assert!(initial.len() >= 12);
    let list = get_html(&client, &app.back_url("/sdmanager/admins")).await;
    assert!(list.contains("jn_admin") && list.contains("济南市人力资源和社会保障局"));
    assert!(app.audited_as("admin_create", "success").await);

    // The city admin must replace the one-time password before anything else.
    let city = TestApp::new_client();
    let res = app.admin_login(&city, "jn_admin", &initial).await;
    assert_eq!(location(&res), "/sdmanager/home");
    let res = fetch(&city, &app.back_url("/sdmanager/home")).await;
    assert_eq!(location(&res), "/sdmanager/password?m=must_change_password");
    let pw = app.back_url("/sdmanager/password");
    let res = app
        .change_password(&city, &pw, &initial, "City#Pass2027")
        .await;
    assert_eq!(location(&res), "/sdmanager/home?m=password_changed");
    assert_eq!(
        status_of(&city, &app.back_url("/sdmanager/home")).await,
        StatusCode::OK
    );

    // A city admin creates users for its own city only.
    let res = new_admin(
        &app,
        &city,
        &[
            ("username", "qd_admin"),
            ("display_name", "钱七"),
            ("bureau", "370200"),
            ("role", "operator"),
        ],
    )
    .await;
    invalid(res, &[("bureau", "请选择所属人社局")]).await;
    let list = get_html(&city, &app.back_url("/sdmanager/admins")).await;
    assert!(!list.contains("sysadmin"), "a city sees only its own users");
}

#[tokio::test]
async fn operators_and_auditors_cannot_manage_users() {
    let app = TestApp::spawn().await;
    for (name, role) in [("op", AdminRole::Operator), ("aud", AdminRole::Auditor)] {
        let client = app.admin(name, "370000", role).await;
        let home = get_html(&client, &app.back_url("/sdmanager/home")).await;
        assert!(
            !home.contains("后台用户管理"),
            "the menu holds only what works"
        );
        assert_eq!(
            status_of(&client, &app.back_url("/sdmanager/admins")).await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status_of(&client, &app.back_url("/sdmanager/admins/new")).await,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn duplicate_usernames_are_refused_with_a_message() {
    let app = TestApp::spawn().await;
    let client = app.admin("sysadmin", "370000", AdminRole::System).await;
    let res = new_admin(
        &app,
        &client,
        &[
            ("username", "sysadmin"),
            ("display_name", "赵六"),
            ("bureau", "370100"),
            ("role", "operator"),
        ],
    )
    .await;
    expect_errors(res, StatusCode::CONFLICT, &[("username", "该用户名已存在")]).await;
    let res = new_admin(
        &app,
        &client,
        &[
            ("username", "x"),
            ("display_name", ""),
            ("bureau", "370100"),
            ("cert_fingerprint", "abc"),
        ],
    )
    .await;
    shows_errors(
        res,
        &[
            ("username", "用户名为3至32位字母、数字或下划线"),
            (
                "cert_fingerprint",
                "证书指纹应为SHA-256指纹（64位十六进制字符，可带冒号）",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn back_office_sessions_expire_after_fifteen_idle_minutes() {
    let app = TestApp::spawn().await;
    let client = app.admin("sysadmin", "370000", AdminRole::System).await;
    let home = app.back_url("/sdmanager/home");
    let res = app.fetch_after(14, &client, &home).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.fetch_after(16, &client, &home).await;
    assert_eq!(
        location(&res),
        "/sdmanager?m=session_expired&next=%2Fsdmanager%2Fhome"
    );
}

#[tokio::test]
async fn the_back_office_answers_only_the_allowed_networks() {
    let far = TestApp::spawn_with(|s| s.back_allow = vec!["10.20.0.0/16".parse().unwrap()]).await;
    let c = TestApp::new_client();
    for path in ["/sdmanager", "/sdmanager/home", "/healthz"] {
        let res = fetch(&c, &far.back_url(path)).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(text_of(res).await.contains("当前网络不允许访问管理后台"));
    }
    let res = post_raw(
        &c,
        far.back_url("/sdmanager/login"),
        &[("username", "x"), ("password", "y")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "nor a login attempt");
    assert_eq!(
        status_of(&c, &far.url("/rsrc/")).await,
        StatusCode::OK,
        "the front site is for everyone"
    );
    let near = TestApp::spawn_with(|s| {
        s.back_allow = vec![
            "10.20.0.0/16".parse().unwrap(),
            "127.0.0.1".parse().unwrap(),
        ]
    })
    .await;
    assert_eq!(
        status_of(&c, &near.back_url("/sdmanager")).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_grants_list_pages_by_fifty_with_links_to_older_requests() {
    let app = TestApp::spawn().await;
    let (code, name, _) = app.register_unit().await;
    let unit = app.unit_id(&code).await;
    let region: String = app
        .value(
            &format!("SELECT region_code FROM units WHERE credit_code = '{code}'"),
            "region_code",
        )
        .await;
    for i in 0..120i64 {
        zhicheng::store::exec(
            &app.state.db.conn,
            "INSERT INTO final_grants (id, unit_id, level_code, bureau_code, state, live_key, opinion, decided_by, created_at, decided_at) \
             VALUES (?, ?, '3', ?, 'refused', NULL, '', NULL, ?, ?)",
            vec![
                uuid::Uuid::now_v7().into(),
                unit.into(),
                region.clone().into(),
                (1_000_000 + i / 2).into(),
                (2_000_000 + i).into(),
            ],
        )
        .await
        .unwrap();
    }
    let op = app
        .admin_client("grantop", &region, AdminRole::Operator)
        .await;
    let mut url = app.back_url("/sdmanager/grants?state=refused");
    let mut seen = Vec::new();
    loop {
        let page = get_html(&op, &url).await;
        seen.push(page.matches(&name).count());
        let Some(end) = page.find("\">更早的申请</a>") else {
            break;
        };
        let at = page[..end].rfind("href=\"").unwrap() + 6;
        let href = page[at..end].replace("&#38;", "&");
        assert!(
            href.starts_with("/sdmanager/grants?state=refused&before="),
            "{href}"
        );
        url = app.back_url(&href);
        assert!(page.contains("每页50条"));
    }
    assert_eq!(seen, vec![50, 50, 20], "every request once, none twice");
    let bad = fetch(&op, &app.back_url("/sdmanager/grants?before=yesterday")).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
