//! The applicant's side of 外地调入资格确认: drafts, modules, attachments, 确定申报,
//! edit locks by state, progress and messages.

use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

#[tokio::test]
async fn a_draft_starts_from_the_list_and_only_one_can_be_open() {
    let app = TestApp::spawn().await;
    let (client, _) = app.person_client().await;
    let list = get_html(&client, &app.url("/rsrc/zc/transfer")).await;
    assert!(list.contains("新增申报信息") && list.contains("我的申报信息"));
    let form = get_html(&client, &app.url("/rsrc/zc/transfer/new")).await;
    for label in [
        "姓名",
        "身份证号",
        "性别",
        "出生日期",
        "手机号",
        "申报单位",
        "是否是工作单位",
        "工作单位",
        "申报级别",
        "申报职称",
        "现从事专业",
        "申报方式",
        "职称获得年度",
    ] {
        assert!(
            form.contains(&format!("{label}</label>"))
                || form.contains(&format!("{label}</legend>")),
            "{label}"
        );
    }
    assert!(
        form.contains("value=\"1985-03-15\""),
        "birth date from the ID number"
    );
    assert!(
        form.contains("value=\"女\"") || form.contains("value=\"男\""),
        "sex from the ID number"
    );
    // 保存 needs nothing filled in.
    let res = app.new_application(&client, &[("phone", "")]).await;
    assert_eq!(location(&res), "/rsrc/zc/transfer?m=saved");
    let list = get_html(&client, &app.url("/rsrc/zc/transfer?m=saved")).await;
    assert!(
        list.contains("保存成功")
            && list.contains("未提交")
            && list.contains("详细")
            && list.contains("删除")
    );
    assert!(
        !list.contains("href=\"/rsrc/zc/transfer/new\""),
        "no second 新增 while one is open"
    );
    let again = fetch(&client, &app.url("/rsrc/zc/transfer/new")).await;
    assert_eq!(
        location(&again),
        "/rsrc/zc/transfer?m=open_application_exists"
    );
    let res = app
        .post_page(
            &client,
            "/rsrc/zc/transfer",
            "/rsrc/zc/transfer/new",
            &[("phone", "")],
        )
        .await;
    assert_eq!(
        location(&res),
        "/rsrc/zc/transfer?m=open_application_exists"
    );
    // The database refuses a second open application whatever the page did.
    let person = app.count("SELECT COUNT(*) AS n FROM applications").await;
    assert_eq!(person, 1);
    let m = zhicheng::store::applications::list_for_person(
        &app.state.db.conn,
        app.only_id("SELECT id FROM persons").await,
        10,
    )
    .await
    .unwrap();
    let err = zhicheng::store::applications::create_draft(
        &app.state.db.conn,
        &app.state.keys,
        0,
        m[0].person_id,
        "13800000000",
    )
    .await
    .unwrap_err();
    assert!(matches!(
        err,
        zhicheng::error::AppError::Conflict(zhicheng::messages::Msg::OpenApplicationExists)
    ));
}

#[tokio::test]
async fn the_basic_form_checks_the_cascade_the_year_and_the_units() {
    let app = TestApp::spawn().await;
    let (client, _) = app.person_client().await;
    let (title, _) = app.engineer();
    let other_series_specialty = app
        .state
        .dicts()
        .specialties
        .iter()
        .find(|s| s.name == "内科")
        .unwrap()
        .id
        .to_string();
    let res = app
        .new_application(
            &client,
            &[
                ("level", "1"),
                ("title", &title),
                ("specialty", &other_series_specialty),
                ("title_year", "2099"),
                ("declare_unit_name", "不存在的单位"),
                ("is_work_unit", "否"),
            ],
        )
        .await;
    let html = invalid(
        res,
        &[
            ("title", "所选职称不属于该申报级别"),
            ("specialty", "所选专业不属于该职称的系列"),
            ("title_year", "年度不能晚于今年"),
            ("declare_unit", "未找到该单位，请通过单位选择框查询后选择"),
        ],
    )
    .await;
    assert!(
        html.contains("value=\"不存在的单位\""),
        "the typed name stays"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM applications").await,
        0,
        "nothing saved"
    );

    // Without JavaScript: 刷新选项 redraws the titles of the chosen level, saving nothing.
    let res = app
        .new_application(&client, &[("level", "3"), ("refresh", "1")])
        .await;
    let html = res.text().await.unwrap();
    assert!(html.contains("工程师（工程技术）") && !html.contains("高级工程师（工程技术）"));
    // A unit typed by its exact name is found without the picker.
    let (_, unit_name, _) = app.register_unit().await;
    let res = app
        .new_application(
            &client,
            &[("declare_unit_name", &unit_name), ("is_work_unit", "是")],
        )
        .await;
    assert_eq!(location(&res), "/rsrc/zc/transfer?m=saved");
    let list = get_html(&client, &app.url("/rsrc/zc/transfer")).await;
    assert!(list.contains(&unit_name));
}

