//! Fixtures on `TestApp`: pages and forms by path, units and admins logged in, and an
//! application brought to the state a test starts from (`app.applicant().await`,
//! `app.chain().await.at_superior().await`, …), so that a test reads as its steps.

use reqwest::{Client, Response, StatusCode, multipart};
use uuid::Uuid;
use zhicheng::domain::auth::AdminRole;

use crate::helpers::*;

/// Form fields as the pages post them.
pub type Fields<'a> = &'a [(&'a str, &'a str)];

/// The smallest file the platform takes for a PDF.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// The attachment slots an application needs before 确定申报.
pub const REQUIRED_SLOTS: [&str; 6] = [
    "certificate",
    "approval",
    "transfer_proof",
    "social_insurance",
    "diploma",
    "photo",
];

/// The form fields of a complete work history row.
pub const WORK_SINCE_2012: &[(&str, &str)] = &[
    ("from", "2012-07-15"),
    ("to", ""),
    ("employer", "南京某机械有限公司"),
    ("post", "工程师"),
];

impl TestApp {
    /// A front-site page as the client sees it (any status).
    pub async fn page(&self, c: &Client, path: &str) -> String {
        get_html(c, &self.url(path)).await
    }

    /// A back-office page as the client sees it (any status).
    pub async fn back_page(&self, c: &Client, path: &str) -> String {
        get_html(c, &self.back_url(path)).await
    }

    /// The status of a front-site page for the client.
    pub async fn status(&self, c: &Client, path: &str) -> StatusCode {
        status_of(c, &self.url(path)).await
    }

    /// The status and text of a back-office page for the client.
    pub async fn back_get(&self, c: &Client, path: &str) -> (StatusCode, String) {
        let r = c.get(self.back_url(path)).send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    }

    /// Posts a form on the front site the way its page does (the page at `page` gives the
    /// token).
    pub async fn post_page(&self, c: &Client, page: &str, to: &str, f: Fields<'_>) -> Response {
        self.post_form(c, &self.url(page), &self.url(to), f).await
    }

    /// Posts a form on the back office the way its page does.
    pub async fn back_post_page(
        &self,
        c: &Client,
        page: &str,
        to: &str,
        f: Fields<'_>,
    ) -> Response {
        let (page, to) = (self.back_url(page), self.back_url(to));
        self.post_form(c, &page, &to, f).await
    }

    /// Posts a form found on the front-site `page`: its token, and its version when it has
    /// one, then `extra`.
    pub async fn act(
        &self,
        c: &Client,
        page: &str,
        action: &str,
        extra: &[(&str, &str)],
    ) -> Response {
        let html = self.page(c, page).await;
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
        post_raw(c, self.url(action), &form).await
    }

    /// 新增申报信息: the form posted from its own page.
    pub async fn new_application(&self, c: &Client, fields: Fields<'_>) -> Response {
        let page = "/rsrc/zc/transfer/new";
        self.post_page(c, page, page, fields).await
    }

    /// 修改密码 on the page at `url` (front site or back office): the current password, then
    /// the new one twice.
    pub async fn change_password(
        &self,
        c: &Client,
        url: &str,
        current: &str,
        new: &str,
    ) -> Response {
        let form = [("current", current), ("password", new), ("password2", new)];
        self.post_form(c, url, url, &form).await
    }

    /// 找回密码, first step, for a person: the ID number and the phone number given.
    pub async fn forgot_password(&self, c: &Client, id: &str, phone: &str) -> Response {
        let page = "/rsrc/password/forgot";
        let form = [("kind", "person"), ("account", id), ("phone", phone)];
        self.post_page(c, page, page, &form).await
    }

