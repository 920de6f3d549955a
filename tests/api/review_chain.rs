//! The review chain: 外地调入审核, 退回, 上报路径, 数据上报, 终审权限 and the 转入表.

use reqwest::StatusCode;
use zhicheng::domain::auth::AdminRole;

use crate::helpers::*;

/// Chapter 1, 外地调入审核: unit A sees the application with a masked number in its list and
/// the full number (an audited view) on the review page; without final authority its 通过
/// makes it 待上报 at A.
#[tokio::test]
async fn the_declare_unit_reviews_it_and_without_authority_approves_it_to_report() {
    let app = TestApp::spawn().await;
    let ch = app.chain().await;
    let id = ch.a.app_id.clone();
    let list = app.page(&ch.unit_a, "/rsrc/zc/review").await;
    assert!(list.contains(&format!("/rsrc/zc/review/{id}\">审核")));
    assert!(list.contains("***********"), "masked ID in the list");
    let page = app.page(&ch.unit_a, &ch.review("")).await;
    assert!(
        page.contains("id=\"full-id\""),
        "the review page shows the full number"
    );
    assert!(app.audited("pii_view").await);
    insta::assert_snapshot!("review_page", ch.stable(&visible_text(&page)).await);
    // A has no final authority: 通过 makes it 待上报 at A.
    ch.awaiting_report().await;
}

/// Chapter 2, 上报路径 and 数据上报: reporting needs a live path, which the superior approves;
/// then the superior holds the application and A sees it read-only.
#[tokio::test]
async fn reporting_needs_a_live_path_which_the_superior_approves() {
    let app = TestApp::spawn().await;
    let ch = app.chain().await.awaiting_report().await;
    let id = ch.a.app_id.clone();
    // 数据上报 without a path is refused and names the series and level.
    let res = ch.report(&ch.unit_a).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("没有职称系列“工程技术”、级别“中级”的已生效上报路径"),
        "{html}"
    );

    // A asks B for a path; B approves it.
    let paths = "/rsrc/zc/paths";
    let res = ch.ask_path(&ch.unit_a, ch.b_id, "3").await;
    assert_eq!(location(&res), "/rsrc/zc/paths?m=path_requested");
    let mine = app.page(&ch.unit_a, paths).await;
    assert!(mine.contains("未生效") && mine.contains(&ch.b_name));
    let res = ch.ask_path(&ch.unit_a, ch.b_id, "3").await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "one live path per series and level"
    );
    let res = ch.ask_path(&ch.unit_a, ch.a.unit_id, "2").await;
    assert!(text_of(res).await.contains("不能向本单位申请上报路径"));
    let res = ch.ask_path(&ch.unit_b, ch.a.unit_id, "3").await;
    assert!(text_of(res).await.contains("该上报路径会形成循环"));
    ch.approve_path().await;
    assert!(app.page(&ch.unit_a, paths).await.contains("已生效"));

    // A reports; B now holds it; A sees it read-only.
    ch.reported().await;
    let a_list = app.page(&ch.unit_a, "/rsrc/zc/review").await;
    assert!(a_list.contains(&format!("/rsrc/zc/review/{id}\">详细")));
    let res = ch.review_act(&ch.unit_a, "/approve", &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

/// Chapter 3, 退回: the superior fails 工作经历 and returns; the person changes only that
/// module and resubmits, and it starts again at the 申报单位 with the earlier opinions.
#[tokio::test]
async fn the_superior_returns_a_failed_module_and_the_resubmission_starts_again() {
    let app = TestApp::spawn().await;
    let ch = app.chain().await.at_superior().await;
    // 退回 without a failure is refused first.
    let res = ch.review_act(&ch.unit_b, "/return", &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("请先在需要退回的信息模块点击"));
    assert!(
        html.contains("外地调入详细信息") && html.contains("/return"),
        "the review page, its actions still there"
    );
    let res = ch
        .review_act(
            &ch.unit_b,
            "/fail/work",
            &[("opinion", "工作经历不完整，请补充至今")],
        )
        .await;
    assert!(location(&res).contains("m=module_failed"));
    let res = ch.review_act(&ch.unit_b, "/approve", &[]).await;
    // Refused on the review page itself, the marks and opinions as they were.
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("存在不通过的信息模块"));
    assert!(html.contains("外地调入详细信息") && html.contains("工作经历不完整，请补充至今"));
    let res = ch.review_act(&ch.unit_b, "/return", &[]).await;
    assert_eq!(location(&res), "/rsrc/zc/review?m=returned");
    assert_eq!(ch.a.state().await.0, "returned");

    // The person can change only 工作经历, and resubmits: it starts again at A.
    let detail = ch.a.detail().await;
    assert!(detail.contains("工作经历不完整，请补充至今"));
    assert_eq!(
        ch.a.module("original", &[("title_name", "x")])
            .await
            .status(),
        StatusCode::CONFLICT
    );
    let res = ch.a.module("work", WORK_SINCE_2012).await;
    assert!(location(&res).contains("m=saved"));
    assert_eq!(
        location(&ch.a.submit(true).await),
        "/rsrc/zc/transfer?m=submitted"
    );
    assert_eq!(
        ch.a.state().await,
        ("pending".to_owned(), Some(ch.a.unit_id))
    );
    // Both units that held it carry the new round's submission time, the queue's sort key.
    let holders = "SELECT COUNT(*) AS n FROM application_holders h JOIN applications a ON a.id = h.application_id";
    assert_eq!(app.count(holders).await, 2);
    assert_eq!(
        app.count(&format!("{holders} WHERE h.submitted_at = a.submitted_at"))
            .await,
        2
    );
    let page = app.page(&ch.unit_a, &ch.review("")).await;
    assert!(
        page.contains("历次审核意见") && page.contains("工作经历不完整，请补充至今"),
        "earlier opinions are visible"
    );
    // Each with the unit that gave it.
    assert!(
        page.contains(&format!(
            "<td>{}</td><td>工作经历不完整，请补充至今</td>",
            ch.b_name
        )),
        "the earlier opinion names {}",
        ch.b_name
    );
    ch.review_act(&ch.unit_a, "/approve", &[]).await;
    assert_eq!(
        location(&ch.report(&ch.unit_a).await),
        "/rsrc/zc/report?m=reported"
    );
}