#[tokio::test]
async fn modules_are_saved_one_by_one_with_their_rules() {
    let app = TestApp::spawn().await;
    let a = app.applicant().await;
    let res = a
        .module(
            "original",
            &[
                ("issuer_region", "山东省"),
                ("obtained_date", "2019-02-30"),
                ("title_name", "工程师"),
            ],
        )
        .await;
    let html = invalid(
        res,
        &[
            (
                "issuer_region",
                "外地调入确认的原职称应由山东省外或中央、军队系统评审或发证",
            ),
            ("obtained_date", "请输入有效日期（如 2020-06-30）"),
        ],
    )
    .await;
    assert!(html.contains("value=\"工程师\""), "typed values are kept");
    let res = a.module("transfer", &[("moved_date", "2099-01-01")]).await;
    shows_errors(res, &[("moved_date", "日期不能晚于今天")]).await;
    // Rows: 增加一条 draws an extra row and saves nothing.
    let res = a
        .module(
            "education",
            &[
                ("school", "东南大学"),
                ("major", ""),
                ("education", ""),
                ("degree", ""),
                ("graduated", ""),
                ("add_row", "1"),
            ],
        )
        .await;
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"f-school-1\"") && html.contains("value=\"东南大学\""));
    let res = a
        .module(
            "work",
            &[
                ("from", "2020-01-01"),
                ("to", "2019-01-01"),
                ("employer", "甲"),
                ("post", "乙"),
            ],
        )
        .await;
    assert!(text_of(res).await.contains("结束时间不能早于开始时间"));
    let res = a
        .module(
            "work",
            &[
                ("from", "2010-01-01"),
                ("to", ""),
                ("employer", "甲公司"),
                ("post", "技术员"),
                ("from", "2005-01-01"),
                ("to", "2009-12-31"),
                ("employer", "乙公司"),
                ("post", "助理"),
            ],
        )
        .await;
    assert!(location(&res).contains("m=saved"));
    let html = a.detail().await;
    assert!(html.contains("value=\"甲公司\"") && html.contains("value=\"乙公司\""));
    assert!(app.audited("application_save").await);
}

