//! The audit log: every security event recorded, chained, and tampering detected.

use zhicheng::store::audit::{Verification, verify};

use crate::helpers::*;

/// What verifying the whole chain finds.
async fn verified(app: &TestApp) -> Verification {
    verify(&app.state.db.conn).await.unwrap()
}

/// A platform on which `n` persons have registered: `n` entries in the log.
async fn with_registrations(n: usize) -> TestApp {
    let app = TestApp::spawn().await;
    for _ in 0..n {
        app.register_person("张三").await;
    }
    app
}

#[tokio::test]
async fn registrations_logins_failures_and_logouts_are_recorded_and_chained() {
    let app = TestApp::spawn().await;
    let (id, _) = app.register_person("张三").await;
    app.register_unit().await;
    let client = TestApp::new_client();
    app.login(&client, "person", &id, "Wrong#pass1").await;
    app.login(&client, "person", &id, PASSWORD).await;
    let token = app.csrf(&client, &app.url("/rsrc/zc")).await;
    client
        .post(app.url("/rsrc/logout"))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();

    let entries = zhicheng::store::audit::page(&app.state.db.conn, 0, 100)
        .await
        .unwrap();
    let actions: Vec<_> = entries
        .iter()
        .map(|e| (e.action.as_str(), e.outcome.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("register", "success"),
            ("register", "success"),
            ("login", "failure"),
            ("login", "success"),
            ("logout", "success")
        ]
    );
    let login = &entries[3];
    assert_eq!(login.ip, "127.0.0.1");
    assert!(login.actor_label.starts_with("张三(") && !login.actor_label.contains(&id));
    assert!(login.at > 1_700_000_000_000, "UTC milliseconds");
    assert_eq!(verified(&app).await, Verification::Intact { entries: 5 });
}

#[tokio::test]
async fn the_database_refuses_to_edit_or_delete_audit_entries() {
    let app = with_registrations(2).await;
    let mut attempts = vec![
        "UPDATE audit_log SET outcome = 'failure' WHERE seq = 2",
        "UPDATE audit_log SET detail = ''",
        "DELETE FROM audit_log WHERE seq = 1",
        "DELETE FROM audit_log",
    ];
    if app.state.db.backend() == sea_orm::DbBackend::Postgres {
        attempts.push("TRUNCATE audit_log");
    }
    for sql in attempts {
        let err = app.execute(sql).await.expect_err("the log is append-only");
        assert!(
            err.to_string().contains("audit"),
            "{sql}: refused by the guard, not by chance: {err}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log").await, 2);
    assert_eq!(verified(&app).await, Verification::Intact { entries: 2 });
}

#[tokio::test]
async fn an_edited_or_deleted_entry_breaks_the_chain() {
    let app = with_registrations(3).await;
    drop_audit_guards(&app.state.db.conn).await;
    // Each change, and the first entry at which the chain breaks after it (None: intact).
    for (sql, broken_at) in [
        (
            "UPDATE audit_log SET outcome = 'failure' WHERE seq = 2",
            Some(2),
        ),
        (
            "UPDATE audit_log SET outcome = 'success' WHERE seq = 2",
            None,
        ),
        ("DELETE FROM audit_log WHERE seq = 3", Some(3)),
    ] {
        app.execute(sql).await.unwrap();
        let found = verified(&app).await;
        match broken_at {
            Some(at) => assert!(
                matches!(found, Verification::Broken { seq, .. } if seq == at),
                "{sql}: {found:?}"
            ),
            None => assert!(
                matches!(found, Verification::Intact { entries: 3 }),
                "{sql}: {found:?}"
            ),
        }
    }
}

#[tokio::test]
async fn concurrent_appends_keep_one_unbroken_chain() {
    let app = TestApp::spawn().await;
    let tasks: Vec<_> = (0..8).map(|_| app.register_person("张三")).collect();
    futures::future::join_all(tasks).await;
    assert_eq!(verified(&app).await, Verification::Intact { entries: 8 });
}

#[tokio::test]
async fn archiving_moves_old_entries_to_a_file_and_the_chain_still_verifies() {
    let app = with_registrations(3).await;
    // Three entries now; two more 200 days later.
    app.clock.advance_minutes(200 * 24 * 60);
    app.register_person("李四").await;
    let now = app.state.now_ms();
    let file = app.data_dir.path().join("audit-archive.jsonl");
    let cutoff = now - 190 * 86_400_000;
    let done = zhicheng::store::audit::archive(&app.state.db, cutoff, &file, now)
        .await
        .unwrap();
    assert_eq!(
        done.entries, 3,
        "only entries older than the retention period"
    );
    let lines = std::fs::read_to_string(&file).unwrap();
    assert_eq!(lines.lines().count(), 3);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log").await, 1);
    assert_eq!(verified(&app).await, Verification::Intact { entries: 4 });
    // Nothing young enough is removed by a second run.
    let again = zhicheng::store::audit::archive(
        &app.state.db,
        cutoff,
        &app.data_dir.path().join("second.jsonl"),
        now,
    )
    .await
    .unwrap();
    assert_eq!(again.entries, 0);
    app.execute("DELETE FROM audit_log")
        .await
        .expect_err("entries no archive covers stay");
    drop_audit_guards(&app.state.db.conn).await;
    app.execute("DELETE FROM audit_log").await.unwrap();
    assert!(
        matches!(verified(&app).await, Verification::Broken { .. }),
        "removing the rest is still detected"
    );
}
