//! 个人注册 and 单位注册: the confirm step, field messages, uniqueness under a race.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn a_person_registers_through_the_confirm_step() {
    let app = TestApp::spawn().await;
    let client = TestApp::new_client();
    let (id, phone) = (citizen_id(), phone());
    let res = app
        .register_person_check(&client, "张三", &id, &phone, PASSWORD)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("请核对注册信息"));
    assert!(
        html.contains(&id),
        "the confirm step shows the ID number typed"
    );
    assert!(html.contains("确认之后个人姓名、身份证号无法修改"));
    assert!(
        !html.contains(PASSWORD),
        "the password never comes back to the browser"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM persons").await,
        0,
        "nothing is created before 确认"
    );

    let done = app
        .confirm(&client, &html, "/rsrc/register/person/confirm")
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/rsrc/register/done?kind=person");
    let page = get_html(&client, &app.url("/rsrc/register/done?kind=person")).await;
    assert!(page.contains("注册成功") && page.contains(">登录</a>"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM persons").await, 1);
    assert!(app.audited_as("register", "success").await);
    // The person can log in straight away.
    let res = app.login(&client, "person", &id, PASSWORD).await;
    assert_eq!(location(&res), "/rsrc/portal");
}

#[tokio::test]
async fn bad_input_comes_back_with_a_message_beside_each_field_and_the_values_kept() {
    let app = TestApp::spawn().await;
    let client = TestApp::new_client();
    let id = citizen_id();
    let long_name = "张".repeat(31);
    let res = app
        .post_page(
            &client,
            "/rsrc/register/person",
            "/rsrc/register/person",
            &[
                ("name", &long_name),
                ("id_number", &corrupt(&id)),
                ("phone", "12345"),
                ("password", "abc"),
                ("password2", "abd"),
            ],
        )
        .await;
    let html = invalid(
        res,
        &[
            ("name", "姓名只能包含汉字、字母、空格和“·”，最长30个字"),
            ("id_number", "身份证号校验位不正确，请核对后重新输入"),
            ("phone", "请输入11位手机号码"),
            ("password", "密码至少8位"),
        ],
    )
    .await;
    assert!(
        html.contains(&format!("value=\"{}\"", corrupt(&id))),
        "the typed ID number is kept"
    );
    assert!(html.contains("value=\"12345\""));

    let res = app
        .post_page(
            &client,
            "/rsrc/register/person",
            "/rsrc/register/person",
            &[("name", ""), ("id_number", &id)],
        )
        .await;
    shows_errors(res, &[("name", "此项为必填项"), ("phone", "此项为必填项")]).await;

    // Weak and mismatched passwords, and one holding the birth date.
    for (pw, pw2, field, msg) in [
        (
            "abcdefgh",
            "abcdefgh",
            "password",
            "密码须包含大写字母、小写字母、数字、符号中的至少三类",
        ),
        (
            "P@ssw0rd",
            "P@ssw0rd",
            "password",
            "该密码过于常见，请换一个",
        ),
        (
            "Ab#19850315",
            "Ab#19850315",
            "password",
            "密码不能包含身份证号、出生日期或账号",
        ),
        (
            "Zc#2026abc",
            "Zc#2026abd",
            "password2",
            "两次输入的密码不一致",
        ),
    ] {
        let res = app
            .post_page(
                &client,
                "/rsrc/register/person",
                "/rsrc/register/person",
                &[
                    ("name", "张三"),
                    ("id_number", &id),
                    ("phone", &phone()),
                    ("password", pw),
                    ("password2", pw2),
                ],
            )
            .await;
        invalid(res, &[(field, msg)]).await;
    }
}

#[tokio::test]
async fn one_account_per_id_number() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_person("张三").await;
    let client = TestApp::new_client();
    let res = app
        .register_person_check(&client, "李四", &id, &phone(), PASSWORD)
        .await;
    invalid(
        res,
        &[("id_number", "该身份证号已注册，请直接登录或找回密码")],
    )
    .await;
}