#[tokio::test]
async fn attachments_are_checked_by_content_and_size() {
    let app = TestApp::spawn().await;
    let a = app.applicant().await;
    let res = a.upload("certificate", "证书.pdf", PDF.to_vec()).await;
    assert!(location(&res).ends_with("m=uploaded#module-attachments"));
    let res = a
        .upload(
            "certificate",
            "photo.jpg",
            b"MZ\x90\x00 not really a picture".to_vec(),
        )
        .await;
    assert!(location(&res).contains("m=file_type"));
    // The refusal is told at the slot it was for, not at the page top.
    let at_slot = fetch(&a.client, &app.url(&location(&res))).await;
    let html = at_slot.text().await.unwrap();
    let slot = html.find("id=\"slot-certificate\"").unwrap();
    let said = html
        .find("id=\"e-file-certificate\"")
        .expect("the error at the slot");
    assert!(
        said > slot && html[said..].starts_with("id=\"e-file-certificate\">原职称证书：仅支持PDF")
    );
    assert!(html.contains("aria-describedby=\"e-file-certificate\""));
    assert!(
        !html[..slot].contains("仅支持PDF"),
        "not at the top as well"
    );
    let res = a.upload("certificate", "empty.pdf", Vec::new()).await;
    assert!(location(&res).contains("m=file_empty"));
    let mut big = PDF.to_vec();
    big.resize(5 * 1024 * 1024 + 1, b' ');
    let res = a.upload("certificate", "big.pdf", big).await;
    assert!(location(&res).contains("m=file_too_large"));
    let html = a.detail().await;
    assert!(html.contains("证书.pdf"));
    let page = get_html(&a.client, &app.url(&format!("{}?m=file_type", a.path("")))).await;
    assert!(page.contains("仅支持PDF、JPG、PNG、GIF格式的文件"));

    // Download: the same bytes, as an attachment, to the owner only.
    let href = a.file_link(&html);
    let res = fetch(&a.client, &app.url(&href)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(header(&res, "content-disposition").starts_with("attachment;"));
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    let (stranger, _) = app.person_client().await;
    assert_eq!(
        status_of(&stranger, &app.url(&href)).await,
        StatusCode::NOT_FOUND
    );
    // Stored outside the web root under a generated name, with its hash.
    let files: Vec<_> = std::fs::read_dir(app.data_dir.path().join("data/files"))
        .unwrap()
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM attachments WHERE LENGTH(sha256) = 64")
            .await,
        1
    );
    // Remove it.
    let res = a.remove_file(&href).await;
    assert!(location(&res).contains("m=file_removed"));
    assert_eq!(
        std::fs::read_dir(app.data_dir.path().join("data/files"))
            .unwrap()
            .count(),
        0
    );
    assert!(app.audited("attachment_download").await);
}