/// Chapter 4, 终审权限: the superior asks for final authority at 中级, the city bureau's
/// operator grants it (another city's operator neither sees nor decides it), and the
/// superior's 通过 is then 终审通过.
#[tokio::test]
async fn the_city_bureau_grants_final_authority_and_the_superior_approves() {
    let app = TestApp::spawn().await;
    let ch = app.chain().await.at_superior().await;
    let (op, decide) = ch.grant().await;
    let token = token_in(&app.back_page(&op, "/sdmanager/grants").await).unwrap();
    // Another city's operator does not see it.
    let qd = app.admin("qd_op", "370200", AdminRole::Operator).await;
    assert!(
        !app.back_page(&qd, "/sdmanager/grants")
            .await
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
    let res = ch
        .review_act(&ch.unit_b, "/approve", &[("opinion", "同意确认")])
        .await;
    assert!(location(&res).contains("m=approved"));
    assert_eq!(ch.a.state().await.0, "approved");
}

/// Chapter 5, 转入表: the person downloads it, its text holds the right facts with the
/// verify link and serial unbroken, the units on the chain can open it, and the public
/// check tells a genuine serial from an altered one.
#[tokio::test]
async fn the_transfer_form_holds_the_facts_and_its_serial_verifies() {
    let app = TestApp::spawn().await;
    let (ch, _, _) = app.chain().await.approved().await;
    let list = ch.a.page("/rsrc/zc/transfer").await;
    assert!(list.contains("终审通过") && list.contains("下载转入表"));
    let res = fetch(&ch.a.client, &app.url(&ch.a.path("/form.pdf"))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = res.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let text = pdf_text(&pdf);
    let serial = app.serial(&ch.a.app_id).await;
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
    insta::assert_snapshot!("transfer_form_text", ch.stable(&text).await);
    std::fs::create_dir_all("target/test-output").ok();
    std::fs::write("target/test-output/transfer-form.pdf", &pdf).ok();
    // Units on the chain can open it too; the download is audited.
    assert_eq!(
        app.status(&ch.unit_a, &ch.review("/form.pdf")).await,
        StatusCode::OK
    );
    assert!(app.audit_count("form_download").await >= 2);

    // The public check: genuine for this serial, not for an altered one.
    let anyone = TestApp::new_client();
    let res = fetch(&anyone, &app.url(&format!("/rsrc/verify/{serial}"))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("该转入表真实有效") && html.contains("张*") && !html.contains("张三"));
    insta::assert_snapshot!("verify_page", ch.stable(&visible_text(&html)).await);
    // As copied from the printed form: hyphens lost at a line break, lower case, spaces.
    for printed in [
        serial.replace('-', ""),
        serial.to_lowercase(),
        serial.replacen('-', "%20-%20", 1),
    ] {
        let html = app.page(&anyone, &format!("/rsrc/verify/{printed}")).await;
        assert!(html.contains("该转入表真实有效"), "{printed}");
    }
    let mut altered = serial.clone().into_bytes();
    altered[12] = if altered[12] == b'A' { b'B' } else { b'A' };
    let res = fetch(
        &anyone,
        &app.url(&format!(
            "/rsrc/verify/{}",
            String::from_utf8(altered).unwrap()
        )),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(text_of(res).await.contains("未查到该编号"));
}

/// Chapter 6, afterwards: revoking the grant does not undo the approval; what each unit
/// may open equals what its list shows; the audit chain holds.
#[tokio::test]
async fn a_revoked_grant_keeps_the_approval_and_each_unit_opens_what_it_lists() {
    let app = TestApp::spawn().await;
    let (ch, op, decide) = app.chain().await.approved().await;
    let id = ch.a.app_id.clone();
    let res = ch.decide_grant(&op, &decide, "revoke", "调整权限").await;
    assert_eq!(location(&res), "/sdmanager/grants?m=revoked");
    assert_eq!(ch.a.state().await.0, "approved");
    assert!(app.audited("grant_revoke").await);

    // Who sees what: what each unit may open equals what its list shows.
    let (unit_c, _) = app.new_unit_client().await;
    for (client, should_see) in [(&ch.unit_a, true), (&ch.unit_b, true), (&unit_c, false)] {
        let list = app.page(client, "/rsrc/zc/review").await;
        let listed = list.contains(&format!("/rsrc/zc/review/{id}\""));
        let open = app.status(client, &ch.review("")).await == StatusCode::OK;
        assert_eq!(listed, open, "can_view equals list membership");
        assert_eq!(open, should_see);
    }
    assert_eq!(
        app.status(&unit_c, &ch.review("/form.pdf")).await,
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
    let ch = app.chain().await;
    let second = app.unit_client(&app.unit_code(ch.a.unit_id).await).await;
    let iterations = 25;
    for i in 0..iterations {
        // Each round: both reviewers open the page, then both press 通过 together.
        let html1 = app.page(&ch.unit_a, &ch.review("")).await;
        let html2 = app.page(&second, &ch.review("")).await;
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
        assert!(text_of(loser).await.contains("该申报已被处理"));
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM application_events WHERE action = 'approve'")
                .await,
            i + 1
        );
        // Put it back at A for the next round.
        app.move_to(
            &ch.a.app_id,
            zhicheng::domain::workflow::State::Pending,
            Some(ch.a.unit_id),
        )
        .await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'review_approve'")
            .await,
        iterations
    );
}
