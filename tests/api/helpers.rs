//! `TestApp`: a fresh database and a running platform per test, with a helper per action.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, Once};

use rand::Rng;
use reqwest::{Client, Response, StatusCode, redirect};
use sea_orm::ConnectionTrait;
use tempfile::TempDir;
use zhicheng::app::AppState;
use zhicheng::domain::clock::FakeClock;
use zhicheng::domain::ids::{citizen_check_char, credit_check_char};
use zhicheng::infra::captcha::CaptchaLog;
use zhicheng::infra::sms::MemorySms;
use zhicheng::settings::Settings;
use zhicheng::web::server::Listeners;

pub use crate::fixtures::*;

pub const PASSWORD: &str = "Zc#2026abc";

/// Everything the platform logged during the test run, for the "no secrets in logs" checks.
pub static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct LogWriter;
impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut l) = LOG.lock() {
            l.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_logging() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            // The platform's own crates and the server stack; not the test client's (reqwest, cookie_store).
            .with_env_filter(
                "warn,zhicheng=trace,tower_http=trace,axum=trace,sea_orm=debug,sqlx=debug",
            )
            .with_writer(|| LogWriter)
            .with_ansi(false)
            .try_init();
    });
}

/// A random, valid 身份证号 born on 1985-03-15.
/// The region and sequence are drawn from 1.7 million pairs: with the four regions it once
/// drew from (4,000 numbers), eight people registered at once shared a number about once in
/// 140 runs, and the second registration was rightly refused.
pub fn citizen_id() -> String {
    let mut rng = rand::thread_rng();
    let region = format!("37{:04}", rng.gen_range(100..1800u32));
    let seq: u32 = rng.gen_range(0..1000);
    let body = format!("{region}19850315{seq:03}");
    format!("{body}{}", citizen_check_char(body.as_bytes()) as char)
}

/// The same number with a wrong check character.
pub fn corrupt(id: &str) -> String {
    let mut b = id.as_bytes().to_vec();
    b[17] = if b[17] == b'0' { b'1' } else { b'0' };
    String::from_utf8(b).unwrap()
}

/// A random, valid 统一社会信用代码.
pub fn credit_code() -> String {
    const CS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut rng = rand::thread_rng();
    let mut body = b"91370100".to_vec();
    body.extend((0..9).map(|_| CS[rng.gen_range(0..CS.len())]));
    let c = credit_check_char(&body);
    body.push(c);
    String::from_utf8(body).unwrap()
}

pub fn phone() -> String {
    format!("138{:08}", rand::thread_rng().gen_range(0..100_000_000u32))
}

/// A unit name of its own; the six-digit suffix is always masked in snapshots (`normalise`
/// masks runs of five digits or more: a shorter one made the 转入表's snapshot flaky).
pub fn unit_name() -> String {
    format!(
        "济南市测试科技有限公司{}",
        rand::thread_rng().gen_range(100_000..1_000_000u32)
    )
}

pub struct TestApp {
    pub front: String,
    pub back: String,
    pub state: AppState,
    pub clock: Arc<FakeClock>,
    pub sms: Arc<MemorySms>,
    pub captchas: Arc<CaptchaLog>,
    pub data_dir: TempDir,
    pub database_url: String,
    /// Sending (or dropping) it is the platform's SIGTERM.
    stop: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    server: Mutex<Option<tokio::task::JoinHandle<anyhow::Result<()>>>>,
}

