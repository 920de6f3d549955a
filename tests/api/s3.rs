//! Attachments on S3-compatible storage. The tests that need a server run when
//! `ZHICHENG_TEST_S3_ENDPOINT` names one (`scripts/s3-check.sh` starts moto's and sets it);
//! without it they say so and pass. The unreachable-store test needs no server and always runs.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use reqwest::StatusCode;
use serde_json::Value;
use zhicheng::settings::{FilesBackend, S3Settings};

use crate::helpers::*;

/// The test server's settings under a prefix of this test's own, or `None` (with a note)
/// when no server is configured.
fn s3_settings(test: &str) -> Option<S3Settings> {
    let Ok(endpoint) = std::env::var("ZHICHENG_TEST_S3_ENDPOINT") else {
        // Straight to the process's stderr: the test harness captures `eprintln!`.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "skipped {test}: set ZHICHENG_TEST_S3_ENDPOINT to an S3-compatible server (bash scripts/s3-check.sh does)"
        );
        return None;
    };
    let var = |k: &str, default: &str| std::env::var(k).unwrap_or_else(|_| default.to_owned());
    Some(S3Settings {
        bucket: var("ZHICHENG_TEST_S3_BUCKET", "zhicheng-test"),
        endpoint: Some(endpoint),
        region: "us-east-1".into(),
        prefix: format!("t-{}/node", uuid::Uuid::now_v7().simple()),
        access_key_id: var("ZHICHENG_TEST_S3_ACCESS_KEY_ID", "testing").into(),
        secret_access_key: var("ZHICHENG_TEST_S3_SECRET_ACCESS_KEY", "testing").into(),
    })
}

/// A client of the same bucket that goes around the platform, to see what it stored.
fn raw_bucket(s: &S3Settings) -> AmazonS3 {
    use secrecy::ExposeSecret;
    zhicheng::infra::files::install_tls_provider();
    AmazonS3Builder::new()
        .with_bucket_name(&s.bucket)
        .with_region(&s.region)
        .with_endpoint(s.endpoint.as_deref().unwrap())
        .with_allow_http(true)
        .with_access_key_id(s.access_key_id.expose_secret())
        .with_secret_access_key(s.secret_access_key.expose_secret())
        .build()
        .unwrap()
}

/// A platform keeping its attachments in the test server's bucket, under a prefix of the
/// test's own.
struct OnS3 {
    app: TestApp,
    /// The same bucket seen around the platform.
    bucket: AmazonS3,
    s3: S3Settings,
}

/// The platform of [`OnS3`], or `None` (with a note) when no server is configured.
async fn on_s3(test: &str) -> Option<OnS3> {
    let s3 = s3_settings(test)?;
    let bucket = raw_bucket(&s3);
    let app = TestApp::spawn_with(|s| s.files = FilesBackend::S3(s3.clone())).await;
    Some(OnS3 { app, bucket, s3 })
}