#[tokio::test]
async fn submitting_lists_what_is_missing_then_goes_to_the_declare_unit() {
    let app = TestApp::spawn().await;
    let a = app.applicant().await;
    let res = a.submit(true).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert_contains_all(
        &html,
        &[
            "请填写“批准文号”",
            "请至少填写一条学历信息",
            "请上传“证件照”",
            "href=\"#module-original\"",
        ],
    );
    a.complete().await;
    let res = a.submit(false).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(res).await.contains("请阅读并勾选诚信承诺"));

    let res = a.submit(true).await;
    assert_eq!(location(&res), "/rsrc/zc/transfer?m=submitted");
    let (state, holder) = app.state_of(&a.app_id).await;
    assert_eq!(state, "pending");
    assert_eq!(holder, Some(a.unit_id));
    let list = get_html(&a.client, &app.url("/rsrc/zc/transfer")).await;
    assert!(list.contains("待审核") && list.contains(&a.unit_name));
    assert!(app.audited_as("application_submit", "success").await);
    // The unit and the person each got a message.
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM notices WHERE recipient_kind = 'unit'")
            .await,
        1
    );
    let home = get_html(&a.client, &app.url("/rsrc/zc")).await;
    assert!(
        home.contains("class=\"badge\"><span class=\"sr-only\">未读 </span>1<"),
        "the bell counts the unread message"
    );
    let box_ = get_html(&a.client, &app.url("/rsrc/zc/messages")).await;
    assert!(box_.contains("申报已提交"));

    // Locked while 待审核, whatever the page showed.
    let res = a
        .module(
            "work",
            &[("from", "2010-01-01"), ("employer", "x"), ("post", "y")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(text_of(res).await.contains("该模块当前不可修改"));
    let res = a.upload("other", "x.pdf", PDF.to_vec()).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // 撤回 while the unit has not acted: back to 未提交.
    let html = a.detail().await;
    assert!(html.contains(">撤回</button>"));
    let form = action_form(&html);
    let res = a.post("/withdraw", &form).await;
    assert!(location(&res).ends_with("m=withdrawn"));
    assert_eq!(app.state_of(&a.app_id).await.0, "draft");
    // Replaying the same withdrawal changes nothing.
    let res = a.post("/withdraw", &form).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    let progress = get_html(&a.client, &app.url(&a.path("/progress"))).await;
    assert_contains_all(&progress, &["新增申报信息", "保存", "确定申报", "撤回"]);
    assert!(
        progress.contains(&a.unit_name),
        "the step names the unit it went to"
    );
}

#[tokio::test]
async fn a_double_submit_changes_nothing_the_second_time() {
    let app = TestApp::spawn().await;
    let a = app.applicant().await;
    a.complete().await;
    let mut form = action_form(&a.detail().await);
    form.push(("pledge", "1".into()));
    let (r1, r2) = tokio::join!(a.post("/submit", &form), a.post("/submit", &form));
    let mut statuses = [r1.status(), r2.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM application_events WHERE action = 'submit'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM notices WHERE recipient_kind = 'unit'")
            .await,
        1
    );
}

#[tokio::test]
async fn after_a_return_only_the_failed_modules_can_change() {
    let app = TestApp::spawn().await;
    let a = app.applicant().await;
    a.complete().await;
    assert_eq!(
        location(&a.submit(true).await),
        "/rsrc/zc/transfer?m=submitted"
    );
    // A reviewer fails 工作经历 and returns (the review pages arrive with the review chain).
    let id = Uuid::parse_str(&a.app_id).unwrap();
    let db = &app.state.db.conn;
    let m = zhicheng::store::applications::find_any(db, id)
        .await
        .unwrap()
        .unwrap();
    zhicheng::store::exec(
        db,
        "INSERT INTO module_reviews (id, application_id, round, module, unit_id, opinion, created_at) VALUES (?, ?, ?, 'work', ?, '工作经历时间不连续，请补充', 0)",
        vec![Uuid::now_v7().into(), id.into(), m.round.into(), a.unit_id.into()],
    )
    .await
    .unwrap();
    let to = zhicheng::domain::workflow::Position {
        state: zhicheng::domain::workflow::State::Returned,
        holder: None,
    };
    zhicheng::store::applications::move_to(db, &m, to, false, 0)
        .await
        .unwrap();

    let html = a.detail().await;
    assert!(html.contains("已退回") && html.contains("工作经历时间不连续，请补充"));
    // The opinions are summed up at the top, before the first module, linked to theirs.
    let summary = html
        .find("id=\"opinions\"")
        .expect("a summary of the opinions");
    assert!(summary < html.find("id=\"module-basic\"").unwrap());
    assert!(
        html[summary..]
            .contains("<a href=\"#module-work\">工作经历</a>：工作经历时间不连续，请补充")
    );
    let res = a.module("original", &[("title_name", "高级工程师")]).await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "an unfailed module stays locked"
    );
    assert_eq!(
        status_of(&a.client, &app.url(&a.path("/basic"))).await,
        StatusCode::SEE_OTHER
    );
    let res = a
        .module(
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
    let res = a.submit(true).await;
    assert_eq!(location(&res), "/rsrc/zc/transfer?m=submitted");
    let (state, holder) = app.state_of(&a.app_id).await;
    assert_eq!(
        (state.as_str(), holder),
        ("pending", Some(a.unit_id)),
        "resubmission starts again at the 申报单位"
    );
}

#[tokio::test]
async fn applications_are_visible_to_their_owner_only_and_fields_cannot_be_smuggled_in() {
    let app = TestApp::spawn().await;
    let a = app.applicant().await;
    let (stranger, _) = app.person_client().await;
    for path in ["", "/basic", "/progress"] {
        let res = fetch(&stranger, &app.url(&a.path(path))).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let res = app
        .post_page(
            &stranger,
            "/rsrc/zc/transfer",
            &a.path("/module/work"),
            &[("from", "2010-01-01")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // A unit account gets "not found" for the applicant's pages.
    let (code, _, _) = app.register_unit().await;
    let unit = TestApp::new_client();
    app.login(&unit, "unit", &code, PASSWORD).await;
    assert_eq!(
        status_of(&unit, &app.url(&a.path(""))).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status_of(&unit, &app.url("/rsrc/zc/transfer")).await,
        StatusCode::NOT_FOUND
    );
    // State, holder and round are not form fields.
    let res = app
        .post_page(
            &a.client,
            &a.path("/basic"),
            &a.path("/basic"),
            &[
                ("state", "approved"),
                ("holder_unit_id", &a.unit_id.to_string()),
                ("round", "9"),
                ("is_work_unit", "是"),
            ],
        )
        .await;
    assert!(location(&res).contains("m=saved"));
    assert_eq!(app.state_of(&a.app_id).await, ("draft".to_owned(), None));
}

#[tokio::test]
async fn deleting_a_draft_removes_its_files() {
    let app = TestApp::spawn().await;
    let a = app.applicant().await;
    a.upload("photo", "me.png", b"\x89PNG\r\n\x1a\n0000".to_vec())
        .await;
    assert_eq!(
        std::fs::read_dir(app.data_dir.path().join("data/files"))
            .unwrap()
            .count(),
        1
    );
    let res = a.post("/delete", &action_form(&a.detail().await)).await;
    assert_eq!(location(&res), "/rsrc/zc/transfer?m=deleted");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM applications").await, 0);
    assert_eq!(
        std::fs::read_dir(app.data_dir.path().join("data/files"))
            .unwrap()
            .count(),
        0
    );
    // A new one can start.
    assert_eq!(
        status_of(&a.client, &app.url("/rsrc/zc/transfer/new")).await,
        StatusCode::OK
    );
}

/// 站内消息 pages by 50, newest first, with links to older messages and back.
#[tokio::test]
async fn the_message_box_pages_through_older_messages() {
    let app = TestApp::spawn().await;
    let (c, id) = app.person_client().await;
    let p =
        zhicheng::store::accounts::person_by_id_number(&app.state.db.conn, &app.state.keys, &id)
            .await
            .unwrap()
            .unwrap();
    let to = (zhicheng::domain::auth::SubjectKind::Person, p.id);
    for i in 0..55 {
        zhicheng::store::notices::notify(
            &app.state.db.conn,
            to,
            1_800_000_000_000 + i * 1000,
            &format!("消息{i:02}"),
            "",
            "",
        )
        .await
        .unwrap();
    }
    let first = get_html(&c, &app.url("/rsrc/zc/messages")).await;
    assert!(first.contains("本页 50 条") && first.contains("消息54") && !first.contains("消息04"));
    let marker = "href=\"?before=";
    let at = first.find(marker).expect("a link to older messages") + marker.len() - "before=".len();
    let query = &first[at..at + first[at..].find('"').unwrap()];
    let older = get_html(&c, &app.url(&format!("/rsrc/zc/messages?{query}"))).await;
    assert!(older.contains("本页 5 条") && older.contains("消息04") && !older.contains("消息05"));
    assert!(older.contains("href=\"?\">最新消息") && !older.contains(marker));
    // A cursor that is not one reads as the newest page.
    let bad = get_html(&c, &app.url("/rsrc/zc/messages?before=x.y")).await;
    assert!(bad.contains("消息54"));
}

/// Saves queued together on SQLite share one transaction and one commit (`Db::write`): each
/// write still stands or falls alone. Sixty writes at once, every third failing after its
/// insert and one panicking: exactly the others' rows remain, each answered as it ended.
#[tokio::test]
async fn writes_committed_together_stand_or_fall_alone() {
    use zhicheng::error::AppError;
    use zhicheng::messages::Msg;
    let app = TestApp::spawn().await;
    let recipient = Uuid::new_v4();
    let writes = (0..60).map(|i| {
        let db = app.state.db.clone();
        tokio::spawn(async move {
            let job: zhicheng::store::Job = Box::new(move |tx| {
                Box::pin(async move {
                    zhicheng::store::exec(
                        tx,
                        "INSERT INTO notices (id, recipient_kind, recipient_id, title, body, link, created_at) \
                         VALUES (?, 'person', ?, ?, '', '', 0)",
                        vec![Uuid::new_v4().into(), recipient.into(), format!("grouped-{i:02}").into()],
                    )
                    .await?;
                    match i {
                        7 => panic!("a write that panics"),
                        _ if i % 3 == 0 => Err(AppError::Conflict(Msg::Contended)),
                        _ => Ok(()),
                    }
                })
            });
            (i, db.write(job).await)
        })
    });
    let outcomes = futures::future::join_all(writes).await;
    let mut kept = Vec::new();
    for o in outcomes {
        let (i, outcome) = o.unwrap();
        match i {
            7 => assert!(
                matches!(outcome, Err(AppError::Unexpected(_))),
                "write 7 panicked"
            ),
            _ if i % 3 == 0 => assert!(matches!(outcome, Err(AppError::Conflict(_))), "write {i}"),
            _ => {
                assert!(outcome.is_ok(), "write {i}: {outcome:?}");
                kept.push(format!("grouped-{i:02}"));
            }
        }
    }
    let rows: Vec<String> = app
        .rows("SELECT title FROM notices WHERE title LIKE 'grouped-%' ORDER BY title")
        .await
        .iter()
        .map(|r| r.try_get("", "title").unwrap())
        .collect();
    kept.sort();
    assert_eq!(kept.len(), 39);
    assert_eq!(rows, kept);
}

/// On SQLite no commit copies the write-ahead log back into the database file (the pool's
/// connections have `wal_autocheckpoint=0`): the group writer's checkpointer does it beside
/// the writer. About 3 MB written, under SQLite's own threshold of 1,000 pages: the database
/// file grows by it only if the checkpointer ran.
#[tokio::test]
async fn the_write_ahead_log_is_copied_back_beside_the_writer() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    if db.backend() != sea_orm::DbBackend::Sqlite {
        eprintln!("only SQLite keeps a write-ahead log of its own");
        return;
    }
    let auto: Option<i64> = zhicheng::store::query_scalar(
        &db.conn,
        "PRAGMA wal_autocheckpoint",
        vec![],
        "wal_autocheckpoint",
    )
    .await
    .unwrap();
    assert_eq!(auto, Some(0), "commits do not checkpoint");
    let file = app.data_dir.path().join("test.db");
    let before = std::fs::metadata(&file).unwrap().len();
    let recipient = Uuid::new_v4();
    for batch in 0..30 {
        let job: zhicheng::store::Job = Box::new(move |tx| {
            Box::pin(async move {
                for i in 0..10 {
                    zhicheng::store::exec(
                        tx,
                        "INSERT INTO notices (id, recipient_kind, recipient_id, title, body, link, created_at) \
                         VALUES (?, 'person', ?, ?, ?, '', 0)",
                        vec![
                            Uuid::new_v4().into(),
                            recipient.into(),
                            format!("wal-{batch}-{i}").into(),
                            // Random, so that nothing compresses it away.
                            Uuid::new_v4().simple().to_string().repeat(320).into(),
                        ],
                    )
                    .await?;
                }
                Ok(())
            })
        });
        db.write(job).await.unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let now = std::fs::metadata(&file).unwrap().len();
        if now >= before + 2_500_000 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the database file stayed at {now} bytes (from {before}): nothing was checkpointed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Under writes that never pause, the write-ahead log still starts over: the checkpointer
/// copies it back and, once it holds 1,000 frames, waits between two group commits for its
/// last readers, so that the next write begins it again. Without that pause a copy beside the
/// writer never caught up, and the log (and its file) grew with every write until the load
/// stopped: 300 MB in ten seconds of 保存 at 64 connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_write_ahead_log_starts_over_under_writes_that_never_pause() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let app = TestApp::spawn().await;
    let db = app.state.db.clone();
    if db.backend() != sea_orm::DbBackend::Sqlite {
        eprintln!("only SQLite keeps a write-ahead log of its own");
        return;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let recipient = Uuid::new_v4();
    let writers: Vec<_> = (0..32)
        .map(|_| {
            let (db, stop, done) = (db.clone(), stop.clone(), done.clone());
            tokio::spawn(async move {
                let mut written = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let job: zhicheng::store::Job = Box::new(move |tx| {
                        Box::pin(async move {
                            zhicheng::store::exec(
                                tx,
                                "INSERT INTO notices (id, recipient_kind, recipient_id, title, body, link, created_at) \
                                 VALUES (?, 'person', ?, 'wal', ?, '', 0)",
                                vec![
                                    Uuid::new_v4().into(),
                                    recipient.into(),
                                    Uuid::new_v4().simple().to_string().repeat(40).into(),
                                ],
                            )
                            .await?;
                            Ok(())
                        })
                    });
                    db.write(job).await.unwrap();
                    written += 1;
                    done.fetch_add(1, Ordering::Relaxed);
                }
                written
            })
        })
        .collect();
    // Readers all along, as pages are at a peak: a reader of the log's frames keeps it from
    // starting over.
    let readers: Vec<_> = (0..6)
        .map(|_| {
            let (db, stop) = (db.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    zhicheng::store::count(
                        &db.conn,
                        "SELECT COUNT(*) AS n FROM notices WHERE recipient_id = ?",
                        vec![recipient.into()],
                    )
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    // The log's frames, read every 200 ms (a PASSIVE checkpoint only copies; it never starts
    // the log over): they rise with the writes, and fall when the log begins again.
    let mut peak = 0i64;
    let mut restarted = None;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while std::time::Instant::now() < deadline {
        let log: i64 = zhicheng::store::query_scalar(
            &db.conn,
            "PRAGMA wal_checkpoint(PASSIVE)",
            vec![],
            "log",
        )
        .await
        .unwrap()
        .unwrap();
        if peak >= 1_000 && log < peak / 2 {
            restarted = Some(done.load(Ordering::Relaxed));
            break;
        }
        peak = peak.max(log);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // The writes went on through the log's new start: more are done a moment later. (A
    // count of writes by then says nothing: how many fill 1,000 frames depends on how many
    // each group commit takes.)
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let after = done.load(Ordering::Relaxed);
    let mut written = 0;
    for w in writers {
        written += w.await.unwrap();
    }
    for r in readers {
        r.await.unwrap();
    }
    let Some(at_restart) = restarted else {
        panic!("the log reached {peak} frames and never started over ({written} writes)");
    };
    assert!(
        after > at_restart,
        "the writes stopped when the log started over: {at_restart} then, {after} after"
    );
}

/// `sqlite_mmap_mib` reaches the SQLite connections as `mmap_size`; unset, nothing is
/// mapped.
#[tokio::test]
async fn the_sqlite_map_is_what_the_settings_say() {
    let mmap_size = |app: &TestApp| {
        let db = app.state.db.clone();
        async move {
            zhicheng::store::query_scalar::<i64>(&db.conn, "PRAGMA mmap_size", vec![], "mmap_size")
                .await
                .unwrap()
        }
    };
    let app = TestApp::spawn().await;
    if app.state.db.backend() != sea_orm::DbBackend::Sqlite {
        eprintln!("only SQLite maps its file");
        return;
    }
    assert_eq!(mmap_size(&app).await, Some(0));
    let mapped = TestApp::spawn_with(|s| s.sqlite_mmap_mib = 64).await;
    assert_eq!(mmap_size(&mapped).await, Some(64 << 20));
}

/// SQLite is built with its query planner stability guarantee (`.cargo/config.toml`): a
/// cached statement keeps its plan rather than being prepared again at every run whose
/// bound values (a `LIMIT ?`, a value with ANALYZE's samples) could change it. And without
/// the memory management libsqlite3-sys turns on, which puts every connection's page cache
/// behind one global mutex.
#[tokio::test]
async fn the_sqlite_planner_keeps_its_plans() {
    let app = TestApp::spawn().await;
    if app.state.db.backend() != sea_orm::DbBackend::Sqlite {
        eprintln!("only SQLite is built with the platform");
        return;
    }
    let build = app.state.db.sqlite_build().await.unwrap();
    assert!(build.keeps_plans, "SQLITE_ENABLE_QPSG");
    assert!(
        !build.shared_page_cache,
        "SQLITE_ENABLE_MEMORY_MANAGEMENT is taken out"
    );
}