    /// The id of the unit with this credit code.
    pub async fn unit_id(&self, code: &str) -> Uuid {
        zhicheng::store::accounts::unit_by_credit_code(&self.state.db.conn, code)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    /// The credit code of the unit with this id.
    pub async fn unit_code(&self, id: Uuid) -> String {
        zhicheng::store::accounts::unit_by_id(&self.state.db.conn, id)
            .await
            .unwrap()
            .unwrap()
            .credit_code
    }

    /// A client logged in as the unit with this credit code.
    pub async fn unit_client(&self, code: &str) -> Client {
        let c = TestApp::new_client();
        assert_eq!(
            location(&self.login(&c, "unit", code, PASSWORD).await),
            "/rsrc/portal"
        );
        c
    }

    /// A new unit, logged in: (client, credit code).
    pub async fn new_unit_client(&self) -> (Client, String) {
        let (code, _, _) = self.register_unit().await;
        (self.unit_client(&code).await, code)
    }

    /// A logged-in back-office client for a new user.
    pub async fn admin(&self, name: &str, bureau: &str, role: AdminRole) -> Client {
        self.admin_client(name, bureau, role).await
    }

    /// The `id` of the only row a query returns.
    pub async fn only_id(&self, sql: &str) -> Uuid {
        self.value(sql, "id").await
    }

    /// A title at 中级 in 工程技术 and one of its specialties.
    pub fn engineer(&self) -> (String, String) {
        let d = self.state.dicts();
        let t = d.titles.iter().find(|t| t.name == "工程师").unwrap();
        let s = d
            .specialties_of(&t.series_code)
            .find(|s| s.name == "机械工程")
            .unwrap();
        (t.id.to_string(), s.id.to_string())
    }

    /// A person with a draft whose 基本信息 is complete, declared to a new unit.
    pub async fn applicant(&self) -> Applicant<'_> {
        let (code, unit_name, _) = self.register_unit().await;
        let unit = self.unit_id(&code).await;
        let (client, _) = self.person_client().await;
        let (title, specialty) = self.engineer();
        let res = self
            .new_application(
                &client,
                &[
                    ("phone", "13912345678"),
                    ("declare_unit", &unit.to_string()),
                    ("declare_unit_name", &unit_name),
                    ("is_work_unit", "是"),
                    ("level", "3"),
                    ("title", &title),
                    ("specialty", &specialty),
                    ("declare_method", "1"),
                    ("title_year", "2018"),
                ],
            )
            .await;
        assert_eq!(
            location(&res),
            "/rsrc/zc/transfer?m=saved",
            "{}",
            res.text().await.unwrap()
        );
        let id = self.only_id("SELECT id FROM applications").await;
        Applicant {
            app: self,
            client,
            unit_id: unit,
            unit_name,
            app_id: id.to_string(),
        }
    }

    /// The state and holder of an application.
    pub async fn state_of(&self, id: &str) -> (String, Option<Uuid>) {
        let sql = format!("SELECT state, holder_unit_id FROM applications WHERE id = '{id}'");
        let row = match self.first_row(&sql).await {
            Some(r) => r,
            // SQLite stores UUIDs as blobs: compare through the entity instead.
            None => {
                let m = zhicheng::store::applications::find_any(
                    &self.state.db.conn,
                    Uuid::parse_str(id).unwrap(),
                )
                .await
                .unwrap()
                .unwrap();
                return (m.state, m.holder_unit_id);
            }
        };
        (
            row.try_get("", "state").unwrap(),
            row.try_get("", "holder_unit_id").unwrap(),
        )
    }

    /// The 转入表 serial of an approved application.
    pub async fn serial(&self, id: &str) -> String {
        zhicheng::store::applications::find_any(&self.state.db.conn, Uuid::parse_str(id).unwrap())
            .await
            .unwrap()
            .unwrap()
            .serial
            .expect("a serial")
    }

    /// Moves an application straight to `state` at `holder`, as a reviewer's step would.
    pub async fn move_to(
        &self,
        id: &str,
        state: zhicheng::domain::workflow::State,
        holder: Option<Uuid>,
    ) {
        let db = &self.state.db.conn;
        let m = zhicheng::store::applications::find_any(db, Uuid::parse_str(id).unwrap())
            .await
            .unwrap()
            .unwrap();
        let to = zhicheng::domain::workflow::Position { state, holder };
        zhicheng::store::applications::move_to(db, &m, to, false, 0)
            .await
            .unwrap();
    }