/// Every object name under `prefix`, sorted.
async fn names_under(bucket: &AmazonS3, prefix: &str) -> Vec<String> {
    use futures::TryStreamExt;
    let mut names: Vec<String> = bucket
        .list(Some(&Path::from(prefix)))
        .map_ok(|m| m.location.to_string())
        .try_collect()
        .await
        .unwrap();
    names.sort();
    names
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn json(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    (status, res.json().await.unwrap())
}

async fn storage_keys(app: &TestApp) -> Vec<String> {
    let rows = app.rows("SELECT storage_key FROM attachments").await;
    rows.iter()
        .map(|r| r.try_get::<String>("", "storage_key").unwrap())
        .collect()
}

#[tokio::test]
async fn s3_attachments_are_uploaded_downloaded_and_removed_through_the_bucket() {
    let Some(OnS3 { app, bucket, s3 }) =
        on_s3("s3_attachments_are_uploaded_downloaded_and_removed_through_the_bucket").await
    else {
        return;
    };
    let prefix = s3.prefix;

    // Ready: the probe goes to the bucket, and leaves nothing behind.
    let (status, body) = json(reqwest::get(app.url("/readyz")).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["checks"]["files"], "ok");
    assert_eq!(names_under(&bucket, &prefix).await, Vec::<String>::new());

    // The page's upload: stored in the bucket under the prefix, and nowhere on disk.
    let a = app.applicant().await;
    let res = a.upload("certificate", "证书.pdf", PDF.to_vec()).await;
    assert!(location(&res).ends_with("m=uploaded#module-attachments"));
    let keys = storage_keys(&app).await;
    assert_eq!(keys.len(), 1);
    assert_eq!(
        names_under(&bucket, &prefix).await,
        vec![format!("{prefix}/{}", keys[0])]
    );
    let stored = bucket
        .get(&Path::from(format!("{prefix}/{}", keys[0])))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(stored.as_ref(), PDF);
    assert!(!app.data_dir.path().join("data/files").exists());

    // Downloaded back by its owner: the same bytes.
    let html = a.detail().await;
    let href = a.file_link(&html);
    let res = fetch(&a.client, &app.url(&href)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);

    // Input errors are still the person's, whatever the backend: told at the slot.
    let res = a
        .upload("certificate", "x.pdf", b"MZ\x90\x00 no".to_vec())
        .await;
    assert!(location(&res).contains("m=file_type"));
    assert_eq!(names_under(&bucket, &prefix).await.len(), 1);

    // 删除 removes the object.
    let res = a.remove_file(&href).await;
    assert!(location(&res).contains("m=file_removed"));
    assert_eq!(names_under(&bucket, &prefix).await, Vec::<String>::new());
    // Removing a key that is not there is no error, as on disk; an invalid key is one.
    app.state.files.delete(&keys[0]).await.unwrap();
    assert!(app.state.files.delete("../escape").await.is_err());
    assert!(app.state.files.get("a/b").await.is_err());
}

#[tokio::test]
async fn s3_the_orphan_sweep_removes_only_old_unrecorded_objects_of_its_own_prefix() {
    let Some(OnS3 { app, bucket, s3 }) =
        on_s3("s3_the_orphan_sweep_removes_only_old_unrecorded_objects_of_its_own_prefix").await
    else {
        return;
    };
    let prefix = s3.prefix;
    let a = app.applicant().await;
    let res = a.upload("photo", "scan.pdf", PDF.to_vec()).await;
    assert!(location(&res).contains("m=uploaded"));
    let recorded = format!("{prefix}/{}", storage_keys(&app).await[0]);

    // An upload whose record never committed, and objects that are not this deployment's:
    // a deeper "folder" under its prefix, and the deployment beside it in the same bucket.
    let orphan = format!("{prefix}/{}.bin", uuid::Uuid::now_v7().simple());
    let nested = format!("{prefix}/deeper/{}.bin", uuid::Uuid::now_v7().simple());
    let parent = prefix.rsplit_once('/').unwrap().0.to_owned();
    let neighbour = format!("{parent}/other/{}.bin", uuid::Uuid::now_v7().simple());
    for name in [&orphan, &nested, &neighbour] {
        bucket
            .put(&Path::from(name.as_str()), PDF.to_vec().into())
            .await
            .unwrap();
    }

    // Within the hour an object may still be on its way to its record: kept.
    let removed = zhicheng::app::housekeeping::sweep_orphans(&app.state, now_ms())
        .await
        .unwrap();
    assert_eq!(removed, 0);
    // Two hours on (the sweep's clock moved, not the test's): only the orphan goes.
    let later = now_ms() + Duration::from_secs(2 * 3600).as_millis() as i64;
    let removed = zhicheng::app::housekeeping::sweep_orphans(&app.state, later)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    let mut left = vec![recorded.clone(), nested.clone(), neighbour.clone()];
    left.sort();
    assert_eq!(names_under(&bucket, &parent).await, left);
    // The recorded file still downloads.
    let html = a.detail().await;
    let href = a.file_link(&html);
    let res = fetch(&a.client, &app.url(&href)).await;
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);

    // list_older pages through more objects than one listing returns.
    for i in 0..5 {
        bucket
            .put(
                &Path::from(format!("{prefix}/extra-{i}.bin")),
                PDF.to_vec().into(),
            )
            .await
            .unwrap();
    }
    let old = app.state.files.list_older(later, 3).await.unwrap();
    assert_eq!(old.len(), 3, "{old:?}");
    let old = app.state.files.list_older(later, 100).await.unwrap();
    assert_eq!(old.len(), 6, "{old:?}");
    assert!(
        old.iter().all(|k| !k.contains('/')),
        "keys, not object names: {old:?}"
    );

    for name in names_under(&bucket, &parent).await {
        bucket.delete(&Path::from(name)).await.unwrap();
    }
}

