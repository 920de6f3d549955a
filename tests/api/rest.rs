//! The JSON API: the whole story through `/rsrc/api/v1` and `/sdmanager/api/v1` with API
//! tokens, idempotency keys, token scopes, the session's form-token header, and JSON errors.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use zhicheng::domain::auth::AdminRole;

use crate::helpers::*;

/// Creates a token on the 访问令牌 page of a logged-in client; returns its secret.
pub(crate) async fn token(app: &TestApp, c: &Client, url: &str, scope: &str) -> String {
    let html = get_html(c, url).await;
    let csrf = token_in(&html).expect("form token");
    let res = c
        .post(url)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("name", "对接测试"),
            ("scope", scope),
            ("days", "30"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    let secret = field_value(&html, "secret").expect("the secret is shown once");
    assert!(secret.starts_with("zc_"));
    // Shown once: the list shows the name, never the secret.
    let again = get_html(c, url).await;
    assert!(again.contains("对接测试") && !again.contains(&secret));
    let _ = app;
    secret
}

/// Asserts a 200 whose answer is in `state`; the answer.
fn expect_state((status, answer): (StatusCode, Value), state: &str) -> Value {
    assert_eq!(
        (status, answer["state"].as_str()),
        (StatusCode::OK, Some(state)),
        "{answer}"
    );
    answer
}

pub(crate) struct Api<'a> {
    pub app: &'a TestApp,
    pub c: Client,
    pub bearer: String,
    pub back: bool,
}

impl<'a> Api<'a> {
    /// A client of the front site's API, with a token of `scope` that the logged-in `c`
    /// created on its 访问令牌 page.
    pub async fn front_site(app: &'a TestApp, c: &Client, scope: &str) -> Api<'a> {
        let bearer = token(app, c, &app.url("/rsrc/zc/tokens"), scope).await;
        Api {
            app,
            c: TestApp::new_client(),
            bearer,
            back: false,
        }
    }

    /// A client of the back office's API, with a token of `scope` that the logged-in back
    /// office user `c` created on its 访问令牌 page.
    pub async fn back_office(app: &'a TestApp, c: &Client, scope: &str) -> Api<'a> {
        let bearer = token(app, c, &app.back_url("/sdmanager/tokens"), scope).await;
        Api {
            app,
            c: TestApp::new_client(),
            bearer,
            back: true,
        }
    }

    fn url(&self, path: &str) -> String {
        if self.back {
            self.app.back_url(path)
        } else {
            self.app.url(path)
        }
    }
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let res = self
            .c
            .get(self.url(path))
            .bearer_auth(&self.bearer)
            .send()
            .await
            .unwrap();
        let s = res.status();
        (s, res.json().await.unwrap_or(Value::Null))
    }
    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> (StatusCode, Value) {
        let res = self
            .c
            .request(method, self.url(path))
            .bearer_auth(&self.bearer)
            .json(&body)
            .send()
            .await
            .unwrap();
        let s = res.status();
        (s, res.json().await.unwrap_or(Value::Null))
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, body).await
    }
    async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PUT, path, body).await
    }
}

