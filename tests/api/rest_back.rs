//! The back office's administration through `/sdmanager/api/v1` (后台用户管理, 字典管理,
//! 审计日志, 申报人查询 with the audited reveal, 站内消息) and 找回密码 through the front API.

use reqwest::StatusCode;
use serde_json::{Value, json};
use zhicheng::domain::auth::AdminRole;

use crate::helpers::*;
use crate::rest::{Api, token};

async fn back_api<'a>(app: &'a TestApp, user: &str, bureau: &str, role: AdminRole) -> Api<'a> {
    let c = app.admin_client(user, bureau, role).await;
    Api::back_office(app, &c, "write").await
}

#[tokio::test]
async fn back_office_users_dictionaries_and_the_audit_log_through_the_api() {
    let app = TestApp::spawn().await;
    let sys = back_api(&app, "sd_sys", "370000", AdminRole::System).await;
    let op = back_api(&app, "sd_op", "370000", AdminRole::Operator).await;
    let auditor = back_api(&app, "sd_audit", "370000", AdminRole::Auditor).await;

    // 新增后台用户: the one-time password once, then the user logs in with it.
    let new = json!({"username": "jn_api_admin", "display_name": "赵六", "bureau": "370100",
                     "role": "operator"});
    let (s, created) = sys.post("/sdmanager/api/v1/admins", new.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["admin"]["bureau_name"],
        "济南市人力资源和社会保障局"
    );
    assert_eq!(created["admin"]["role"], "operator");
    let otp = created["one_time_password"].as_str().unwrap().to_owned();
    let c = TestApp::new_client();
    assert_eq!(
        location(&app.admin_login(&c, "jn_api_admin", &otp).await),
        "/sdmanager/home"
    );
    let res = fetch(&c, &app.back_url("/sdmanager/home")).await;
    assert_eq!(location(&res), "/sdmanager/password?m=must_change_password");
    let (s, list) = sys.get("/sdmanager/api/v1/admins").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|a| a["username"] == "jn_api_admin")
    );
    // Taken, then wrong in every field: 422 on each, as the page.
    let (s, e) = sys.post("/sdmanager/api/v1/admins", new).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["fields"]["username"]["message"], "该用户名已存在");
    let (s, e) = sys
        .post(
            "/sdmanager/api/v1/admins",
            json!({"username": "x", "display_name": "", "bureau": "999999",
                   "role": "auditor", "cert_fingerprint": "abc"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for f in ["username", "display_name", "bureau", "cert_fingerprint"] {
        assert!(e["fields"][f]["message"].is_string(), "{f}: {e}");
    }
    // Each role keeps to its own pages.
    assert_eq!(
        op.get("/sdmanager/api/v1/admins").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        sys.get("/sdmanager/api/v1/audit").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        auditor.get("/sdmanager/api/v1/dicts/series").await.0,
        StatusCode::FORBIDDEN
    );

    // 字典管理: a new series reaches the public dictionary at once; disabled, it leaves it.
    let (s, added) = op
        .post(
            "/sdmanager/api/v1/dicts/series",
            json!({"op": "add", "name": "接口测试系列"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{added}");
    let key = added["key"].as_str().unwrap().to_owned();
    let front = get_json(app.url("/rsrc/api/v1/dict/series")).await;
    assert!(has_name(&front, "接口测试系列"));
    let (s, e) = op
        .post(
            "/sdmanager/api/v1/dicts/series",
            json!({"op": "add", "name": "接口测试系列"}),
        )
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::CONFLICT, Some("dict_duplicate"))
    );
    let (s, _) = op
        .post(
            "/sdmanager/api/v1/dicts/series",
            json!({"op": "disable", "key": key}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, entries) = op.get("/sdmanager/api/v1/dicts/series").await;
    let entry = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key"] == key.as_str())
        .expect("a disabled entry stays listed here")
        .clone();
    assert_eq!(entry["enabled"], false);
    let front = get_json(app.url("/rsrc/api/v1/dict/series")).await;
    assert!(!has_name(&front, "接口测试系列"));
    for (path, body, status) in [
        (
            "/sdmanager/api/v1/dicts/series",
            json!({"op": "enable", "key": "no-such-key"}),
            StatusCode::NOT_FOUND,
        ),
        (
            "/sdmanager/api/v1/dicts/nothing",
            json!({"op": "add", "name": "甲"}),
            StatusCode::NOT_FOUND,
        ),
        (
            "/sdmanager/api/v1/dicts/titles",
            json!({"op": "add", "name": "接口职称", "series": "no", "level": "no"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/sdmanager/api/v1/dicts/methods",
            json!({"op": "add", "name": "  "}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        assert_eq!(op.post(path, body).await.0, status, "{path}");
    }

    // 审计日志: the steps above are there, newest first, paged by `before`.
    let (s, page) = auditor
        .get("/sdmanager/api/v1/audit?action=dict_change&limit=1")
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert!(
        page["items"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("disable")
    );
    assert_eq!(page["items"][0]["actor"], "sd_op");
    let before = page["next"].as_i64().expect("another page");
    let (_, older) = auditor
        .get(&format!(
            "/sdmanager/api/v1/audit?action=dict_change&limit=1&before={before}"
        ))
        .await;
    assert!(
        older["items"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("add")
    );
    assert!(older["items"][0]["seq"].as_i64().unwrap() < before);
    let (_, created) = auditor
        .get("/sdmanager/api/v1/audit?action=admin_create&object=admin:")
        .await;
    assert_eq!(created["items"][0]["actor"], "sd_sys");
    let (s, chain) = auditor.get("/sdmanager/api/v1/audit/verify").await;
    assert_eq!((s, &chain["intact"]), (StatusCode::OK, &json!(true)));
    assert!(chain["entries"].as_i64().unwrap() > 5);
    let (s, e) = auditor.get("/sdmanager/api/v1/audit?from=2026-13-45").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["fields"]["from"]["message"].is_string());
    assert_eq!(
        auditor
            .get("/sdmanager/api/v1/audit?from=yesterday")
            .await
            .0,
        StatusCode::BAD_REQUEST
    );

    // 站内消息 of the back office.
    let (s, messages) = op.get("/sdmanager/api/v1/messages?limit=5").await;
    assert_eq!(s, StatusCode::OK);
    assert!(messages["items"].is_array());
}

#[tokio::test]
async fn applicants_the_audited_reveal_and_password_reset_through_the_api() {
    let app = TestApp::spawn().await;
    let (id, phone) = app.register_person("李四").await;
    let c = app
        .admin_client("sd_persons", "370000", AdminRole::Operator)
        .await;
    let read = Api::back_office(&app, &c, "read").await;

    // 申报人查询 posts the ID number; a read token may, as it reads only.
    let (s, found) = read
        .post("/sdmanager/api/v1/persons/search", json!({"q": id}))
        .await;
    assert_eq!(s, StatusCode::OK, "{found}");
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["name"], "李四");
    let masked = found[0]["id_masked"].as_str().unwrap();
    assert!(masked.contains('*') && !masked.contains(&id[6..14]));
    let pid = found[0]["id"].as_str().unwrap().to_owned();
    let (s, none) = read
        .post("/sdmanager/api/v1/persons/search", json!({"q": "无此人"}))
        .await;
    assert_eq!(
        (s, none.as_array().map(Vec::len)),
        (StatusCode::OK, Some(0))
    );
    let (s, detail) = read.get(&format!("/sdmanager/api/v1/persons/{pid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(detail["person"]["name"], "李四");
    assert!(detail["applications"].is_array());
    assert_eq!(
        read.get("/sdmanager/api/v1/persons/not-a-uuid").await.0,
        StatusCode::NOT_FOUND
    );

    // The full number is a write: audited, and refused to a read token.
    let reveal = format!("/sdmanager/api/v1/persons/{pid}/reveal");
    assert_eq!(read.post(&reveal, json!({})).await.0, StatusCode::FORBIDDEN);
    let write = Api {
        bearer: token(&app, &c, &app.back_url("/sdmanager/tokens"), "write").await,
        ..read
    };
    let (s, full) = write.post(&reveal, json!({})).await;
    assert_eq!(
        (s, full["id_number"].as_str()),
        (StatusCode::OK, Some(id.as_str()))
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'pii_reveal' AND object = 'person:{pid}'"
        ))
        .await,
        1
    );

    // 找回密码 through the front API: the same answer for a wrong number, a code by SMS,
    // a wrong code refused on its field, then the new password logs in.
    let front = TestApp::new_client();
    let forgot = |body: Value| {
        front
            .post(app.url("/rsrc/api/v1/password/forgot"))
            .json(&body)
            .send()
    };
    let res = forgot(json!({"kind": "person", "account": id, "phone": phone}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let ticket = res.json::<Value>().await.unwrap()["ticket"]
        .as_str()
        .unwrap()
        .to_owned();
    let text = app.sms.last_to(&phone).expect("an SMS");
    let code: String = text
        .split(|ch: char| !ch.is_ascii_digit())
        .find(|run| run.len() == 8)
        .unwrap()
        .to_owned();
    let res = forgot(json!({"kind": "person", "account": id, "phone": "x"}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let reset = |body: Value| {
        front
            .post(app.url("/rsrc/api/v1/password/reset"))
            .json(&body)
            .send()
    };
    let new_password = "Xin-Mima-2026!";
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let res = reset(json!({"ticket": ticket, "code": wrong, "password": new_password}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.json::<Value>().await.unwrap()["fields"]["code"]["code"],
        "code_wrong"
    );
    let res = reset(json!({"ticket": "forged", "code": code, "password": new_password}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = reset(json!({"ticket": ticket, "code": code, "password": new_password}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let page = TestApp::new_client();
    assert_eq!(
        app.login(&page, "person", &id, new_password).await.status(),
        StatusCode::SEE_OTHER
    );
}
