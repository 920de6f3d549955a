//! Personal data: ID numbers encrypted at rest, masked on pages, absent from logs and URLs.

use sea_orm::ConnectionTrait;

use crate::helpers::*;

/// Any run of 17 digits followed by a digit or X: what an ID number looks like.
fn holds_id_number(bytes: &[u8]) -> bool {
    bytes.windows(18).any(|w| {
        w[..17].iter().all(u8::is_ascii_digit)
            && (w[17].is_ascii_digit() || w[17] == b'X' || w[17] == b'x')
    })
}

#[tokio::test]
async fn the_database_holds_no_id_number_in_the_clear() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(app.register_person("张三").await.0);
    }
    // Also log in and fail once, so sessions and the audit log have rows.
    let client = TestApp::new_client();
    app.login(&client, "person", &ids[0], PASSWORD).await;
    app.login(&TestApp::new_client(), "person", &ids[1], "Wrong#pass1")
        .await;
    let db = &app.state.db.conn;
    if app.database_url.starts_with("sqlite") {
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .unwrap();
        let path = app
            .database_url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        for file in [path.clone(), format!("{path}-wal")] {
            if let Ok(bytes) = std::fs::read(&file) {
                assert!(!holds_id_number(&bytes), "{file} holds an ID number");
                for id in &ids {
                    assert!(!bytes.windows(id.len()).any(|w| w == id.as_bytes()));
                }
            }
        }
    } else {
        // A server database: every text column of every table, read back as text.
        for table in [
            "persons",
            "units",
            "sessions",
            "audit_log",
            "captchas",
            "reset_codes",
        ] {
            let backend = db.get_database_backend();
            let sql = if backend == sea_orm::DbBackend::MySql {
                // MySQL has no row-to-text cast: every column but the binary ids, joined.
                let cols: Vec<String> = db
                    .query_all_raw(sea_orm::Statement::from_string(
                        backend,
                        format!(
                            "SELECT column_name AS c FROM information_schema.columns \
                             WHERE table_schema = DATABASE() AND table_name = '{table}' \
                             AND data_type NOT IN ('binary', 'varbinary', 'blob')"
                        ),
                    ))
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| format!("CAST({} AS CHAR)", r.try_get::<String>("", "c").unwrap()))
                    .collect();
                assert!(cols.len() > 1, "{table} has text columns");
                format!(
                    "SELECT CONCAT_WS('|', {}) AS row FROM {table}",
                    cols.join(", ")
                )
            } else {
                format!("SELECT t::text AS row FROM {table} t")
            };
            let rows = db
                .query_all_raw(sea_orm::Statement::from_string(backend, sql))
                .await
                .unwrap();
            for r in rows {
                let text: String = r.try_get("", "row").unwrap();
                assert!(!holds_id_number(text.as_bytes()), "{table}: {text}");
            }
        }
    }
}

#[tokio::test]
async fn lists_and_account_pages_show_masked_numbers() {
    let app = TestApp::spawn().await;
    let (client, id) = app.person_client().await;
    let page = get_html(&client, &app.url("/rsrc/zc/account")).await;
    assert!(!page.contains(&id));
    assert!(page.contains(&format!("{}***********{}", &id[..3], &id[14..])));
}

#[tokio::test]
async fn no_password_session_id_or_id_number_reaches_the_log_or_a_url() {
    let app = TestApp::spawn().await;
    let (id, phone) = app.register_person("张三").await;
    let client = TestApp::new_client();
    let login = app.login(&client, "person", &id, PASSWORD).await;
    let sid = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("zc_sid="))
        .map(|v| {
            v.split(';')
                .next()
                .unwrap()
                .trim_start_matches("zc_sid=")
                .to_owned()
        })
        .unwrap();
    // Every redirect of the flows stays free of identifiers.
    assert!(!crate::helpers::location(&login).contains(&id));
    app.login(&TestApp::new_client(), "person", &id, "Wrong#pass1")
        .await;
    app.forgot_password(&client, &id, &phone).await;
    let log = String::from_utf8_lossy(&LOG.lock().unwrap()).into_owned();
    assert!(!log.is_empty(), "the test subscriber captures the log");
    assert!(!log.contains(&id), "an ID number reached the log");
    assert!(!log.contains(PASSWORD), "a password reached the log");
    if let Some(line) = log.lines().find(|l| l.contains(&sid)) {
        panic!("a session id reached the log: {line}");
    }
    assert!(!log.contains(&phone), "a phone number reached the log");
}