#[tokio::test]
async fn the_whole_story_through_the_api_with_tokens() {
    let app = TestApp::spawn().await;
    let (code_a, name_a, _) = app.register_unit().await;
    let (code_b, _, _) = app.register_unit().await;
    let (a_id, b_id) = (app.unit_id(&code_a).await, app.unit_id(&code_b).await);
    let (pc, person_id) = app.person_client().await;
    let person = Api::front_site(&app, &pc, "write").await;
    let d = app.state.dicts();
    let title = d.titles.iter().find(|t| t.name == "工程师").unwrap();
    let specialty = d
        .specialties_of(&title.series_code)
        .find(|s| s.name == "机械工程")
        .unwrap()
        .id;

    let (s, me) = person.get("/rsrc/api/v1/me").await;
    assert_eq!((s, me["kind"].as_str()), (StatusCode::OK, Some("person")));

    // 新增: a draft with its 基本信息; the unit named exactly is resolved.
    let (s, created) = person
        .post(
            "/rsrc/api/v1/applications",
            json!({"phone": "13912345678", "declare_unit_name": name_a, "is_work_unit": "是",
                   "level": "3", "title": title.id, "specialty": specialty,
                   "declare_method": "1", "title_year": "2018"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, detail) = person.get(&format!("/rsrc/api/v1/applications/{id}")).await;
    assert_eq!(detail["basic"]["declare_unit"], json!(a_id));
    assert!(!detail["gaps"].as_array().unwrap().is_empty());

    // A bad field is a 422 naming it; nothing is saved.
    let (s, err) = person
        .put(
            &format!("/rsrc/api/v1/applications/{id}/transfer"),
            json!({"prev_employer": "南京某机械有限公司", "prev_province": "江苏省", "moved_date": "2999-01-01", "how": "调动"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(err["fields"]["moved_date"]["message"].is_string(), "{err}");

    for (module, body) in [
        (
            "original",
            json!({"title_name": "工程师", "series": "05", "level": "3", "obtained_by": "评审",
            "issuer": "江苏省工程技术中级评审委员会", "approval_no": "苏职改〔2018〕12号", "issuer_region": "江苏省",
            "certificate_no": "JS2018-000123", "obtained_date": "2018-06-30"}),
        ),
        (
            "transfer",
            json!({"prev_employer": "南京某机械有限公司", "prev_province": "江苏省", "moved_date": "2024-03-01", "how": "调动"}),
        ),
        (
            "education",
            json!({"rows": [{"school": "东南大学", "major": "机械工程", "education": "大学本科", "degree": "学士", "graduated": "2012-07-01"}]}),
        ),
        (
            "work",
            json!({"rows": [{"from": "2012-07-15", "to": "2024-02-28", "employer": "南京某机械有限公司", "post": "工程师"}]}),
        ),
    ] {
        let (s, v) = person
            .put(&format!("/rsrc/api/v1/applications/{id}/{module}"), body)
            .await;
        assert_eq!(s, StatusCode::OK, "{module}: {v}");
    }
    for slot in REQUIRED_SLOTS {
        let form = reqwest::multipart::Form::new().text("slot", slot).part(
            "file",
            reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("scan.pdf"),
        );
        let res = person
            .c
            .post(app.url(&format!("/rsrc/api/v1/applications/{id}/attachments")))
            .bearer_auth(&person.bearer)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "{slot}");
    }

    // 确定申报 without the pledge: 422 with the reason; with it, 待审核 at unit A.
    let (_, detail) = person.get(&format!("/rsrc/api/v1/applications/{id}")).await;
    assert_eq!(detail["gaps"], json!([]));
    let version = detail["version"].as_str().unwrap().to_owned();
    let (s, err) = person
        .post(
            &format!("/rsrc/api/v1/applications/{id}/submit"),
            json!({"version": version, "pledge": false}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["pledge"]["code"], "pledge_required");
    let submit = |key: &'static str, version: String| {
        let (c, bearer, url) = (
            person.c.clone(),
            person.bearer.clone(),
            app.url(&format!("/rsrc/api/v1/applications/{id}/submit")),
        );
        async move {
            c.post(url)
                .bearer_auth(bearer)
                .header("Idempotency-Key", key)
                .json(&json!({"version": version, "pledge": true}))
                .send()
                .await
                .unwrap()
        }
    };
    let first = submit("submit-1", version.clone()).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first_body: Value = first.json().await.unwrap();
    assert_eq!(first_body["state"], "pending");
    // The same key and body again: the first answer, not a second submission (which would be 409).
    let replay = submit("submit-1", version.clone()).await;
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.json::<Value>().await.unwrap(), first_body);
    // The same key with another body is refused.
    let other = submit("submit-1", "0".into()).await;
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        other.json::<Value>().await.unwrap()["code"],
        "idempotency_key_reused"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'application_submit'")
            .await,
        1
    );

    // Unit A: the queue, 通过 → 待上报 (no grant), a path to B, 数据上报.
    let ua = Api::front_site(&app, &app.unit_client(&code_a).await, "write").await;
    let ub = Api::front_site(&app, &app.unit_client(&code_b).await, "write").await;
    let (s, q) = ua.get("/rsrc/api/v1/review?held_now=true").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(q["items"][0]["id"], json!(id));
    assert!(q["items"][0]["id_masked"].as_str().unwrap().contains('*'));
    let v = q["items"][0]["version"].as_str().unwrap().to_owned();
    // Person B's unit does not see it.
    assert_eq!(
        ub.get(&format!("/rsrc/api/v1/review/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    let p = expect_state(
        ua.post(
            &format!("/rsrc/api/v1/review/{id}/approve"),
            json!({"version": v, "opinion": ""}),
        )
        .await,
        "to_report",
    );
    // 数据上报 of the application A approved.
    let report = || {
        ua.post(
            "/rsrc/api/v1/report",
            json!({"items": [{"id": id, "version": p["version"]}]}),
        )
    };
    let (s, r) = report().await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        r["problems"][0].as_str().unwrap().contains("上报路径"),
        "{r}"
    );
    let (s, path) = ua
        .post(
            "/rsrc/api/v1/paths",
            json!({"superior": b_id, "series": "05", "level": "3"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{path}");
    let (_, asked) = ub.get("/rsrc/api/v1/paths/asked").await;
    assert_eq!(asked[0]["id"], path["id"]);
    expect_state(
        ub.post(
            &format!("/rsrc/api/v1/paths/{}/decide", path["id"].as_str().unwrap()),
            json!({"decision": "approve"}),
        )
        .await,
        "active",
    );
    let (s, r) = report().await;
    assert_eq!(
        (s, r["reported"].clone()),
        (StatusCode::OK, json!([id])),
        "{r}"
    );

    // B asks for final authority; the city bureau's operator grants it through its API.
    let (s, g) = ub
        .post(
            "/rsrc/api/v1/grants",
            json!({"level": "3", "bureau": "370100"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{g}");
    let op = app
        .admin_client("jn_api", "370100", AdminRole::Operator)
        .await;
    let bureau = Api::back_office(&app, &op, "write").await;
    let (s, list) = bureau.get("/sdmanager/api/v1/grants?state=pending").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["items"][0]["id"], g["id"]);
    expect_state(
        bureau
            .post(
                &format!(
                    "/sdmanager/api/v1/grants/{}/decide",
                    g["id"].as_str().unwrap()
                ),
                json!({"decision": "approve"}),
            )
            .await,
        "active",
    );
    // 统计分析 of the city, as on the page: the one application, by state with codes.
    let (s, stats) = bureau.get("/sdmanager/api/v1/stats").await;
    assert_eq!(
        (s, stats["total"].as_i64()),
        (StatusCode::OK, Some(1)),
        "{stats}"
    );
    assert_eq!(stats["tables"][0]["by"], "state");
    assert_eq!(
        stats["tables"][0]["rows"][0],
        json!({"code": "pending", "label": "待审核", "count": 1})
    );
    assert_eq!(
        bureau
            .get("/sdmanager/api/v1/stats?from=2024-13-45")
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        bureau.get("/sdmanager/api/v1/stats?from=yesterday").await.0,
        StatusCode::BAD_REQUEST
    );
    // 申报明细: masked in the list; in full only by the audited POST.
    let (s, details) = bureau.get("/sdmanager/api/v1/stats/applications").await;
    assert_eq!(s, StatusCode::OK, "{details}");
    assert_eq!(details["items"][0]["id"].as_str(), Some(id.as_str()));
    let masked = details["items"][0]["id_number"].as_str().unwrap();
    assert!(masked.contains('*') && masked != person_id);
    let (s, full) = bureau
        .post("/sdmanager/api/v1/stats/applications/full", json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{full}");
    assert_eq!(
        full["items"][0]["id_number"].as_str(),
        Some(person_id.as_str())
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'pii_export'")
            .await,
        1
    );
    // 业务监管: find unit A by its credit code, correct its name (a reason is required),
    // unlock B; a one-character query or an unknown action is refused.
    let (s, found) = bureau
        .get(&format!("/sdmanager/api/v1/units?q={code_a}"))
        .await;
    assert_eq!((s, found[0]["id"].clone()), (StatusCode::OK, json!(a_id)));
    let (s, all) = bureau.get("/sdmanager/api/v1/units/all?limit=1").await;
    assert_eq!(s, StatusCode::OK, "{all}");
    let cursor = all["next"]
        .as_str()
        .expect("two units, one per page")
        .to_owned();
    let (_, rest) = bureau
        .get(&format!(
            "/sdmanager/api/v1/units/all?limit=1&cursor={cursor}"
        ))
        .await;
    let mut both = [
        all["items"][0]["id"].clone(),
        rest["items"][0]["id"].clone(),
    ];
    both.sort_by_key(|v| v.to_string());
    let mut expected = [json!(a_id), json!(b_id)];
    expected.sort_by_key(|v| v.to_string());
    assert_eq!(both, expected);
    let (s, err) = bureau.get("/sdmanager/api/v1/units?q=%E6%B5%8E").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(err["fields"]["q"]["message"].is_string());
    let renamed = format!("{name_a}（更正）");
    let (s, err) = bureau
        .post(
            &format!("/sdmanager/api/v1/units/{a_id}/rename"),
            json!({"name": renamed, "reason": ""}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(err["fields"]["reason"]["message"].is_string(), "{err}");
    let (s, u) = bureau
        .post(
            &format!("/sdmanager/api/v1/units/{a_id}/rename"),
            json!({"name": renamed, "reason": "营业执照名称变更"}),
        )
        .await;
    assert_eq!(
        (s, u["name"].as_str()),
        (StatusCode::OK, Some(renamed.as_str())),
        "{u}"
    );
    let (s, out) = bureau
        .post(
            &format!("/sdmanager/api/v1/units/{b_id}/account"),
            json!({"action": "unlock"}),
        )
        .await;
    assert_eq!(
        (s, out["one_time_password"].clone()),
        (StatusCode::OK, Value::Null)
    );
    let (s, _) = bureau
        .post(
            &format!("/sdmanager/api/v1/units/{b_id}/account"),
            json!({"action": "explode"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) AS n FROM audit_log WHERE action IN ('unit_rename', 'account_unlock')"
        )
        .await,
        2
    );
    // A front token means nothing to the back office, and the reverse.
    assert_eq!(
        Api {
            app: &app,
            bearer: person.bearer.clone(),
            c: TestApp::new_client(),
            back: true
        }
        .get("/sdmanager/api/v1/me")
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );

    // B: 通过 is now 终审通过; the person downloads the 转入表.
    let (_, q) = ub.get("/rsrc/api/v1/review?held_now=true").await;
    expect_state(
        ub.post(
            &format!("/rsrc/api/v1/review/{id}/approve"),
            json!({"version": q["items"][0]["version"], "opinion": "同意"}),
        )
        .await,
        "approved",
    );
    let pdf = person
        .c
        .get(app.url(&format!("/rsrc/api/v1/applications/{id}/form.pdf")))
        .bearer_auth(&person.bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    let (_, hist) = person
        .get(&format!("/rsrc/api/v1/applications/{id}/history"))
        .await;
    let actions = texts(&hist, "action");
    assert!(
        actions.contains(&"submit") && actions.contains(&"report") && actions.contains(&"final"),
        "{actions:?}"
    );
    let (_, msgs) = person.get("/rsrc/api/v1/messages?limit=2").await;
    assert_eq!(msgs["items"].as_array().unwrap().len(), 2);
    let (_, older) = person
        .get(&format!(
            "/rsrc/api/v1/messages?limit=2&cursor={}",
            msgs["next"].as_str().unwrap()
        ))
        .await;
    assert_ne!(older["items"][0]["id"], msgs["items"][0]["id"]);
}

#[tokio::test]
async fn tokens_scopes_sessions_and_errors() {
    let app = TestApp::spawn().await;
    let (pc, _) = app.person_client().await;
    let read = token(&app, &pc, &app.url("/rsrc/zc/tokens"), "read").await;
    let c = TestApp::new_client();
    let api = |m: reqwest::Method, path: &str| c.request(m, app.url(path));

    // A read-only token reads, and is refused every write with the catalogue's message.
    let res = api(reqwest::Method::GET, "/rsrc/api/v1/applications")
        .bearer_auth(&read)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = api(reqwest::Method::POST, "/rsrc/api/v1/applications")
        .bearer_auth(&read)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        (v["code"].as_str(), v["message"].as_str()),
        (
            Some("token_read_only"),
            Some("该访问令牌只读，不能办理此操作")
        )
    );

    // No credential, or a wrong one: 401 in JSON.
    for bearer in [None, Some("zc_nonsense")] {
        let mut rq = api(reqwest::Method::GET, "/rsrc/api/v1/me");
        if let Some(b) = bearer {
            rq = rq.bearer_auth(b);
        }
        let res = rq.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert!(res.json::<Value>().await.unwrap()["message"].is_string());
    }

    // Revoked on the page: refused at once.
    let html = get_html(&pc, &app.url("/rsrc/zc/tokens")).await;
    let start = html.find("/rsrc/zc/tokens/").unwrap();
    let action: String = html[start..].chars().take_while(|c| *c != '"').collect();
    let res = pc
        .post(app.url(&action))
        .form(&[("_csrf", token_in(&html).unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/rsrc/zc/tokens?m=token_revoked");
    let res = api(reqwest::Method::GET, "/rsrc/api/v1/me")
        .bearer_auth(&read)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(app.audited("api_token_revoke").await, "revocation audited");

    // The browser session works for same-site scripts; writes need the form token header.
    let res = fetch(&pc, &app.url("/rsrc/api/v1/me")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = post_json(&pc, app.url("/rsrc/api/v1/applications"), &json!({})).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let csrf = token_in(&get_html(&pc, &app.url("/rsrc/zc/tokens")).await).unwrap();
    let res = pc
        .post(app.url("/rsrc/api/v1/applications"))
        .header("X-CSRF-Token", csrf)
        .json(&json!({"phone": "12"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.json::<Value>().await.unwrap()["fields"]["phone"]["message"].is_string());

    // Bad input of every kind is a 4xx with a JSON body, never a page or a 500.
    let write = token(&app, &pc, &app.url("/rsrc/zc/tokens"), "write").await;
    let cases: Vec<(reqwest::Method, &str, Option<&str>, u16)> = vec![
        (
            reqwest::Method::POST,
            "/rsrc/api/v1/applications",
            Some("{not json"),
            400,
        ),
        (
            reqwest::Method::POST,
            "/rsrc/api/v1/applications",
            Some("{\"phone\": 5}"),
            400,
        ),
        (
            reqwest::Method::POST,
            "/rsrc/api/v1/applications",
            Some("{\"phone\": \"1\\u00002\"}"),
            422,
        ),
        (
            reqwest::Method::GET,
            "/rsrc/api/v1/applications/not-a-uuid",
            None,
            404,
        ),
        (
            reqwest::Method::GET,
            "/rsrc/api/v1/applications/0190d5a0-0000-7000-8000-000000000000",
            None,
            404,
        ),
        (reqwest::Method::GET, "/rsrc/api/v1/review", None, 404),
        (reqwest::Method::GET, "/rsrc/api/v1/nothing-here", None, 404),
        (
            reqwest::Method::GET,
            "/rsrc/api/v1/messages?limit=abc",
            None,
            400,
        ),
        (
            reqwest::Method::GET,
            "/rsrc/api/v1/messages?cursor=zzz",
            None,
            400,
        ),
    ];
    for (m, path, body, want) in cases {
        let mut rq = api(m.clone(), path).bearer_auth(&write);
        if let Some(b) = body {
            rq = rq
                .header("content-type", "application/json")
                .body(b.to_owned());
        }
        let res = rq.send().await.unwrap();
        assert_eq!(res.status().as_u16(), want, "{m} {path} {body:?}");
        assert!(
            header(&res, "content-type").starts_with("application/json"),
            "{path}"
        );
        let v: Value = res.json().await.unwrap();
        assert!(v["code"].is_string() && v["message"].is_string(), "{v}");
    }
    let res = api(reqwest::Method::POST, "/rsrc/api/v1/applications")
        .bearer_auth(&write)
        .header("Idempotency-Key", "bad key")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_openapi_documents_and_reference_pages_are_served() {
    let app = TestApp::spawn().await;
    let c = TestApp::new_client();
    for (url, snapshot) in [
        (
            app.url("/rsrc/api/openapi.json"),
            "tests/api/openapi-front.json",
        ),
        (
            app.back_url("/sdmanager/api/openapi.json"),
            "tests/api/openapi-back.json",
        ),
    ] {
        let doc: Value = fetch(&c, &url).await.json().await.unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let text = serde_json::to_string_pretty(&doc).unwrap() + "\n";
        // The document is part of the interface: a change must be deliberate. Run with
        // ZHICHENG_UPDATE_SNAPSHOTS=1 to accept one.
        if std::env::var_os("ZHICHENG_UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(snapshot, &text).unwrap();
        }
        let kept = std::fs::read_to_string(snapshot).expect("snapshot exists");
        assert!(kept == text, "{snapshot} differs from the served document");
    }
    let page = get_html(&c, &app.url("/rsrc/api/docs")).await;
    assert!(
        page.contains("POST /rsrc/api/v1/applications/{id}/submit")
            && page.contains("ApplicationDetail")
    );
    assert!(!page.contains("<script"));
    let back = get_html(&c, &app.back_url("/sdmanager/api/docs")).await;
    assert!(back.contains("/sdmanager/api/v1/grants/{id}/decide"));
}

#[tokio::test]
async fn registration_through_the_api_and_strict_queries() {
    let app = TestApp::spawn().await;
    let c = TestApp::new_client();
    let (id, phone) = (citizen_id(), phone());
    let person = json!({"name": "王小明", "id_number": id, "phone": phone,
                        "password": PASSWORD, "password2": PASSWORD});
    let res = post_json(&c, app.url("/rsrc/api/v1/register/person"), &person).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        (v["account"].as_str(), v["name"].as_str()),
        (Some(id.as_str()), Some("王小明"))
    );
    // The account is real: it logs in on the page, and its registration is audited.
    let page = TestApp::new_client();
    assert_eq!(
        app.login(&page, "person", &id, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'register'")
            .await,
        1
    );
    // Again: refused on the field, as the page refuses it; a bad entry names every field.
    let res = post_json(&c, app.url("/rsrc/api/v1/register/person"), &person).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.json::<Value>().await.unwrap()["fields"]["id_number"]["code"],
        "id_taken"
    );
    let res = post_json(
        &c,
        app.url("/rsrc/api/v1/register/unit"),
        &json!({"name": "", "credit_code": "123", "region": "nowhere", "password": "x"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields = res.json::<Value>().await.unwrap()["fields"].clone();
    for f in ["name", "credit_code", "region", "password"] {
        assert!(fields[f]["message"].is_string(), "{f}: {fields}");
    }

    // Query values outside what the document declares are a 400, never silently clamped.
    let (pc, _) = app.person_client().await;
    let bearer = token(&app, &pc, &app.url("/rsrc/zc/tokens"), "write").await;
    for (query, status) in [
        ("limit=0", StatusCode::BAD_REQUEST),
        ("limit=", StatusCode::BAD_REQUEST),
        ("limit=101", StatusCode::BAD_REQUEST),
        ("cursor=%C2%84", StatusCode::BAD_REQUEST),
        (
            "cursor=-5.01a23d35-389b-74ab-a71d-d6ae55e970f3",
            StatusCode::BAD_REQUEST,
        ),
        (
            "cursor=5.01A23D35-389B-74AB-A71D-D6AE55E970F3",
            StatusCode::BAD_REQUEST,
        ),
        (
            "cursor=5.01a23d35-389b-74ab-a71d-d6ae55e970f3&limit=100",
            StatusCode::OK,
        ),
        ("cursor=", StatusCode::OK),
    ] {
        let res = c
            .get(app.url(&format!("/rsrc/api/v1/messages?{query}")))
            .bearer_auth(&bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{query}");
    }
    let long = "测".repeat(101);
    let res = c
        .get(app.url(&format!("/rsrc/api/v1/units?q={long}")))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // 修改密码 through the API: the current password is checked, the policy holds, the
    // page sessions end, the token goes on working.
    let pw = |current: &str, new: &str| {
        c.post(app.url("/rsrc/api/v1/me/password"))
            .bearer_auth(&bearer)
            .json(&json!({"current": current, "password": new, "password2": new}))
            .send()
    };
    let res = pw("Wrong#2026pass", "New#2026passwd").await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.json::<Value>().await.unwrap()["fields"]["current"]["code"],
        "current_password_wrong"
    );
    let res = pw(PASSWORD, "short").await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        pw(PASSWORD, "New#2026passwd").await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let res = fetch(&pc, &app.url("/rsrc/zc/account")).await;
    assert_ne!(res.status(), StatusCode::OK, "the page session ended");
    let res = c
        .get(app.url("/rsrc/api/v1/me"))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // A method the path does not take is a 405, with or without an idempotency key, and a
    // key used with it is still free for the real call.
    for key in [None, Some("k-1")] {
        let mut rq = c
            .request(reqwest::Method::PATCH, app.url("/rsrc/api/v1/applications"))
            .bearer_auth(&bearer)
            .json(&json!({}));
        if let Some(k) = key {
            rq = rq.header("Idempotency-Key", k);
        }
        assert_eq!(
            rq.send().await.unwrap().status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
    }
    let res = c
        .post(app.url("/rsrc/api/v1/applications"))
        .bearer_auth(&bearer)
        .header("Idempotency-Key", "k-1")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(res.headers().get("idempotent-replayed").is_none());
}

#[test]
fn every_reference_in_the_openapi_documents_resolves() {
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    for snapshot in [
        "tests/api/openapi-front.json",
        "tests/api/openapi-back.json",
    ] {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(snapshot).unwrap()).unwrap();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(!found.is_empty());
        for r in found {
            let pointer = r.strip_prefix('#').expect("a local reference");
            assert!(
                doc.pointer(pointer).is_some(),
                "{snapshot}: {r} resolves to nothing"
            );
        }
    }
}
