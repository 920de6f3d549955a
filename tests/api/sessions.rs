//! Sessions: database-backed, rotated at login, ended by logout, idle and absolute timeouts;
//! every state change is protected against cross-site requests.

use reqwest::StatusCode;
use reqwest::header::COOKIE;

use zhicheng::domain::auth::Realm;

use crate::helpers::*;

#[tokio::test]
async fn login_sets_a_new_httponly_lax_session_cookie_and_ignores_a_planted_one() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_person("张三").await;
    let client = TestApp::new_client();
    let token = app.csrf(&client, &app.url("/rsrc/")).await;
    let planted = "planted-session-value-0123456789";
    let res = post_with(
        &client,
        app.url("/rsrc/login"),
        (
            COOKIE.as_str(),
            &format!("zc_sid={planted}; zc_csrf={token}"),
        ),
        &person_login_form(&token, &id),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = session_cookie(&res, "zc_sid").expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    let value = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("zc_sid=");
    assert_ne!(value, planted);
    assert!(value.len() >= 43, "at least 256 bits of randomness, base64");
    // The planted value does not log anyone in.
    let res = fetch_with(
        &TestApp::new_client(),
        &app.url("/rsrc/portal"),
        (COOKIE.as_str(), &format!("zc_sid={planted}")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Logging in again gives yet another session id.
    let again = app
        .login(&TestApp::new_client(), "person", &id, PASSWORD)
        .await;
    let second = session_cookie(&again, "zc_sid").unwrap();
    assert_ne!(second.split(';').next(), cookie.split(';').next());
    // The table holds only hashes of session ids.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM sessions WHERE id_hash = '{value}'"
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn logout_ends_the_session_and_the_old_cookie_no_longer_works() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_person("张三").await;
    let client = TestApp::new_client();
    let login = app.login(&client, "person", &id, PASSWORD).await;
    let old = session_cookie(&login, "zc_sid")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let portal = fetch(&client, &app.url("/rsrc/portal")).await;
    assert_eq!(portal.status(), StatusCode::OK);
    let token = app.csrf(&client, &app.url("/rsrc/zc")).await;
    let res = client
        .post(app.url("/rsrc/logout"))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/rsrc/?m=logged_out");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM sessions").await, 0);
    // Replaying the old cookie from another client is refused.
    let replay = fetch_with(
        &TestApp::new_client(),
        &app.url("/rsrc/zc"),
        (COOKIE.as_str(), &old),
    )
    .await;
    assert_eq!(replay.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&replay), "/rsrc/?m=session_expired");
    assert!(app.audited_as("logout", "success").await);
}

#[tokio::test]
async fn sessions_expire_after_thirty_idle_minutes() {
    let app = TestApp::spawn().await;
    let (client, _) = app.person_client().await;
    let zc = app.url("/rsrc/zc");
    let res = app.fetch_after(29, &client, &zc).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.fetch_after(29, &client, &zc).await;
    assert_eq!(res.status(), StatusCode::OK, "activity keeps it alive");
    let res = app.fetch_after(31, &client, &zc).await;
    assert_eq!(location(&res), "/rsrc/?m=session_expired");
}