/// A database for one test: a temp SQLite file, or a new PostgreSQL or MySQL database.
pub async fn fresh_database(dir: &TempDir) -> String {
    match std::env::var("ZHICHENG_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") || url.starts_with("mysql") => {
            let admin = sea_orm::Database::connect(url.clone())
                .await
                .expect("connect to the test database server");
            let name = format!("zt_{}", uuid::Uuid::now_v7().simple());
            let create = if url.starts_with("mysql") {
                format!("CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            } else {
                format!(
                    "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
                )
            };
            admin
                .execute_unprepared(&create)
                .await
                .expect("create test database");
            admin.close().await.ok();
            let base = url
                .rsplit_once('/')
                .map(|(b, _)| b.to_owned())
                .unwrap_or(url);
            format!("{base}/{name}")
        }
        _ => format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display()),
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
        init_logging();
        let dir = tempfile::tempdir().expect("temp dir");
        let url = fresh_database(&dir).await;
        let mut settings = Settings::for_tests(dir.path().join("data"), url.clone());
        tweak(&mut settings);
        Self::start(settings, dir).await
    }

    /// A second platform process on the same database and data directory.
    pub async fn sibling(&self) -> TestApp {
        self.sibling_with(|_| {}).await
    }

    /// The same with its settings changed first.
    pub async fn sibling_with(&self, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings =
            Settings::for_tests(self.data_dir.path().join("data"), self.database_url.clone());
        tweak(&mut settings);
        Self::start(settings, dir).await
    }

    /// A platform on the given settings (a database and data directory prepared elsewhere).
    pub async fn start(settings: Settings, dir: TempDir) -> TestApp {
        let url = settings.database_url.clone();
        let clock = Arc::new(FakeClock::default());
        let sms = Arc::new(MemorySms::default());
        let captchas = Arc::new(CaptchaLog::default());
        let listeners = Listeners::bind(&settings).await.expect("bind");
        let front: SocketAddr = listeners.front.local_addr().unwrap();
        let back: SocketAddr = listeners.back.local_addr().unwrap();
        let state = zhicheng::startup::prepare(settings, clock.clone(), sms.clone())
            .await
            .expect("prepare");
        assert!(state.captcha_log.set(captchas.clone()).is_ok());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(zhicheng::web::server::run_until(
            state.clone(),
            listeners,
            async move {
                let _ = stopped.await;
            },
        ));
        TestApp {
            front: format!("http://{front}"),
            back: format!("http://{back}"),
            state,
            clock,
            sms,
            captchas,
            data_dir: dir,
            database_url: url,
            stop: Mutex::new(Some(stop)),
            server: Mutex::new(Some(server)),
        }
    }

    /// Gives the stop signal (as SIGTERM does) without waiting.
    pub fn signal_stop(&self) {
        if let Some(s) = self.stop.lock().unwrap().take() {
            let _ = s.send(());
        }
    }

    /// Waits for the server to finish after [`Self::signal_stop`]; its result.
    pub async fn stopped(&self) -> anyhow::Result<()> {
        let handle = self.server.lock().unwrap().take().expect("server running");
        handle.await?
    }

    /// A browser-like client with its own cookie jar that does not follow redirects.
    pub fn new_client() -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            .build()
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.front, path)
    }

    pub fn back_url(&self, path: &str) -> String {
        format!("{}{}", self.back, path)
    }

    /// Reads the page and returns its form token.
    pub async fn csrf(&self, client: &Client, url: &str) -> String {
        let html = get_html(client, url).await;
        token_in(&html).unwrap_or_else(|| panic!("no form token on {url}"))
    }

    /// Posts a form the way the page does: fetch the page for its token, then post.
    pub async fn post_form(
        &self,
        client: &Client,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let token = self.csrf(client, page).await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("_csrf", &token));
        post_raw(client, action, &form).await
    }

    /// 个人注册 up to 立即注册: returns the confirm page response.
    pub async fn register_person_check(
        &self,
        client: &Client,
        name: &str,
        id: &str,
        phone: &str,
        password: &str,
    ) -> Response {
        let page = "/rsrc/register/person";
        self.post_page(
            client,
            page,
            page,
            &[
                ("name", name),
                ("id_number", id),
                ("phone", phone),
                ("password", password),
                ("password2", password),
            ],
        )
        .await
    }

    /// Posts 确认 for a confirm page.
    pub async fn confirm(&self, client: &Client, confirm_html: &str, action: &str) -> Response {
        let token = token_in(confirm_html).expect("token on confirm page");
        let pending = field_value(confirm_html, "pending").expect("pending ticket");
        client
            .post(self.url(action))
            .form(&[("_csrf", token.as_str()), ("pending", pending.as_str())])
            .send()
            .await
            .unwrap()
    }

    /// Registers a person through both steps; returns (id number, phone).
    pub async fn register_person(&self, name: &str) -> (String, String) {
        let client = Self::new_client();
        let (id, phone) = (citizen_id(), phone());
        let res = self
            .register_person_check(&client, name, &id, &phone, PASSWORD)
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        let done = self
            .confirm(&client, &html, "/rsrc/register/person/confirm")
            .await;
        assert_eq!(
            done.status(),
            StatusCode::SEE_OTHER,
            "{}",
            done.text().await.unwrap()
        );
        (id, phone)
    }

    /// Registers a unit through both steps; returns (credit code, name, phone).
    pub async fn register_unit(&self) -> (String, String, String) {
        let name = unit_name();
        let (first, last, code, phone) = self.register_unit_named(&name).await;
        assert_eq!(first, StatusCode::OK);
        assert_eq!(last, StatusCode::SEE_OTHER);
        (code, name, phone)
    }

    /// Registers a unit named `name`: the status of the first step, the status of the last
    /// step reached (the first again when it refused), and the credit code and phone used.
    pub async fn register_unit_named(
        &self,
        name: &str,
    ) -> (StatusCode, StatusCode, String, String) {
        let client = Self::new_client();
        let (code, phone) = (credit_code(), phone());
        let res = self
            .post_form(
                &client,
                &self.url("/rsrc/register/unit"),
                &self.url("/rsrc/register/unit"),
                &[
                    ("name", name),
                    ("credit_code", &code),
                    ("region", "370100"),
                    ("contact", "李四"),
                    ("contact_phone", &phone),
                    ("password", PASSWORD),
                    ("password2", PASSWORD),
                ],
            )
            .await;
        let first = res.status();
        if first != StatusCode::OK {
            return (first, first, code, phone);
        }
        let html = res.text().await.unwrap();
        let done = self
            .confirm(&client, &html, "/rsrc/register/unit/confirm")
            .await;
        (first, done.status(), code, phone)
    }

    /// Logs in on the front site; returns the response (303 on success).
    pub async fn login(
        &self,
        client: &Client,
        kind: &str,
        account: &str,
        password: &str,
    ) -> Response {
        let form = [("kind", kind), ("account", account), ("password", password)];
        self.post_page(client, "/rsrc/", "/rsrc/login", &form).await
    }

    /// A logged-in client for a new person.
    pub async fn person_client(&self) -> (Client, String) {
        let (id, _) = self.register_person("张三").await;
        let client = Self::new_client();
        let res = self.login(&client, "person", &id, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        (client, id)
    }

    /// Creates a back-office user directly (as `zhicheng admin create` does).
    pub async fn create_admin(
        &self,
        username: &str,
        bureau: &str,
        role: zhicheng::domain::auth::AdminRole,
        must_change: bool,
    ) {
        let tx = self.state.db.begin().await.unwrap();
        zhicheng::store::accounts::insert_admin(
            &*tx,
            self.state.now_ms(),
            zhicheng::store::accounts::NewAdmin {
                username,
                display_name: "王五",
                bureau,
                role,
                password: PASSWORD,
                must_change_password: must_change,
                cert_fingerprint: None,
                created_by: None,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    pub async fn admin_login(&self, client: &Client, username: &str, password: &str) -> Response {
        self.post_form(
            client,
            &self.back_url("/sdmanager"),
            &self.back_url("/sdmanager/login"),
            &[("username", username), ("password", password)],
        )
        .await
    }

    /// A logged-in back-office client for a new user.
    pub async fn admin_client(
        &self,
        username: &str,
        bureau: &str,
        role: zhicheng::domain::auth::AdminRole,
    ) -> Client {
        self.create_admin(username, bureau, role, false).await;
        let c = Self::new_client();
        assert_eq!(
            location(&self.admin_login(&c, username, PASSWORD).await),
            "/sdmanager/home"
        );
        c
    }

    /// A statement for the test's database, written as it is sent (no parameters).
    fn raw(&self, sql: &str) -> sea_orm::Statement {
        sea_orm::Statement::from_string(self.state.db.backend(), sql.to_owned())
    }

    /// The first row a raw query returns, if any.
    pub async fn first_row(&self, sql: &str) -> Option<sea_orm::QueryResult> {
        let db = &self.state.db.conn;
        db.query_one_raw(self.raw(sql)).await.unwrap()
    }

    /// The column `col` of the first row a raw query returns.
    pub async fn value<T: sea_orm::TryGetable>(&self, sql: &str, col: &str) -> T {
        let row = self.first_row(sql).await.expect("a row");
        row.try_get("", col).unwrap()
    }

    /// Counts rows with a raw query returning one `n` column.
    pub async fn count(&self, sql: &str) -> i64 {
        self.value(sql, "n").await
    }

    /// The actions recorded in the audit log, oldest first.
    pub async fn audit_actions(&self) -> Vec<(String, String)> {
        zhicheng::store::audit::page(&self.state.db.conn, 0, 10_000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.outcome))
            .collect()
    }

    /// How many audit entries record `action`, whatever their outcome.
    pub async fn audit_count(&self, action: &str) -> usize {
        let actions = self.audit_actions().await;
        actions.iter().filter(|(a, _)| a == action).count()
    }

    /// Whether the audit log records `action` at least once.
    pub async fn audited(&self, action: &str) -> bool {
        self.audit_count(action).await > 0
    }

    /// Whether the audit log records `action` with this outcome.
    pub async fn audited_as(&self, action: &str, outcome: &str) -> bool {
        let actions = self.audit_actions().await;
        actions.iter().any(|(a, o)| a == action && o == outcome)
    }

    /// Runs a statement as written (no parameters), as an operator with a SQL console would.
    pub async fn execute(&self, sql: &str) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
        self.state.db.conn.execute_unprepared(sql).await
    }

    /// The rows a raw query returns.
    pub async fn rows(&self, sql: &str) -> Vec<sea_orm::QueryResult> {
        let db = &self.state.db.conn;
        db.query_all_raw(self.raw(sql)).await.unwrap()
    }
}

impl TestApp {
    /// Moves the platform's clock on by `minutes`, then a GET of `url` by the client.
    pub async fn fetch_after(&self, minutes: i64, client: &Client, url: &str) -> Response {
        self.clock.advance_minutes(minutes);
        fetch(client, url).await
    }

    /// How many text messages went to a number.
    pub fn state_sms_count(&self, phone: &str) -> usize {
        self.sms
            .sent
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == phone)
            .count()
    }
}