    /// A person has submitted to unit A; unit B exists; both units are logged in.
    pub async fn chain(&self) -> Chain<'_> {
        let a = self.applicant().await.submitted().await;
        let code_a = self.unit_code(a.unit_id).await;
        let (code_b, b_name, _) = self.register_unit().await;
        let b_id = self.unit_id(&code_b).await;
        Chain {
            app: self,
            unit_a: self.unit_client(&code_a).await,
            unit_b: self.unit_client(&code_b).await,
            a,
            b_id,
            b_name,
        }
    }
}

/// A person with an application, logged in.
pub struct Applicant<'a> {
    pub app: &'a TestApp,
    pub client: Client,
    pub unit_id: Uuid,
    pub unit_name: String,
    pub app_id: String,
}

impl Applicant<'_> {
    pub fn path(&self, rest: &str) -> String {
        format!("/rsrc/zc/transfer/{}{rest}", self.app_id)
    }

    /// A page of the person's as they see it.
    pub async fn page(&self, path: &str) -> String {
        self.app.page(&self.client, path).await
    }

    pub async fn module(&self, module: &str, fields: &[(&str, &str)]) -> Response {
        self.app
            .post_page(
                &self.client,
                &self.path(""),
                &self.path(&format!("/module/{module}")),
                fields,
            )
            .await
    }

    pub async fn upload(&self, slot: &str, name: &str, bytes: Vec<u8>) -> Response {
        let token = self
            .app
            .csrf(&self.client, &self.app.url(&self.path("")))
            .await;
        let form = multipart::Form::new()
            .text("_csrf", token)
            .text("slot", slot.to_owned())
            .part(
                "file",
                multipart::Part::bytes(bytes).file_name(name.to_owned()),
            );
        self.client
            .post(self.app.url(&self.path("/files")))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn detail(&self) -> String {
        self.page(&self.path("")).await
    }

    /// Posts `form` as it stands to one of the application's actions (`/withdraw`, …).
    pub async fn post<T: serde::Serialize + ?Sized>(&self, rest: &str, form: &T) -> Response {
        post_raw(&self.client, self.app.url(&self.path(rest)), form).await
    }

    /// The link of the first attachment listed on a detail page.
    pub fn file_link(&self, detail: &str) -> String {
        let start = detail.find(&self.path("/files/")).expect("an attachment");
        detail[start..].chars().take_while(|c| *c != '"').collect()
    }

    /// 删除 of an attachment by its link, from the detail page.
    pub async fn remove_file(&self, link: &str) -> Response {
        let page = self.app.url(&self.path(""));
        let action = self.app.url(&format!("{link}/delete"));
        self.app.post_form(&self.client, &page, &action, &[]).await
    }

    /// Fills every module and uploads every required file.
    pub async fn complete(&self) {
        for (module, fields) in [
            (
                "original",
                vec![
                    ("title_name", "工程师"),
                    ("series", "05"),
                    ("level", "3"),
                    ("obtained_by", "评审"),
                    ("issuer", "江苏省工程技术中级评审委员会"),
                    ("approval_no", "苏职改〔2018〕12号"),
                    ("issuer_region", "江苏省"),
                    ("certificate_no", "JS2018-000123"),
                    ("obtained_date", "2018-06-30"),
                ],
            ),
            (
                "transfer",
                vec![
                    ("prev_employer", "南京某机械有限公司"),
                    ("prev_province", "江苏省"),
                    ("moved_date", "2024-03-01"),
                    ("how", "调动"),
                ],
            ),
            (
                "education",
                vec![
                    ("school", "东南大学"),
                    ("major", "机械工程"),
                    ("education", "大学本科"),
                    ("degree", "学士"),
                    ("graduated", "2012-07-01"),
                ],
            ),
            (
                "work",
                vec![
                    ("from", "2012-07-15"),
                    ("to", "2024-02-28"),
                    ("employer", "南京某机械有限公司"),
                    ("post", "工程师"),
                ],
            ),
        ] {
            let res = self.module(module, &fields).await;
            assert_eq!(
                res.status(),
                StatusCode::SEE_OTHER,
                "{module}: {}",
                res.text().await.unwrap()
            );
        }
        for slot in REQUIRED_SLOTS {
            let res = self.upload(slot, "scan.pdf", PDF.to_vec()).await;
            assert!(
                location(&res).contains("m=uploaded"),
                "{slot}: {}",
                location(&res)
            );
        }
    }

    /// The same applicant with every module filled and every file uploaded.
    pub async fn completed(self) -> Self {
        self.complete().await;
        self
    }

    /// The same applicant, completed and submitted (确定申报) to the 申报单位.
    pub async fn submitted(self) -> Self {
        let a = self.completed().await;
        assert_eq!(
            location(&a.submit(true).await),
            "/rsrc/zc/transfer?m=submitted"
        );
        a
    }

    pub async fn submit(&self, pledge: bool) -> Response {
        let extra: &[(&str, &str)] = if pledge { &[("pledge", "1")] } else { &[] };
        self.app
            .act(&self.client, &self.path(""), &self.path("/submit"), extra)
            .await
    }

    /// The application's state and holder.
    pub async fn state(&self) -> (String, Option<Uuid>) {
        self.app.state_of(&self.app_id).await
    }
}