#[tokio::test]
async fn sessions_end_after_twelve_hours_however_active() {
    let app = TestApp::spawn().await;
    let (client, _) = app.person_client().await;
    let zc = app.url("/rsrc/zc");
    for _ in 0..(12 * 60 / 20 - 1) {
        let res = app.fetch_after(20, &client, &zc).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = app.fetch_after(20, &client, &zc).await;
    assert_eq!(location(&res), "/rsrc/?m=session_expired");
}

#[tokio::test]
async fn two_processes_on_one_database_share_sessions() {
    let app = TestApp::spawn().await;
    let (client, _) = app.person_client().await;
    let other = app.sibling().await;
    let res = fetch(&client, &other.url("/rsrc/zc")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(text_of(res).await.contains("张三"));
}

#[tokio::test]
async fn cross_site_and_tokenless_posts_are_refused() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_person("张三").await;
    let client = TestApp::new_client();
    let token = app.csrf(&client, &app.url("/rsrc/")).await;
    let form = person_login_form(&token, &id);
    let login_with = |header| post_with(&client, app.url("/rsrc/login"), header, &form);
    let res = login_with(("sec-fetch-site", "cross-site")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(text_of(res).await.contains("页面已过期"));
    let res = login_with(("origin", "http://evil.example")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = post_raw(
        &client,
        app.url("/rsrc/login"),
        &person_login_form("forged-token-forged-token", &id),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = post_raw(&client, app.url("/rsrc/login"), &[("kind", "person")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Same origin with the right token works.
    let res = login_with(("sec-fetch-site", "same-origin")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn pages_need_a_login() {
    let app = TestApp::spawn().await;
    for path in [
        "/rsrc/portal",
        "/rsrc/zc",
        "/rsrc/zc/account",
        "/rsrc/zc/password",
    ] {
        let res = fetch(&TestApp::new_client(), &app.url(path)).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        // Back to the page after the login; the portal and the home page are not returns.
        let back = zhicheng::domain::auth::return_path(Realm::Front, path)
            .map(|p| format!("&next={}", zhicheng::web::percent_encode(p)))
            .unwrap_or_default();
        assert_eq!(location(&res), format!("/rsrc/?m=session_expired{back}"));
    }
    for path in [
        "/sdmanager/home",
        "/sdmanager/admins",
        "/sdmanager/admins/new",
        "/sdmanager/password",
    ] {
        let res = fetch(&TestApp::new_client(), &app.back_url(path)).await;
        assert_eq!(
            location(&res),
            format!(
                "/sdmanager?m=session_expired&next={}",
                zhicheng::web::percent_encode(path)
            ),
            "{path}"
        );
    }
    // A front-site session means nothing in the back office.
    let (client, _) = app.person_client().await;
    let res = fetch(&client, &app.back_url("/sdmanager/home")).await;
    assert_eq!(
        location(&res),
        "/sdmanager?m=session_expired&next=%2Fsdmanager%2Fhome"
    );
}

#[tokio::test]
async fn a_form_sent_after_the_timeout_leads_back_to_it_after_the_login() {
    let app = TestApp::spawn().await;
    let (client, id) = app.person_client().await;
    let form_url = app.url("/rsrc/zc/transfer/new");
    let token = app.csrf(&client, &form_url).await;
    app.clock.advance_minutes(31);
    let res = post_with(
        &client,
        &form_url,
        (reqwest::header::REFERER.as_str(), &form_url),
        &[("_csrf", token.as_str()), ("title", "x")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let login = location(&res);
    assert_eq!(
        login,
        "/rsrc/?m=session_expired&next=%2Frsrc%2Fzc%2Ftransfer%2Fnew"
    );
    let page = get_html(&client, &app.url(&login)).await;
    assert!(page.contains("登录已超时"));
    assert_eq!(
        field_value(&page, "next").as_deref(),
        Some("/rsrc/zc/transfer/new")
    );
    let res = app
        .post_page(
            &client,
            &login,
            "/rsrc/login",
            &[
                ("kind", "person"),
                ("account", id.as_str()),
                ("password", PASSWORD),
                ("next", "/rsrc/zc/transfer/new"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/rsrc/zc/transfer/new");

    // A read that meets the login comes back to itself; the home page is not a return.
    app.clock.advance_minutes(31);
    let res = fetch(&client, &app.url("/rsrc/zc/messages?before=")).await;
    assert_eq!(
        location(&res),
        "/rsrc/?m=session_expired&next=%2Frsrc%2Fzc%2Fmessages%3Fbefore%3D"
    );
}

#[tokio::test]
async fn a_login_never_sends_one_elsewhere() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_person("李四").await;
    for next in [
        "//evil.example/rsrc/zc/",
        "https://evil.example/rsrc/zc/",
        "/rsrc/zc//evil.example",
        "/sdmanager/home",
        "/rsrc/logout",
    ] {
        let client = TestApp::new_client();
        let login = app.url(&format!(
            "/rsrc/?next={}",
            zhicheng::web::percent_encode(next)
        ));
        let page = get_html(&client, &login).await;
        assert_eq!(field_value(&page, "next"), None, "{next}");
        let res = app
            .post_form(
                &client,
                &login,
                &app.url("/rsrc/login"),
                &[
                    ("kind", "person"),
                    ("account", id.as_str()),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(location(&res), "/rsrc/portal", "{next}");
    }
    // A foreign Referer on a timed-out write is not a return either.
    let (client, _) = app.person_client().await;
    let token = app.csrf(&client, &app.url("/rsrc/zc/password")).await;
    app.clock.advance_minutes(31);
    let res = post_with(
        &client,
        app.url("/rsrc/zc/password"),
        (
            reqwest::header::REFERER.as_str(),
            "https://evil.example/phish",
        ),
        &[("_csrf", token.as_str())],
    )
    .await;
    assert_eq!(location(&res), "/rsrc/?m=session_expired");
}

#[tokio::test]
async fn continuing_from_the_timeout_warning_keeps_the_session() {
    let app = TestApp::spawn().await;
    let (client, _) = app.person_client().await;
    let keepalive = app.url("/rsrc/zc/keepalive");
    for _ in 0..3 {
        app.clock.advance_minutes(28);
        let res = fetch(&client, &keepalive).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_eq!(res.headers()["cache-control"], "no-store");
    }
    let page = get_html(&client, &app.url("/rsrc/zc/transfer")).await;
    assert!(
        page.contains("data-idle=\"1800\""),
        "the page knows the idle limit"
    );
    app.clock.advance_minutes(31);
    let res = fetch(&client, &keepalive).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/rsrc/?m=session_expired"));

    let op = app
        .admin_client(
            "cityop",
            "370100",
            zhicheng::domain::auth::AdminRole::Operator,
        )
        .await;
    let res = fetch(&op, &app.back_url("/sdmanager/keepalive")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let home = get_html(&op, &app.back_url("/sdmanager/home")).await;
    assert!(home.contains("data-idle=\"900\""));
}

/// The signed-in statement, 我的申报信息 and the person's own application read their rows
/// by position (on a SQLite file on the request's own thread, `store::local`): each model
/// must come out as sea-orm reads the same row by column name, for every kind of account,
/// on every database.
#[tokio::test]
async fn the_hot_reads_read_what_sea_orm_reads() {
    use sea_orm::EntityTrait;
    use zhicheng::domain::auth::{AdminRole, SubjectKind};
    use zhicheng::infra::crypto::sha256_b64;
    use zhicheng::store::entities::{admin, application, person, session, unit};
    use zhicheng::store::{applications, sessions};

    let app = TestApp::spawn().await;
    app.register_person("张三").await;
    app.register_unit().await;
    app.create_admin("reads-op", "370000", AdminRole::Operator, false)
        .await;
    let db = &app.state.db;
    let person_id: uuid::Uuid = app.value("SELECT id FROM persons", "id").await;
    let unit_id: uuid::Uuid = app.value("SELECT id FROM units", "id").await;
    let admin_id: uuid::Uuid = app
        .value("SELECT id FROM admins WHERE username = 'reads-op'", "id")
        .await;
    let now = app.state.now_ms();
    let kinds = [
        (SubjectKind::Person, person_id, Realm::Front),
        (SubjectKind::Unit, unit_id, Realm::Front),
        (SubjectKind::Admin, admin_id, Realm::Back),
    ];
    for (kind, id, realm) in kinds {
        let new = sessions::create(&db.conn, kind, id, "10.0.0.1", Some("fp"), now)
            .await
            .unwrap();
        let by_name = session::Entity::find_by_id(sha256_b64(new.token.as_bytes()))
            .one(&db.conn)
            .await
            .unwrap()
            .unwrap();
        for bell in [false, true] {
            let signed = sessions::find_signed(db, &new.token, realm, bell)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(signed.session, by_name, "{kind:?}");
            assert_eq!(signed.unread, bell.then_some(0), "{kind:?}");
            match signed.account {
                Some(sessions::Account::Person(p)) => {
                    assert_eq!(kind, SubjectKind::Person);
                    let want = person::Entity::find_by_id(id).one(&db.conn).await.unwrap();
                    assert_eq!(Some(p), want);
                }
                Some(sessions::Account::Unit(u)) => {
                    assert_eq!(kind, SubjectKind::Unit);
                    let want = unit::Entity::find_by_id(id).one(&db.conn).await.unwrap();
                    assert_eq!(Some(u), want);
                }
                Some(sessions::Account::Admin(a)) => {
                    assert_eq!(kind, SubjectKind::Admin);
                    let want = admin::Entity::find_by_id(id).one(&db.conn).await.unwrap();
                    assert_eq!(Some(a), want);
                }
                None => panic!("{kind:?}: no account read with its session"),
            }
        }
        // A session on the other site's statement finds no account of its own kind there.
        let other = if realm == Realm::Front {
            Realm::Back
        } else {
            Realm::Front
        };
        let crossed = sessions::find_signed(db, &new.token, other, true)
            .await
            .unwrap()
            .unwrap();
        assert!(crossed.account.is_none(), "{kind:?} on {other:?}");
    }
    assert!(
        sessions::find_signed(db, "no-such-token", Realm::Front, true)
            .await
            .unwrap()
            .is_none()
    );

    let draft =
        applications::create_draft(&db.conn, &app.state.keys, now, person_id, "13800000000")
            .await
            .unwrap();
    let listed = applications::list_for_person_named(db, person_id, 50)
        .await
        .unwrap();
    let whole = application::Entity::find_by_id(draft.id)
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    let own = applications::find_for_person(db, person_id, draft.id)
        .await
        .unwrap();
    assert_eq!(own.as_ref(), Some(&whole), "the whole application");
    assert_eq!(listed.len(), 1);
    let row = &listed[0];
    assert_eq!(
        (
            row.id,
            row.state.as_str(),
            row.version,
            &row.level_code,
            row.title_id
        ),
        (
            whole.id,
            whole.state.as_str(),
            whole.version,
            &whole.level_code,
            whole.title_id
        )
    );
    assert_eq!(
        (row.updated_at, &row.serial),
        (whole.updated_at, &whole.serial)
    );
    assert_eq!(row.declare_unit, None);
}