/// The `Set-Cookie` line a response sends for the cookie `name`, attributes included.
pub fn session_cookie(res: &Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// Just the value a response sets for the cookie `name`.
pub fn cookie_value(res: &Response, name: &str) -> Option<String> {
    let line = session_cookie(res, name)?;
    let pair = line.split(';').next()?;
    Some(pair[name.len() + 1..].to_owned())
}

/// The page at `url` as the client sees it (any status).
pub async fn get_html(client: &Client, url: &str) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// A GET of `url` by the client.
pub async fn fetch(client: &Client, url: &str) -> Response {
    client.get(url).send().await.unwrap()
}

/// A GET of `url` by the client with one more request header.
pub async fn fetch_with(client: &Client, url: &str, header: (&str, &str)) -> Response {
    let (name, value) = header;
    client.get(url).header(name, value).send().await.unwrap()
}

/// The status of a GET of `url` by the client.
pub async fn status_of(client: &Client, url: &str) -> StatusCode {
    client.get(url).send().await.unwrap().status()
}

pub fn token_in(html: &str) -> Option<String> {
    field_value(html, "_csrf")
}

/// The value of the first hidden or text input with this name.
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(
        html[start..start + end]
            .replace("&#43;", "+")
            .replace("&#x2f;", "/")
            .replace("&#61;", "=")
            .replace("&#x3d;", "="),
    )
}