/// An applicant at unit A, and a unit B that A may report to.
pub struct Chain<'a> {
    pub app: &'a TestApp,
    pub a: Applicant<'a>,
    pub unit_a: Client,
    pub unit_b: Client,
    pub b_id: Uuid,
    pub b_name: String,
}

impl<'a> Chain<'a> {
    /// The review page of the application (and its actions, with `rest`).
    pub fn review(&self, rest: &str) -> String {
        format!("/rsrc/zc/review/{}{rest}", self.a.app_id)
    }

    /// A unit's action on the review page (`/approve`, `/return`, `/fail/work`, …).
    pub async fn review_act(
        &self,
        unit: &Client,
        action: &str,
        extra: &[(&str, &str)],
    ) -> Response {
        self.app
            .act(unit, &self.review(""), &self.review(action), extra)
            .await
    }

    /// 数据上报 of the application by a unit.
    pub async fn report(&self, unit: &Client) -> Response {
        let html = self.app.page(unit, "/rsrc/zc/report").await;
        let token = token_in(&html).unwrap();
        let marker = format!("value=\"{}:", self.a.app_id);
        let start = html
            .find(&marker)
            .expect("the application is listed for 数据上报")
            + 7;
        let pick: String = html[start..].chars().take_while(|c| *c != '"').collect();
        unit.post(self.app.url("/rsrc/zc/report"))
            .form(&[("_csrf", token.as_str()), ("pick", pick.as_str())])
            .send()
            .await
            .unwrap()
    }

    /// A unit asks for an 上报路径 at 中级 工程技术 (or at `level`) to `superior`.
    pub async fn ask_path(&self, unit: &Client, superior: Uuid, level: &str) -> Response {
        let paths = "/rsrc/zc/paths";
        self.app
            .act(
                unit,
                paths,
                paths,
                &[
                    ("superior", &superior.to_string()),
                    ("series", "05"),
                    ("level", level),
                ],
            )
            .await
    }

    /// Unit A has approved: 待上报 at A.
    pub async fn awaiting_report(self) -> Self {
        let res = self.review_act(&self.unit_a, "/approve", &[]).await;
        assert!(location(&res).contains("m=approved"));
        assert_eq!(
            self.a.state().await,
            ("to_report".to_owned(), Some(self.a.unit_id))
        );
        self
    }

    /// Unit B approves the path unit A asked for.
    pub async fn approve_path(&self) {
        let asked = self.app.page(&self.unit_b, "/rsrc/zc/paths/review").await;
        let start = asked.find("action=\"/rsrc/zc/paths/").unwrap() + 8;
        let decide: String = asked[start..].chars().take_while(|c| *c != '"').collect();
        let res = self
            .app
            .act(
                &self.unit_b,
                "/rsrc/zc/paths/review",
                &decide,
                &[("decision", "approve"), ("opinion", "同意")],
            )
            .await;
        assert_eq!(location(&res), "/rsrc/zc/paths/review?m=decided");
    }

    /// Unit A approved, asked B for a path, B approved it, and A reported: 待审核 at B.
    pub async fn at_superior(self) -> Self {
        let ch = self.awaiting_report().await;
        let res = ch.ask_path(&ch.unit_a, ch.b_id, "3").await;
        assert_eq!(location(&res), "/rsrc/zc/paths?m=path_requested");
        ch.approve_path().await;
        ch.reported().await;
        ch
    }