#[tokio::test]
async fn two_concurrent_registrations_with_one_id_number_make_exactly_one_account() {
    let app = TestApp::spawn().await;
    let id = citizen_id();
    // Both pass the check step before either confirms.
    let (c1, c2) = (TestApp::new_client(), TestApp::new_client());
    let mut pages = Vec::new();
    for c in [&c1, &c2] {
        let phone = phone();
        let res = app.register_person_check(c, "张三", &id, &phone, PASSWORD);
        pages.push(text_of(res.await).await);
    }
    let (h1, h2) = (&pages[0], &pages[1]);
    let (r1, r2) = tokio::join!(
        app.confirm(&c1, h1, "/rsrc/register/person/confirm"),
        app.confirm(&c2, h2, "/rsrc/register/person/confirm")
    );
    let mut statuses = [r1.status(), r2.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    let loser = if r1.status() == StatusCode::CONFLICT {
        r1
    } else {
        r2
    };
    shows_errors(
        loser,
        &[("id_number", "该身份证号已注册，请直接登录或找回密码")],
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM persons").await, 1);
}

#[tokio::test]
async fn a_forged_or_altered_confirmation_ticket_is_refused() {
    let app = TestApp::spawn().await;
    let client = TestApp::new_client();
    let token = app.csrf(&client, &app.url("/rsrc/register/person")).await;
    let res = client
        .post(app.url("/rsrc/register/person/confirm"))
        .form(&[
            ("_csrf", token.as_str()),
            ("pending", "v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(text_of(res).await.contains("请先核对注册信息并点击确认"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM persons").await, 0);
}

#[tokio::test]
async fn a_unit_registers_and_duplicates_are_refused() {
    let app = TestApp::spawn().await;
    let (code, name, _) = app.register_unit().await;
    let client = TestApp::new_client();
    let res = app.login(&client, "unit", &code, PASSWORD).await;
    assert_eq!(location(&res), "/rsrc/portal");

    let res = app
        .post_page(
            &client,
            "/rsrc/register/unit",
            "/rsrc/register/unit",
            &[
                ("name", &name),
                ("credit_code", &code),
                ("region", "370100"),
                ("contact", "李四"),
                ("contact_phone", &phone()),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    invalid(
        res,
        &[
            (
                "credit_code",
                "该统一社会信用代码已注册，请直接登录或找回密码",
            ),
            ("name", "该单位名称已注册"),
        ],
    )
    .await;

    let res = app
        .post_page(
            &client,
            "/rsrc/register/unit",
            "/rsrc/register/unit",
            &[
                ("name", "某"),
                ("credit_code", "91370100MA3C4XYZ1"),
                ("region", "999999"),
            ],
        )
        .await;
    shows_errors(
        res,
        &[
            ("name", "单位名称应为2至100个字"),
            ("credit_code", "统一社会信用代码应为18位"),
            ("region", "请选择所属地区"),
            ("contact", "此项为必填项"),
        ],
    )
    .await;
}

/// Browsers and password managers fill the account, name and phone fields, and never an
/// ID number or another user's account into a form that creates one.
#[tokio::test]
async fn account_name_and_phone_fields_say_what_a_browser_may_fill() {
    let app = TestApp::spawn().await;
    let c = TestApp::new_client();
    let input = |html: &str, name: &str| -> String {
        let at = html
            .find(&format!("name=\"{name}\""))
            .unwrap_or_else(|| panic!("a field {name}"));
        let tag = &html[html[..at].rfind('<').unwrap()..];
        tag[..tag.find('>').unwrap()].to_owned()
    };
    let login = get_html(&c, &app.url("/rsrc/")).await;
    assert!(input(&login, "account").contains("autocomplete=\"username\""));
    assert!(input(&login, "password").contains("autocomplete=\"current-password\""));
    let person = get_html(&c, &app.url("/rsrc/register/person")).await;
    for (field, value) in [("name", "name"), ("phone", "tel"), ("id_number", "off")] {
        assert!(
            input(&person, field).contains(&format!("autocomplete=\"{value}\"")),
            "{field}: {}",
            input(&person, field)
        );
    }
    let unit = get_html(&c, &app.url("/rsrc/register/unit")).await;
    assert!(input(&unit, "name").contains("autocomplete=\"organization\""));
    assert!(input(&unit, "contact_phone").contains("autocomplete=\"tel\""));
}
