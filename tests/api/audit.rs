//! The audit log: every security event recorded, chained, and tampering detected.

use sea_orm::ConnectionTrait;
use zhicheng::store::audit::{Verification, verify};

use crate::helpers::*;

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
    assert_eq!(
        verify(&app.state.db.conn).await.unwrap(),
        Verification::Intact { entries: 5 }
    );
}

#[tokio::test]
async fn an_edited_or_deleted_entry_breaks_the_chain() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.register_person("张三").await;
    }
    let db = &app.state.db.conn;
    db.execute_unprepared("UPDATE audit_log SET outcome = 'failure' WHERE seq = 2")
        .await
        .unwrap();
    assert!(matches!(
        verify(db).await.unwrap(),
        Verification::Broken { seq: 2, .. }
    ));
    db.execute_unprepared("UPDATE audit_log SET outcome = 'success' WHERE seq = 2")
        .await
        .unwrap();
    assert!(matches!(
        verify(db).await.unwrap(),
        Verification::Intact { entries: 3 }
    ));
    db.execute_unprepared("DELETE FROM audit_log WHERE seq = 3")
        .await
        .unwrap();
    assert!(matches!(
        verify(db).await.unwrap(),
        Verification::Broken { seq: 3, .. }
    ));
}

#[tokio::test]
async fn concurrent_appends_keep_one_unbroken_chain() {
    let app = TestApp::spawn().await;
    let tasks: Vec<_> = (0..8).map(|_| app.register_person("张三")).collect();
    futures::future::join_all(tasks).await;
    assert_eq!(
        verify(&app.state.db.conn).await.unwrap(),
        Verification::Intact { entries: 8 }
    );
}