    /// Unit A reports the application it approved: B holds it.
    pub async fn reported(&self) {
        let res = self.report(&self.unit_a).await;
        assert_eq!(location(&res), "/rsrc/zc/report?m=reported");
        assert_eq!(
            self.a.state().await,
            ("pending".to_owned(), Some(self.b_id))
        );
    }

    /// Unit B asks for final authority at 中级 and the city bureau's operator `jn_op`
    /// grants it: the operator's client and the grant's decision path.
    pub async fn grant(&self) -> (Client, String) {
        let app = self.app;
        let res = app
            .act(
                &self.unit_b,
                "/rsrc/zc/grants",
                "/rsrc/zc/grants",
                &[("level", "3"), ("bureau", "370100")],
            )
            .await;
        assert_eq!(location(&res), "/rsrc/zc/grants?m=grant_requested");
        let op = app.admin("jn_op", "370100", AdminRole::Operator).await;
        let grants = app.back_page(&op, "/sdmanager/grants").await;
        assert!(grants.contains(&self.b_name) && grants.contains("待审核"));
        let start = grants.find("action=\"/sdmanager/grants/").unwrap() + 8;
        let decide: String = grants[start..].chars().take_while(|c| *c != '"').collect();
        let res = self.decide_grant(&op, &decide, "approve", "").await;
        assert_eq!(location(&res), "/sdmanager/grants?m=approved");
        (op, decide)
    }

    /// An operator decides a grant request on the grants page.
    pub async fn decide_grant(
        &self,
        op: &Client,
        decide: &str,
        decision: &str,
        opinion: &str,
    ) -> Response {
        let form = [("decision", decision), ("opinion", opinion)];
        self.app
            .back_post_page(op, "/sdmanager/grants", decide, &form)
            .await
    }

    /// Unit B, granted final authority, approves: 终审通过. The operator's client and the
    /// grant's decision path.
    pub async fn approved(self) -> (Self, Client, String) {
        let ch = self.at_superior().await;
        let (op, decide) = ch.grant().await;
        let res = ch
            .review_act(&ch.unit_b, "/approve", &[("opinion", "同意确认")])
            .await;
        assert!(location(&res).contains("m=approved"));
        assert_eq!(ch.a.state().await.0, "approved");
        (ch, op, decide)
    }
}

impl Chain<'_> {
    /// `text` with what differs between runs and databases put in words: the names of the
    /// units, the person's numbers, the serial, ids, and any remaining digit run of more
    /// than four digits (tokens, times, random numbers).
    pub async fn stable(&self, text: &str) -> String {
        let a = &self.a;
        let person = self.app.only_id("SELECT id FROM persons").await.to_string();
        let serial = zhicheng::store::applications::find_any(
            &self.app.state.db.conn,
            Uuid::parse_str(&a.app_id).unwrap(),
        )
        .await
        .unwrap()
        .unwrap()
        .serial;
        let mut known: Vec<(String, &str)> = vec![
            (a.unit_name.clone(), "[unit A]"),
            (self.b_name.clone(), "[unit B]"),
            (a.app_id.clone(), "[application]"),
            (a.unit_id.to_string(), "[unit A id]"),
            (self.b_id.to_string(), "[unit B id]"),
            (person, "[person]"),
        ];
        if let Some(serial) = serial {
            known.push((serial.clone(), "[serial]"));
        }
        normalise(text, &known)
    }
}

/// `text` with each known value replaced by its label, then any UUID, time of day, and run
/// of five or more digits (with the `*` and `X` a masked or checked number carries); the
/// sex, which follows from a random ID number, is `[sex]`.
pub fn normalise(text: &str, known: &[(String, &str)]) -> String {
    let mut s = text.to_owned();
    for (value, label) in known {
        s = s.replace(value.as_str(), label);
    }
    let mut out = String::new();
    for line in s.lines() {
        let line = match line.trim() {
            "男" | "女" => "[sex]",
            _ => line,
        };
        let mut rest = line;
        while let Some((start, len)) = volatile_run(rest) {
            out.push_str(&rest[..start]);
            out.push('#');
            rest = &rest[start + len..];
        }
        out.push_str(rest.trim_end());
        out.push('\n');
    }
    out
}