#[tokio::test]
async fn s3_a_store_out_of_reach_is_a_clean_server_error_and_not_ready() {
    // A port nothing listens on: connections are refused at once.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let app = TestApp::spawn_with(|s| {
        s.files = FilesBackend::S3(S3Settings {
            bucket: "nowhere".into(),
            endpoint: Some(format!("http://127.0.0.1:{port}")),
            region: "us-east-1".into(),
            prefix: "p".into(),
            access_key_id: "k".to_owned().into(),
            secret_access_key: "s".to_owned().into(),
        })
    })
    .await;

    let (status, body) = json(reqwest::get(app.url("/readyz")).await.unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["checks"]["files"], "not writable");
    assert_eq!(body["checks"]["database"], "ok");
    assert!(
        !body.to_string().contains("127.0.0.1"),
        "no details: {body}"
    );

    // The page: input errors stay the person's; a good file meets the platform's 500 page,
    // and no record is left pointing at bytes that were never stored.
    let a = app.applicant().await;
    let res = a.upload("photo", "x.pdf", Vec::new()).await;
    assert!(location(&res).contains("m=file_empty"));
    let res = a.upload("photo", "scan.pdf", PDF.to_vec()).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("<html") && !page.contains("127.0.0.1"),
        "{page}"
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM attachments").await, 0);

    // The JSON API: a 4xx for a bad file, a 500 with the error code for the store.
    let bearer = crate::rest::token(&app, &a.client, &app.url("/rsrc/zc/tokens"), "write").await;
    let api = reqwest::Client::new();
    let upload = |bytes: &'static [u8]| {
        let form = reqwest::multipart::Form::new().text("slot", "photo").part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("scan.pdf"),
        );
        api.post(app.url(&format!(
            "/rsrc/api/v1/applications/{}/attachments",
            a.app_id
        )))
        .bearer_auth(&bearer)
        .multipart(form)
        .send()
    };
    let (status, body) = json(upload(b"MZ\x90\x00 not a scan").await.unwrap()).await;
    assert!(status.is_client_error(), "{status} {body}");
    let (status, body) = json(upload(PDF).await.unwrap()).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(body["code"], "unexpected", "{body}");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM attachments").await, 0);
}

#[tokio::test]
async fn s3_a_backup_restores_into_an_empty_prefix_only() {
    if std::env::var("ZHICHENG_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("mysql")) {
        return; // backup and restore refuse the MySQL family (tests/api/backup.rs)
    }
    let Some(OnS3 { app, bucket, s3 }) =
        on_s3("s3_a_backup_restores_into_an_empty_prefix_only").await
    else {
        return;
    };
    let a = app.applicant().await;
    let res = a.upload("photo", "scan.pdf", PDF.to_vec()).await;
    assert!(location(&res).contains("m=uploaded"));
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("backup");
    let manifest = zhicheng::backup::backup(&app.state, &target).await.unwrap();
    assert_eq!(manifest.files.len(), 1);

    // Into an empty database, with the backup's master key, and the bucket.
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(&dir).await;
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(
        app.data_dir.path().join("data/master.key"),
        data.join("master.key"),
    )
    .unwrap();
    let mut settings = zhicheng::settings::Settings::for_tests(data, url);
    // Not over the live deployment's objects.
    settings.files = FilesBackend::S3(s3.clone());
    let err = zhicheng::backup::restore(&settings, &target)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("is not empty"), "{err}");
    let fresh = S3Settings {
        prefix: format!("{}-restored", s3.prefix),
        ..s3.clone()
    };
    settings.files = FilesBackend::S3(fresh.clone());
    let report = zhicheng::backup::restore(&settings, &target).await.unwrap();
    let text = report.lines.join("\n");
    assert!(text.contains("attachments: 1 files"), "{text}");
    assert_eq!(
        names_under(&bucket, &fresh.prefix).await,
        vec![format!("{}/{}", fresh.prefix, manifest.files[0].key)]
    );
    for prefix in [&s3.prefix, &fresh.prefix] {
        for name in names_under(&bucket, prefix).await {
            bucket.delete(&Path::from(name)).await.unwrap();
        }
    }
}
