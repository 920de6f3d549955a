//! The operator's side: health and readiness, Prometheus metrics, graceful shutdown.

use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use reqwest::multipart;
use serde_json::Value;

use crate::helpers::*;

async fn json(res: reqwest::Response) -> (StatusCode, Value) {
    (res.status(), res.json().await.unwrap())
}

#[tokio::test]
async fn health_and_readiness_on_both_listeners_say_what_is_wrong() {
    let app = TestApp::spawn().await;
    for base in [&app.front, &app.back] {
        let (status, body) = json(reqwest::get(format!("{base}/healthz")).await.unwrap()).await;
        assert_eq!(
            (status, body["status"].as_str()),
            (StatusCode::OK, Some("ok"))
        );
        let (status, body) = json(reqwest::get(format!("{base}/readyz")).await.unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "ready");
        for check in ["database", "migrations", "files"] {
            assert_eq!(body["checks"][check], "ok", "{check}: {body}");
        }
    }

    // Attachment storage that cannot take a write: not ready, and it says which check.
    let files = app.data_dir.path().join("data").join("files");
    std::fs::remove_dir_all(&files).unwrap();
    std::fs::write(&files, b"not a folder").unwrap();
    let (status, body) = json(reqwest::get(app.url("/readyz")).await.unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        (
            &body["status"],
            &body["checks"]["files"],
            &body["checks"]["database"]
        ),
        (
            &Value::from("unready"),
            &Value::from("not writable"),
            &Value::from("ok")
        )
    );
    std::fs::remove_file(&files).unwrap();
    std::fs::create_dir(&files).unwrap();

    // A schema behind this build (a node started before `migrate` ran): not ready.
    let db = &app.state.db.conn;
    use sea_orm::ConnectionTrait;
    db.execute_unprepared(
        "DELETE FROM seaql_migrations WHERE version = (SELECT MAX(version) FROM seaql_migrations)",
    )
    .await
    .unwrap();
    let (status, body) = json(reqwest::get(app.back_url("/readyz")).await.unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["checks"]["migrations"], "1 pending");
}

#[tokio::test]
async fn metrics_count_routes_by_template_on_the_back_office_only() {
    let app = TestApp::spawn().await;
    let a = app.applicant().await;
    let page = fetch(&a.client, &app.url(&a.path(""))).await;
    assert_eq!(page.status(), StatusCode::OK);
    let res = app
        .login(&TestApp::new_client(), "person", &citizen_id(), PASSWORD)
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let res = reqwest::get(app.back_url("/metrics")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(header(&res, "content-type").starts_with("text/plain"));
    let text = res.text().await.unwrap();
    assert_contains_all(
        &text,
        &[
            "http_requests_total{site=\"front\",route=\"/rsrc/zc/transfer/{id}\",method=\"GET\",status=\"200\"}",
            "http_request_duration_seconds_bucket{site=\"front\",route=\"/rsrc/zc/transfer/{id}\"",
            "zhicheng_logins_total{site=\"front\",outcome=\"ok\"}",
            "zhicheng_logins_total{site=\"front\",outcome=\"failed\"}",
            "zhicheng_transitions_total{action=\"create\"}",
            "db_pool_connections{state=\"max\"}",
        ],
    );
    assert!(
        !text.contains(&a.app_id),
        "concrete paths (ids) never become labels"
    );
    // Not on the public site.
    let res = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn on_sigterm_an_upload_in_flight_completes_and_no_new_connection_is_taken() {
    let app = TestApp::spawn().await;
    let a = app.applicant().await;
    let token = app.csrf(&a.client, &app.url(&a.path(""))).await;
    // The file arrives in two halves; the second only once the stop has been given.
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let (first, rest) = PDF.split_at(PDF.len() / 2);
    let (first, rest) = (first.to_vec(), rest.to_vec());
    let body = futures::stream::once(async move { Ok::<_, std::io::Error>(first) }).chain(
        futures::stream::once(async move {
            let _ = released.await;
            Ok(rest)
        }),
    );
    let part = multipart::Part::stream(reqwest::Body::wrap_stream(body))
        .file_name("证书.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let form = multipart::Form::new()
        .text("_csrf", token)
        .text("slot", "certificate")
        .part("file", part);
    let upload = tokio::spawn(
        a.client
            .post(app.url(&a.path("/files")))
            .multipart(form)
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.signal_stop();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let front = app.front.trim_start_matches("http://").to_owned();
    assert!(
        tokio::net::TcpStream::connect(&front).await.is_err(),
        "no new connection after the stop"
    );
    release.send(()).unwrap();
    let res = upload.await.unwrap().unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "the upload in flight completes"
    );
    tokio::time::timeout(Duration::from_secs(10), app.stopped())
        .await
        .expect("the server stops once the request is done")
        .expect("a clean stop");
    // The pool is closed; a new connection finds the upload committed.
    use sea_orm::ConnectionTrait;
    let db = sea_orm::Database::connect(app.database_url.clone())
        .await
        .unwrap();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM attachments".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 1);
    db.close().await.unwrap();
}

/// Two transactions locking two rows in opposite orders: the database picks a loser, whose
/// error becomes a retryable 409 (`contended_retry`), never a 500. SQLite takes one writer at
/// a time (the platform's write lock), so no deadlock arises there.
#[tokio::test]
async fn a_deadlock_loser_gets_a_retryable_conflict_not_a_server_error() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = TestApp::spawn().await;
    let db = &app.state.db.conn;
    let backend = db.get_database_backend();
    if backend == sea_orm::DbBackend::Sqlite {
        eprintln!("SQLite: one writer at a time, no deadlock to provoke");
        return;
    }
    let codes: Vec<String> = db
        .query_all_raw(zhicheng::store::stmt(
            backend,
            "SELECT code FROM regions ORDER BY code LIMIT 2",
            vec![],
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("", "code").unwrap())
        .collect();
    let touch = |code: &str| {
        zhicheng::store::stmt(
            backend,
            "UPDATE regions SET sort = sort + 0 WHERE code = ?",
            vec![code.into()],
        )
    };
    let (t1, t2) = (db.begin().await.unwrap(), db.begin().await.unwrap());
    t1.execute_raw(touch(&codes[0])).await.unwrap();
    t2.execute_raw(touch(&codes[1])).await.unwrap();
    let (r1, r2) = tokio::join!(
        async {
            let r = t1.execute_raw(touch(&codes[1])).await;
            if r.is_ok() {
                t1.commit().await.unwrap();
            }
            r
        },
        async {
            let r = t2.execute_raw(touch(&codes[0])).await;
            if r.is_ok() {
                t2.commit().await.unwrap();
            }
            r
        }
    );
    let errors: Vec<sea_orm::DbErr> = [r1, r2].into_iter().filter_map(Result::err).collect();
    assert_eq!(errors.len(), 1, "exactly one loser: {errors:?}");
    let err = errors.into_iter().next().unwrap();
    assert!(zhicheng::error::contended(&err), "{err:?}");
    let mapped = zhicheng::error::AppError::from(err);
    assert!(
        matches!(
            mapped,
            zhicheng::error::AppError::Conflict(zhicheng::messages::Msg::Contended)
        ),
        "{mapped:?}"
    );
}
