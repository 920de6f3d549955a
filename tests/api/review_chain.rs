//! The review chain: 外地调入审核, 退回, 上报路径, 数据上报, 终审权限 and the 转入表.

use reqwest::{Client, StatusCode};
use uuid::Uuid;
use zhicheng::domain::auth::AdminRole;

use crate::application::{Applicant, draft, state_of, unit_id};
use crate::helpers::*;

pub async fn unit_client(app: &TestApp, code: &str) -> Client {
    let c = TestApp::new_client();
    assert_eq!(
        location(&app.login(&c, "unit", code, PASSWORD).await),
        "/rsrc/portal"
    );
    c
}

/// Posts a form found on `page` (token and version read from it).
async fn act(
    app: &TestApp,
    c: &Client,
    page: &str,
    action: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let html = c
        .get(app.url(page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = token_in(&html).expect("form token");
    let mut form: Vec<(String, String)> = vec![("_csrf".into(), token)];
    if let Some(v) = field_value(&html, "version") {
        form.push(("version".into(), v));
    }
    form.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    c.post(app.url(action)).form(&form).send().await.unwrap()
}

pub struct Chain {
    pub a: Applicant,
    pub unit_a: Client,
    pub unit_b: Client,
    pub b_id: Uuid,
    pub b_name: String,
}

/// A person applies to unit A; unit B exists; all logged in.
pub async fn setup(app: &TestApp) -> Chain {
    let a = draft(app).await;
    a.complete(app).await;
    assert_eq!(
        location(&a.submit(app, true).await),
        "/rsrc/zc/transfer?m=submitted"
    );
    let code_a = zhicheng::store::accounts::unit_by_id(&app.state.db.conn, a.unit_id)
        .await
        .unwrap()
        .unwrap()
        .credit_code;
    let (code_b, b_name, _) = app.register_unit().await;
    let b_id = unit_id(app, &code_b).await;
    Chain {
        unit_a: unit_client(app, &code_a).await,
        unit_b: unit_client(app, &code_b).await,
        a,
        b_id,
        b_name,
    }
}

impl Chain {
    fn review(&self, rest: &str) -> String {
        format!("/rsrc/zc/review/{}{rest}", self.a.app_id)
    }
}

async fn report(app: &TestApp, c: &Client, app_id: &str) -> reqwest::Response {
    let html = c
        .get(app.url("/rsrc/zc/report"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = token_in(&html).unwrap();
    let marker = format!("value=\"{app_id}:");
    let start = html
        .find(&marker)
        .expect("the application is listed for 数据上报")
        + 7;
    let pick: String = html[start..].chars().take_while(|c| *c != '"').collect();
    c.post(app.url("/rsrc/zc/report"))
        .form(&[("_csrf", token.as_str()), ("pick", pick.as_str())])
        .send()
        .await
        .unwrap()
}

fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("form.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn the_whole_story_from_application_to_a_verified_transfer_form() {
    let app = TestApp::spawn().await;
    let ch = setup(&app).await;
    let id = ch.a.app_id.clone();

    // Unit A sees it in 外地调入审核 with a masked number and a 审核 link.
    let list = ch
        .unit_a
        .get(app.url("/rsrc/zc/review"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(&format!("/rsrc/zc/review/{id}\">审核")));
    assert!(list.contains("***********"), "masked ID in the list");
    let page = ch
        .unit_a
        .get(app.url(&ch.review("")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"full-id\""),
        "the review page shows the full number"
    );
    assert!(
        app.audit_actions()
            .await
            .iter()
            .any(|(a, _)| a == "pii_view")
    );

    // A has no final authority: 通过 makes it 待上报 at A.
    let res = act(
        &app,
        &ch.unit_a,
        &ch.review(""),
        &ch.review("/approve"),
        &[],
    )
    .await;
    assert!(location(&res).contains("m=approved"));
    assert_eq!(
        state_of(&app, &id).await,
        ("to_report".to_owned(), Some(ch.a.unit_id))
    );

    // 数据上报 without a path is refused and names the series and level.
    let res = report(&app, &ch.unit_a, &id).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("没有职称系列“工程技术”、级别“中级”的已生效上报路径"),
        "{html}"
    );

    // A asks B for a path; B approves it.
    let paths = "/rsrc/zc/paths";
    let res = act(
        &app,
        &ch.unit_a,
        paths,
        paths,
        &[
            ("superior", &ch.b_id.to_string()),
            ("series", "05"),
            ("level", "3"),
        ],
    )
    .await;
    assert_eq!(location(&res), "/rsrc/zc/paths?m=path_requested");
    let mine = ch
        .unit_a
        .get(app.url(paths))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(mine.contains("未生效") && mine.contains(&ch.b_name));
    let res = act(
        &app,
        &ch.unit_a,
        paths,
        paths,
        &[
            ("superior", &ch.b_id.to_string()),
            ("series", "05"),
            ("level", "3"),
        ],
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "one live path per series and level"
    );
    let res = act(
        &app,
        &ch.unit_a,
        paths,
        paths,
        &[
            ("superior", &ch.a.unit_id.to_string()),
            ("series", "05"),
            ("level", "2"),
        ],
    )
    .await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("不能向本单位申请上报路径")
    );
    let res = act(
        &app,
        &ch.unit_b,
        paths,
        paths,
        &[
            ("superior", &ch.a.unit_id.to_string()),
            ("series", "05"),
            ("level", "3"),
        ],
    )
    .await;
    assert!(res.text().await.unwrap().contains("该上报路径会形成循环"));
    let asked = ch
        .unit_b
        .get(app.url("/rsrc/zc/paths/review"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = asked.find("action=\"/rsrc/zc/paths/").unwrap() + 8;
    let decide: String = asked[start..].chars().take_while(|c| *c != '"').collect();
    let res = act(
        &app,
        &ch.unit_b,
        "/rsrc/zc/paths/review",
        &decide,
        &[("decision", "approve"), ("opinion", "同意")],
    )
    .await;
    assert_eq!(location(&res), "/rsrc/zc/paths/review?m=decided");
    assert!(
        ch.unit_a
            .get(app.url(paths))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("已生效")
    );

    // A reports; B now holds it; A sees it read-only.
    let res = report(&app, &ch.unit_a, &id).await;
    assert_eq!(location(&res), "/rsrc/zc/report?m=reported");
    assert_eq!(
        state_of(&app, &id).await,
        ("pending".to_owned(), Some(ch.b_id))
    );
    let a_list = ch
        .unit_a
        .get(app.url("/rsrc/zc/review"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(a_list.contains(&format!("/rsrc/zc/review/{id}\">详细")));
    let res = act(
        &app,
        &ch.unit_a,
        &ch.review(""),
        &ch.review("/approve"),
        &[],
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // B fails 工作经历 and returns; 退回 without a failure is refused first.
    let res = act(&app, &ch.unit_b, &ch.review(""), &ch.review("/return"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("请先在需要退回的信息模块点击"));
    assert!(
        html.contains("外地调入详细信息") && html.contains("/return"),
        "the review page, its actions still there"
    );
    let res = act(
        &app,
        &ch.unit_b,
        &ch.review(""),
        &ch.review("/fail/work"),
        &[("opinion", "工作经历不完整，请补充至今")],
    )
    .await;
    assert!(location(&res).contains("m=module_failed"));
    let res = act(
        &app,
        &ch.unit_b,
        &ch.review(""),
        &ch.review("/approve"),
        &[],
    )
    .await;
    // Refused on the review page itself, the marks and opinions as they were.
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("存在不通过的信息模块"));
    assert!(html.contains("外地调入详细信息") && html.contains("工作经历不完整，请补充至今"));
    let res = act(&app, &ch.unit_b, &ch.review(""), &ch.review("/return"), &[]).await;
    assert_eq!(location(&res), "/rsrc/zc/review?m=returned");
    assert_eq!(state_of(&app, &id).await.0, "returned");

    // The person can change only 工作经历, and resubmits: it starts again at A.
    let detail = ch.a.detail(&app).await;
    assert!(detail.contains("工作经历不完整，请补充至今"));
    assert_eq!(
        ch.a.module(&app, "original", &[("title_name", "x")])
            .await
            .status(),
        StatusCode::CONFLICT
    );
    let res =
        ch.a.module(
            &app,
            "work",
            &[
                ("from", "2012-07-15"),
                ("to", ""),
                ("employer", "南京某机械有限公司"),
                ("post", "工程师"),
            ],
        )
        .await;
    assert!(location(&res).contains("m=saved"));
    assert_eq!(
        location(&ch.a.submit(&app, true).await),
        "/rsrc/zc/transfer?m=submitted"
    );
    assert_eq!(
        state_of(&app, &id).await,
        ("pending".to_owned(), Some(ch.a.unit_id))
    );
    let page = ch
        .unit_a
        .get(app.url(&ch.review("")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("历次审核意见") && page.contains("工作经历不完整，请补充至今"),
        "earlier opinions are visible"
    );
    act(
        &app,
        &ch.unit_a,
        &ch.review(""),
        &ch.review("/approve"),
        &[],
    )
    .await;
    assert_eq!(
        location(&report(&app, &ch.unit_a, &id).await),
        "/rsrc/zc/report?m=reported"
    );

    // B applies for final authority at 中级; the city bureau's operator grants it.
    let res = act(
        &app,
        &ch.unit_b,
        "/rsrc/zc/grants",
        "/rsrc/zc/grants",
        &[("level", "3"), ("bureau", "370100")],
    )
    .await;
    assert_eq!(location(&res), "/rsrc/zc/grants?m=grant_requested");
    app.create_admin("jn_op", "370100", AdminRole::Operator, false)
        .await;
    let op = TestApp::new_client();
    assert_eq!(
        location(&app.admin_login(&op, "jn_op", PASSWORD).await),
        "/sdmanager/home"
    );
    let grants = op
        .get(app.back_url("/sdmanager/grants"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(grants.contains(&ch.b_name) && grants.contains("待审核"));
    let start = grants.find("action=\"/sdmanager/grants/").unwrap() + 8;
    let decide: String = grants[start..].chars().take_while(|c| *c != '"').collect();
    let token = token_in(&grants).unwrap();
    let res = op
        .post(app.back_url(&decide))
        .form(&[
            ("_csrf", token.as_str()),
            ("decision", "approve"),
            ("opinion", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/sdmanager/grants?m=approved");
    // Another city's operator does not see it.
    app.create_admin("qd_op", "370200", AdminRole::Operator, false)
        .await;
    let qd = TestApp::new_client();
    app.admin_login(&qd, "qd_op", PASSWORD).await;
    assert!(
        !qd.get(app.back_url("/sdmanager/grants"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains(&ch.b_name)
    );
    assert_eq!(
        qd.post(app.back_url(&decide))
            .form(&[("_csrf", token.as_str())])
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );

    // B approves: 终审通过.
    let res = act(
        &app,
        &ch.unit_b,
        &ch.review(""),
        &ch.review("/approve"),
        &[("opinion", "同意确认")],
    )
    .await;
    assert!(location(&res).contains("m=approved"));
    assert_eq!(state_of(&app, &id).await.0, "approved");

    // The person downloads the 转入表; its text holds the right facts.
    let list =
        ch.a.client
            .get(app.url("/rsrc/zc/transfer"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(list.contains("终审通过") && list.contains("下载转入表"));
    let res =
        ch.a.client
            .get(app.url(&ch.a.path("/form.pdf")))
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = res.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let text = pdf_text(&pdf);
    let m =
        zhicheng::store::applications::find_any(&app.state.db.conn, Uuid::parse_str(&id).unwrap())
            .await
            .unwrap()
            .unwrap();
    let serial = m.serial.clone().unwrap();
    for expected in [
        "张三",
        "工程技术",
        "工程师",
        "中级",
        "机械工程",
        "江苏省工程技术中级评审委员会",
        &ch.a.unit_name,
        &ch.b_name,
        &serial,
        "终审通过",
    ] {
        assert!(
            text.replace(['\n', ' '], "")
                .contains(&expected.replace(' ', "")),
            "{expected} missing from the PDF text:\n{text}"
        );
    }
    // The printed verify link and serial never break across lines: extracted text keeps
    // them whole (a hyphen at a line break is lost by pdftotext and by copy-paste).
    for line in [format!("/rsrc/verify/{serial}"), format!("编号：{serial}")] {
        assert!(
            text.lines().any(|l| l.contains(&line)),
            "{line} not on one line:\n{text}"
        );
    }
    std::fs::create_dir_all("target/test-output").ok();
    std::fs::write("target/test-output/transfer-form.pdf", &pdf).ok();
    // Units on the chain can open it too; the download is audited.
    assert_eq!(
        ch.unit_a
            .get(app.url(&ch.review("/form.pdf")))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert!(
        app.audit_actions()
            .await
            .iter()
            .filter(|(a, _)| a == "form_download")
            .count()
            >= 2
    );

    // The public check: genuine for this serial, not for an altered one.
    let anyone = TestApp::new_client();
    let res = anyone
        .get(app.url(&format!("/rsrc/verify/{serial}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("该转入表真实有效") && html.contains("张*") && !html.contains("张三"));
    // As copied from the printed form: hyphens lost at a line break, lower case, spaces.
    for printed in [
        serial.replace('-', ""),
        serial.to_lowercase(),
        serial.replacen('-', "%20-%20", 1),
    ] {
        let html = anyone
            .get(app.url(&format!("/rsrc/verify/{printed}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("该转入表真实有效"), "{printed}");
    }
    let mut altered = serial.clone().into_bytes();
    altered[12] = if altered[12] == b'A' { b'B' } else { b'A' };
    let res = anyone
        .get(app.url(&format!(
            "/rsrc/verify/{}",
            String::from_utf8(altered).unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("未查到该编号"));

    // Revoking the grant does not undo the approval.
    let grants = op
        .get(app.back_url("/sdmanager/grants"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = token_in(&grants).unwrap();
    let res = op
        .post(app.back_url(&decide))
        .form(&[
            ("_csrf", token.as_str()),
            ("decision", "revoke"),
            ("opinion", "调整权限"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/sdmanager/grants?m=revoked");
    assert_eq!(state_of(&app, &id).await.0, "approved");
    assert!(
        app.audit_actions()
            .await
            .iter()
            .any(|(a, _)| a == "grant_revoke")
    );

    // Who sees what: what each unit may open equals what its list shows.
    let (code_c, _, _) = app.register_unit().await;
    let unit_c = unit_client(&app, &code_c).await;
    for (client, should_see) in [(&ch.unit_a, true), (&ch.unit_b, true), (&unit_c, false)] {
        let list = client
            .get(app.url("/rsrc/zc/review"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let listed = list.contains(&format!("/rsrc/zc/review/{id}\""));
        let open = client
            .get(app.url(&ch.review("")))
            .send()
            .await
            .unwrap()
            .status()
            == StatusCode::OK;
        assert_eq!(listed, open, "can_view equals list membership");
        assert_eq!(open, should_see);
    }
    assert_eq!(
        unit_c
            .get(app.url(&ch.review("/form.pdf")))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        zhicheng::store::audit::verify(&app.state.db.conn)
            .await
            .unwrap(),
        zhicheng::store::audit::Verification::Intact {
            entries: app.count("SELECT COUNT(*) AS n FROM audit_log").await
        }
    );
}

#[tokio::test]
async fn two_reviewers_acting_at_once_one_wins() {
    let app = TestApp::spawn().await;
    let ch = setup(&app).await;
    let code_a = zhicheng::store::accounts::unit_by_id(&app.state.db.conn, ch.a.unit_id)
        .await
        .unwrap()
        .unwrap()
        .credit_code;
    let second = unit_client(&app, &code_a).await;
    let iterations = 25;
    for i in 0..iterations {
        // Each round: both reviewers open the page, then both press 通过 together.
        let html1 = ch
            .unit_a
            .get(app.url(&ch.review("")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let html2 = second
            .get(app.url(&ch.review("")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let f1 = [
            ("_csrf", token_in(&html1).unwrap()),
            ("version", field_value(&html1, "version").unwrap()),
        ];
        let f2 = [
            ("_csrf", token_in(&html2).unwrap()),
            ("version", field_value(&html2, "version").unwrap()),
        ];
        let url = app.url(&ch.review("/approve"));
        let (r1, r2) = tokio::join!(
            ch.unit_a.post(&url).form(&f1).send(),
            second.post(&url).form(&f2).send()
        );
        let (r1, r2) = (r1.unwrap(), r2.unwrap());
        let mut statuses = [r1.status(), r2.status()];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::SEE_OTHER, StatusCode::CONFLICT],
            "round {i}"
        );
        let loser = if r1.status() == StatusCode::CONFLICT {
            r1
        } else {
            r2
        };
        assert!(loser.text().await.unwrap().contains("该申报已被处理"));
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM application_events WHERE action = 'approve'")
                .await,
            i + 1
        );
        // Put it back at A for the next round.
        let m = zhicheng::store::applications::find_any(
            &app.state.db.conn,
            Uuid::parse_str(&ch.a.app_id).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
        let back = zhicheng::domain::workflow::Position {
            state: zhicheng::domain::workflow::State::Pending,
            holder: Some(ch.a.unit_id),
        };
        zhicheng::store::applications::move_to(&app.state.db.conn, &m, back, false, 0)
            .await
            .unwrap();
    }
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'review_approve'")
            .await,
        iterations
    );
}