/// The text of the `.err` element for a field (`e-<name>`).
pub fn field_error(html: &str, name: &str) -> Option<String> {
    let marker = format!("id=\"e-{name}\">");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('<')?;
    Some(html[start..start + end].to_owned())
}

pub fn location(res: &Response) -> String {
    res.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// What only someone with DDL rights could do: remove the database's guards on the log.
pub async fn drop_audit_guards(db: &sea_orm::DatabaseConnection) {
    let statements: &[&str] = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => &[
            "DROP TRIGGER tr_audit_log_guard ON audit_log",
            "DROP TRIGGER tr_audit_log_no_truncate ON audit_log",
        ],
        _ => &[
            "DROP TRIGGER tr_audit_log_no_update",
            "DROP TRIGGER tr_audit_log_no_delete",
        ],
    };
    for s in statements {
        db.execute_unprepared(s).await.unwrap();
    }
}

/// A person's front-site login form with the right password, as the page posts it with
/// its form token.
pub fn person_login_form<'a>(token: &'a str, id: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", token),
        ("kind", "person"),
        ("account", id),
        ("password", PASSWORD),
    ]
}

/// A form posted by the client to `url` as it stands (no form token added).
pub async fn post_raw<T: serde::Serialize + ?Sized>(
    client: &Client,
    url: impl reqwest::IntoUrl,
    form: &T,
) -> Response {
    client.post(url).form(form).send().await.unwrap()
}

/// A form posted by the client to `url` with one more request header (no form token
/// added).
pub async fn post_with<T: serde::Serialize + ?Sized>(
    client: &Client,
    url: impl reqwest::IntoUrl,
    header: (&str, &str),
    form: &T,
) -> Response {
    let (name, value) = header;
    client
        .post(url)
        .header(name, value)
        .form(form)
        .send()
        .await
        .unwrap()
}

/// A JSON body posted by the client to `url`.
pub async fn post_json<T: serde::Serialize + ?Sized>(
    client: &Client,
    url: impl reqwest::IntoUrl,
    body: &T,
) -> Response {
    client.post(url).json(body).send().await.unwrap()
}

/// The text of a response.
pub async fn text_of(res: Response) -> String {
    res.text().await.unwrap()
}
