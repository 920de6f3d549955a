//! 修改密码 and 找回密码 through a code sent by SMS.

use reqwest::StatusCode;

use crate::helpers::*;

/// The 8-digit code in the message text.
fn sms_code(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 8)
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_forgotten_password_is_reset_with_a_one_time_code() {
    let app = TestApp::spawn().await;
    let (id, phone) = app.register_person("张三").await;
    let (logged_in, _) = (TestApp::new_client(), ());
    assert_eq!(
        app.login(&logged_in, "person", &id, PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    let client = TestApp::new_client();
    let res = app.forgot_password(&client, &id, &phone).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("验证码已发送"));
    let code = sms_code(&app.sms.last_to(&phone).expect("an SMS"));
    assert_eq!(code.len(), 8);
    let ticket = field_value(&html, "ticket").unwrap();
    let token = token_in(&html).unwrap();

    let post = |code: String, pw: &'static str| {
        let (client, ticket, token, url) = (
            client.clone(),
            ticket.clone(),
            token.clone(),
            app.url("/rsrc/password/reset"),
        );
        async move {
            client
                .post(url)
                .form(&[
                    ("_csrf", token.as_str()),
                    ("ticket", &ticket),
                    ("code", &code),
                    ("password", pw),
                    ("password2", pw),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let wrong = post("00000000".into(), "New#Pass2027").await;
    shows_errors(wrong, &[("code", "验证码不正确")]).await;
    let weak = post(code.clone(), "weakpass").await;
    assert!(field_error(&weak.text().await.unwrap(), "password").is_some());
    let ok = post(code.clone(), "New#Pass2027").await;
    assert_eq!(location(&ok), "/rsrc/?m=reset_done");
    // Used once only.
    let again = post(code.clone(), "Other#Pass2027").await;
    shows_errors(again, &[("code", "验证码已失效，请重新获取")]).await;
    // The old password is gone, the new one works, and earlier sessions ended.
    assert_eq!(
        app.login(&TestApp::new_client(), "person", &id, PASSWORD)
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        location(
            &app.login(&TestApp::new_client(), "person", &id, "New#Pass2027")
                .await
        ),
        "/rsrc/portal"
    );
    assert_eq!(
        status_of(&logged_in, &app.url("/rsrc/zc")).await,
        StatusCode::SEE_OTHER
    );
    assert!(app.audited_as("password_reset", "success").await);
}

#[tokio::test]
async fn codes_expire_are_rate_limited_and_never_go_to_a_number_that_does_not_match() {
    let app = TestApp::spawn().await;
    let (id, phone) = app.register_person("张三").await;
    let client = TestApp::new_client();
    let forgot = |p: String| {
        let (client, id) = (client.clone(), id.clone());
        let app = &app;
        async move {
            app.forgot_password(&client, &id, &p)
                .await
                .text()
                .await
                .unwrap()
        }
    };
    let other = "13900000000".to_owned();
    let html = forgot(other.clone()).await;
    assert!(
        html.contains("若账号与注册手机号一致"),
        "the page does not tell whether the number matched"
    );
    assert!(app.sms.last_to(&other).is_none());

    let html = forgot(phone.clone()).await;
    let first = sms_code(&app.sms.last_to(&phone).unwrap());
    let ticket = field_value(&html, "ticket").unwrap();
    // A second request within a minute sends nothing, and says nothing a stranger could
    // tell a match by (the same answer as a number that does not match).
    let html2 = forgot(phone.clone()).await;
    assert!(html2.contains("若账号与注册手机号一致") && !html2.contains("过于频繁"));
    assert_eq!(app.state_sms_count(&phone), 1);

    app.clock.advance_minutes(11);
    let token = token_in(&html).unwrap();
    let res = client
        .post(app.url("/rsrc/password/reset"))
        .form(&[
            ("_csrf", token.as_str()),
            ("ticket", &ticket),
            ("code", &first),
            ("password", "New#Pass2027"),
            ("password2", "New#Pass2027"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "the ticket and the code expire after 10 minutes"
    );
}

#[tokio::test]
async fn changing_a_password_needs_the_current_one() {
    let app = TestApp::spawn().await;
    let (client, id) = app.person_client().await;
    let page = app.url("/rsrc/zc/password");
    let res = app
        .change_password(&client, &page, "Wrong#pass1", "New#Pass2027")
        .await;
    shows_errors(res, &[("current", "当前密码不正确")]).await;
    let res = app
        .change_password(&client, &page, PASSWORD, "New#Pass2027")
        .await;
    assert_eq!(location(&res), "/rsrc/zc/password?m=password_changed");
    assert!(
        get_html(&client, &app.url("/rsrc/zc/password?m=password_changed"))
            .await
            .contains("密码修改成功")
    );
    assert_eq!(
        location(
            &app.login(&TestApp::new_client(), "person", &id, "New#Pass2027")
                .await
        ),
        "/rsrc/portal"
    );
}