/// The first UUID, number-like run (of digits, `*`, `X`, `-` and `:`, at least five of them
/// digits) or time of day in a line: its byte start and length.
fn volatile_run(line: &str) -> Option<(usize, usize)> {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let part = |b: u8| b.is_ascii_hexdigit() || matches!(b, b'*' | b'X' | b'-' | b':');
        if part(bytes[i]) && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < bytes.len() && part(bytes[j]) {
                j += 1;
            }
            let digits = bytes[i..j].iter().filter(|b| b.is_ascii_digit()).count();
            let clock = bytes[i..j].contains(&b':') && digits >= 3;
            let word_end = j == bytes.len() || !bytes[j].is_ascii_alphanumeric();
            if (digits >= 5 || clock) && word_end {
                return Some((i, j - i));
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    None
}

/// The visible text of a page: no tags, scripts or styles, entities decoded, one line per
/// block of text.
pub fn visible_text(html: &str) -> String {
    let mut s = html.to_owned();
    for tag in ["script", "style", "head"] {
        while let Some(start) = s
            .find(&format!("<{tag}>"))
            .or_else(|| s.find(&format!("<{tag} ")))
        {
            let close = format!("</{tag}>");
            let end = s[start..]
                .find(&close)
                .map_or(s.len(), |e| start + e + close.len());
            s.replace_range(start..end, "\n");
        }
    }
    let mut text = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push('\n');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of a PDF, as pdftotext reads it.
pub fn pdf_text(bytes: &[u8]) -> String {
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

/// The JSON a GET of a public `url` answers (the dictionaries need no session).
pub async fn get_json(url: impl reqwest::IntoUrl) -> serde_json::Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

/// Whether a JSON list holds an entry whose `name` is `name`.
pub fn has_name(list: &serde_json::Value, name: &str) -> bool {
    list.as_array().unwrap().iter().any(|e| e["name"] == name)
}

/// The form token and the version a detail page carries, as its action buttons post them.
pub fn action_form(detail: &str) -> Vec<(&'static str, String)> {
    vec![
        ("_csrf", token_in(detail).expect("form token")),
        ("version", field_value(detail, "version").expect("version")),
    ]
}

/// The text field `key` of every entry of a JSON list.
pub fn texts<'v>(list: &'v serde_json::Value, key: &str) -> Vec<&'v str> {
    let entries = list.as_array().unwrap().iter();
    entries.map(|e| e[key].as_str().unwrap()).collect()
}

/// Asserts that `text` holds each of `needles`, naming the one it misses.
pub fn assert_contains_all(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
}

/// The value of a response header as text.
pub fn header<'r>(res: &'r Response, name: &str) -> &'r str {
    res.headers()[name].to_str().unwrap()
}

/// Asserts that the page shows each `(field, message)` as that field's error.
pub fn assert_field_errors(html: &str, expected: Fields<'_>) {
    for (field, message) in expected {
        assert_eq!(
            field_error(html, field).as_deref(),
            Some(*message),
            "the error of {field}"
        );
    }
}

/// Asserts the response's status and that its page shows each `(field, message)` as that
/// field's error; the page.
pub async fn expect_errors(res: Response, status: StatusCode, expected: Fields<'_>) -> String {
    assert_eq!(res.status(), status);
    let html = res.text().await.unwrap();
    assert_field_errors(&html, expected);
    html
}

/// Asserts that the page of the response shows each `(field, message)` as that field's
/// error, whatever its status; the page.
pub async fn shows_errors(res: Response, expected: Fields<'_>) -> String {
    let html = res.text().await.unwrap();
    assert_field_errors(&html, expected);
    html
}

/// Asserts a 422 whose page shows each `(field, message)` as that field's error; the page.
pub async fn invalid(res: Response, expected: Fields<'_>) -> String {
    expect_errors(res, StatusCode::UNPROCESSABLE_ENTITY, expected).await
}
