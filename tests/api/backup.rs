//! `zhicheng backup` / `restore` (SECURITY item 41): a copy taken while people save, restored
//! into an empty database, verified against its manifest, then served.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use reqwest::StatusCode;
use zhicheng::settings::Settings;

use crate::helpers::*;

const SAVES: &str = "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'application_save'";

/// On the MySQL family `backup` and `restore` refuse, saying which tools to use, and write
/// nothing; the tests of a real backup then have nothing more to check there.
async fn refused_on_mysql(app: &TestApp) -> bool {
    if app.state.db.backend() != sea_orm::DbBackend::MySql {
        return false;
    }
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("backup");
    let err = zhicheng::backup::backup(&app.state, &target)
        .await
        .expect_err("no backup on MySQL");
    assert!(
        err.to_string().contains("mysqldump --single-transaction"),
        "{err}"
    );
    assert!(!target.exists(), "nothing written");
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::for_tests(dir.path().join("data"), app.database_url.clone());
    let err = zhicheng::backup::restore(&settings, out.path())
        .await
        .expect_err("no restore on MySQL");
    assert!(err.to_string().contains("own consistent tools"), "{err}");
    eprintln!("backup on MySQL: refused as documented; the engine's own tools back it up");
    true
}

#[tokio::test]
async fn a_backup_taken_under_writes_restores_verifies_and_serves() {
    let app = TestApp::spawn().await;
    if refused_on_mysql(&app).await {
        return;
    }
    let a = app.applicant().await;
    let res = a.upload("certificate", "证书.pdf", PDF.to_vec()).await;
    assert!(location(&res).contains("m=uploaded"), "{}", location(&res));
    let saves_at_start = app.count(SAVES).await;

    // Saves keep coming while the backup runs.
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("backup");
    let (acked, done) = (AtomicUsize::new(0), AtomicBool::new(false));
    let writes = async {
        while !done.load(Ordering::SeqCst) {
            let res = a
                .module(
                    "transfer",
                    &[
                        ("prev_employer", "南京某机械有限公司"),
                        ("prev_province", "江苏省"),
                        ("moved_date", "2024-03-01"),
                        ("how", "调动"),
                    ],
                )
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
            acked.fetch_add(1, Ordering::SeqCst);
        }
    };
    let backup = async {
        while acked.load(Ordering::SeqCst) < 3 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let before = acked.load(Ordering::SeqCst);
        let manifest = zhicheng::backup::backup(&app.state, &target).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        done.store(true, Ordering::SeqCst);
        (manifest, before)
    };
    let ((), (manifest, acked_before)) = tokio::join!(writes, backup);
    assert!(
        acked.load(Ordering::SeqCst) > acked_before,
        "writes ran during the backup"
    );
    assert_eq!(manifest.files.len(), 1);
    assert!(
        !target.join("master.key").exists(),
        "the key is never in a backup"
    );

    // A second backup into the same folder is refused; so is restoring over live data.
    assert!(zhicheng::backup::backup(&app.state, &target).await.is_err());
    let live = Settings::for_tests(app.data_dir.path().join("data"), app.database_url.clone());
    assert!(zhicheng::backup::restore(&live, &target).await.is_err());

    // Restore into an empty database and data directory; the operator brings the key.
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(&dir).await;
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(
        app.data_dir.path().join("data").join("master.key"),
        data.join("master.key"),
    )
    .unwrap();
    let settings = Settings::for_tests(data, url);
    let report = zhicheng::backup::restore(&settings, &target).await.unwrap();
    let text = report.lines.join("\n");
    assert_contains_all(
        &text,
        &[
            "rows:",
            "attachments: 1 files",
            "audit chain: intact",
            "master key: the backup's",
        ],
    );

    // Served from the restore: every save acknowledged before the backup began is there,
    // the person logs in and downloads the file uploaded before the backup.
    let restored = TestApp::start(settings, dir).await;
    let saves = restored.count(SAVES).await;
    assert!(
        saves >= saves_at_start + acked_before as i64,
        "{saves} saves restored, {} acknowledged before the backup",
        saves_at_start + acked_before as i64
    );
    let row = restored
        .first_row("SELECT p.id_cipher, f.id AS file_id FROM attachments f JOIN applications a ON a.id = f.application_id JOIN persons p ON p.id = a.person_id")
        .await
        .unwrap();
    let id_number = restored
        .state
        .keys
        .decrypt(
            zhicheng::store::accounts::ID_CONTEXT,
            &row.try_get::<String>("", "id_cipher").unwrap(),
        )
        .unwrap();
    let file: uuid::Uuid = row.try_get("", "file_id").unwrap();
    let client = TestApp::new_client();
    assert_eq!(
        location(
            &restored
                .login(&client, "person", &id_number, PASSWORD)
                .await
        ),
        "/rsrc/portal"
    );
    let res = fetch(
        &client,
        &restored.url(&format!("/rsrc/zc/transfer/{}/files/{file}", a.app_id)),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
}

#[tokio::test]
async fn a_damaged_backup_is_refused_before_anything_is_restored() {
    let app = TestApp::spawn().await;
    if refused_on_mysql(&app).await {
        return;
    }
    let a = app.applicant().await;
    a.upload("certificate", "证书.pdf", PDF.to_vec()).await;
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("backup");
    let manifest = zhicheng::backup::backup(&app.state, &target).await.unwrap();

    let restore_fresh = || async {
        let dir = tempfile::tempdir().unwrap();
        let url = fresh_database(&dir).await;
        let settings = Settings::for_tests(dir.path().join("data"), url);
        (zhicheng::backup::restore(&settings, &target).await, dir)
    };
    // A changed attachment in the backup folder.
    let file = target.join("files").join(&manifest.files[0].key);
    std::fs::write(&file, b"%PDF-1.4 tampered").unwrap();
    let (res, dir) = restore_fresh().await;
    assert!(
        res.unwrap_err()
            .to_string()
            .contains("differs from the manifest")
    );
    assert!(
        !dir.path().join("data").join("files").exists() && !dir.path().join("test.db").exists(),
        "nothing was written"
    );
    std::fs::write(&file, PDF).unwrap();
    // No manifest: an interrupted backup.
    std::fs::rename(target.join("manifest.json"), target.join("m.json")).unwrap();
    let (res, _dir) = restore_fresh().await;
    assert!(res.unwrap_err().to_string().contains("has no manifest"));
    std::fs::rename(target.join("m.json"), target.join("manifest.json")).unwrap();
    // Restored without the key it was made with: verification names it.
    let (res, _dir) = restore_fresh().await;
    assert!(
        res.unwrap()
            .lines
            .iter()
            .any(|l| l.contains("none configured yet"))
    );
}
