//! Login: generic failures, the captcha after three, the lock after five.

use reqwest::{Client, Response, StatusCode};

use crate::helpers::*;

fn login_error(html: &str) -> String {
    let marker = "id=\"login-error\">";
    html.find(marker)
        .map(|i| {
            html[i + marker.len()..]
                .split('<')
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn people_log_in_with_their_id_number_and_units_with_their_credit_code() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_person("张三").await;
    let client = TestApp::new_client();
    let res = app
        .login(&client, "person", &id.to_lowercase(), PASSWORD)
        .await;
    assert_eq!(location(&res), "/rsrc/portal");
    let portal = get_html(&client, &app.url("/rsrc/portal")).await;
    assert!(portal.contains("专业技术职称"));
    let home = get_html(&client, &app.url("/rsrc/zc")).await;
    assert!(home.contains("账号信息") && home.contains("修改密码") && home.contains("张三"));
    assert!(
        home.contains("href=\"/rsrc/zc/transfer\">外地调入资格确认</a>"),
        "the person's menu leads to the business"
    );

    let (code, name, _) = app.register_unit().await;
    let client = TestApp::new_client();
    let res = app.login(&client, "unit", &code, PASSWORD).await;
    assert_eq!(location(&res), "/rsrc/portal");
    let info = get_html(&client, &app.url("/rsrc/zc/account")).await;
    assert!(info.contains(&name) && info.contains("济南市") && info.contains("单位信息"));
    for (href, label) in [
        ("/rsrc/zc/review", "外地调入审核"),
        ("/rsrc/zc/report", "外地调入上报"),
        ("/rsrc/zc/paths", "上报路径申请"),
        ("/rsrc/zc/paths/review", "上报路径审核"),
    ] {
        assert!(
            info.contains(&format!("href=\"{href}\">{label}</a>")),
            "the unit's menu has {label}"
        );
    }
}

#[tokio::test]
async fn wrong_passwords_and_unknown_accounts_get_the_same_message() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_person("张三").await;
    let client = TestApp::new_client();
    let wrong = app.login(&client, "person", &id, "Wrong#pass1").await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = app
        .login(&client, "person", &citizen_id(), "Wrong#pass1")
        .await;
    assert_eq!(login_error(&wrong.text().await.unwrap()), "账号或密码错误");
    assert_eq!(
        login_error(&unknown.text().await.unwrap()),
        "账号或密码错误"
    );
    let actions = app.audit_actions().await;
    assert_eq!(
        actions
            .iter()
            .filter(|(a, o)| a == "login" && o == "failure")
            .count(),
        2
    );
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_for_fifteen_minutes() {
    let app = TestApp::spawn_with(|s| s.captcha = false).await;
    let (id, _) = app.register_person("张三").await;
    let client = TestApp::new_client();
    for i in 1..=4 {
        let res = app.login(&client, "person", &id, "Wrong#pass1").await;
        assert_eq!(
            login_error(&res.text().await.unwrap()),
            "账号或密码错误",
            "attempt {i}"
        );
    }
    let fifth = login_error(
        &app.login(&client, "person", &id, "Wrong#pass1")
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(
        fifth.starts_with("密码错误次数过多，账号已锁定，请于 "),
        "{fifth}"
    );
    assert!(fifth.ends_with(" 后再试"));
    // The right password is refused while locked, from any client.
    let other = TestApp::new_client();
    let res = app.login(&other, "person", &id, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(login_error(&res.text().await.unwrap()).contains("账号已锁定"));
    assert!(app.audited_as("lockout", "success").await);

    app.clock.advance_minutes(14);
    let res = app.login(&other, "person", &id, PASSWORD).await;
    assert!(login_error(&res.text().await.unwrap()).contains("账号已锁定"));
    app.clock.advance_minutes(1);
    let res = app.login(&other, "person", &id, PASSWORD).await;
    assert_eq!(location(&res), "/rsrc/portal");
}

/// Posts a person's login with the right password and an answer to the captcha.
async fn login_with_captcha(
    app: &TestApp,
    client: &Client,
    token: &str,
    id: &str,
    captcha_id: &str,
    answer: &str,
) -> Response {
    let mut form = person_login_form(token, id);
    form.extend([("captcha_id", captcha_id), ("captcha", answer)]);
    post_raw(client, app.url("/rsrc/login"), &form).await
}

#[tokio::test]
async fn a_captcha_is_asked_after_three_failures() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_person("张三").await;
    let client = TestApp::new_client();
    let mut html = String::new();
    for _ in 0..3 {
        html = app
            .login(&client, "person", &id, "Wrong#pass1")
            .await
            .text()
            .await
            .unwrap();
    }
    assert!(
        html.contains("name=\"captcha_id\""),
        "the third failure brings the captcha"
    );
    let captcha_id = field_value(&html, "captcha_id").unwrap();
    let img = fetch(&client, &app.url(&format!("/rsrc/captcha/{captcha_id}"))).await;
    assert_eq!(img.headers()["content-type"], "image/svg+xml");
    let answer = app.captchas.answer(&captcha_id).unwrap();
    assert!(!text_of(img).await.contains(&answer));

    // Without the captcha even the right password is not checked.
    let res = app.login(&client, "person", &id, PASSWORD).await;
    assert!(text_of(res).await.contains("请输入验证码"));
    // A wrong answer is refused and uses the challenge up.
    let token = app.csrf(&client, &app.url("/rsrc/")).await;
    let res = login_with_captcha(&app, &client, &token, &id, &captcha_id, "ZZZZZ").await;
    assert!(text_of(res).await.contains("验证码错误，请重新输入"));
    let res = login_with_captcha(&app, &client, &token, &id, &captcha_id, &answer).await;
    assert!(
        text_of(res).await.contains("验证码错误"),
        "a used challenge cannot be answered again"
    );

    // A fresh challenge, answered right, with the right password, logs in.
    fetch(&client, &app.url(&format!("/rsrc/captcha/{captcha_id}"))).await;
    let answer = app.captchas.answer(&captcha_id).unwrap();
    let res = login_with_captcha(
        &app,
        &client,
        &token,
        &id,
        &captcha_id,
        &answer.to_lowercase(),
    )
    .await;
    assert_eq!(location(&res), "/rsrc/portal");
}

#[tokio::test]
async fn production_refuses_to_switch_the_captcha_off() {
    let err = zhicheng::settings::Settings::for_tests("x".into(), "sqlite::memory:".into());
    let mut prod = err.clone();
    prod.mode = zhicheng::settings::Mode::Prod;
    prod.captcha = false;
    prod.cookie_secure = true;
    prod.master_key = Some("x".to_owned().into());
    let msg = prod.deploy_check().unwrap_err().to_string();
    assert!(msg.contains("ZHICHENG_CAPTCHA=off"), "{msg}");
}
