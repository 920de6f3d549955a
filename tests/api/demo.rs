//! `zhicheng demo-data`: generated data that looks real and obeys every rule, and a refusal
//! to touch a database holding anything else.

use zhicheng::domain::ids::CitizenId;
use zhicheng::store::stats::{StatsFilter, counts, counts_scanned};

use crate::helpers::*;

/// A fresh platform filled by demo-data with `units` units, as many people and applications
/// as `apps`, from `seed`.
async fn with_demo_data(units: usize, apps: usize, seed: u64) -> TestApp {
    let app = TestApp::spawn().await;
    zhicheng::tools::demo::run(&app.state, units, apps, seed)
        .await
        .unwrap();
    app
}

#[tokio::test]
async fn demo_data_fills_an_empty_database_with_valid_records() {
    let app = with_demo_data(60, 600, 11).await;
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM units").await, 60);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM persons").await, 600);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM applications").await,
        600
    );
    for state in ["draft", "pending", "returned", "to_report", "approved"] {
        assert!(
            app.count(&format!(
                "SELECT COUNT(*) AS n FROM applications WHERE state = '{state}'"
            ))
            .await
                > 0,
            "some applications are {state}"
        );
    }
    // Every application's history starts with its creation; approved ones end approved.
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM application_events WHERE action = 'create'")
            .await,
        600
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM application_events WHERE to_state = 'approved'")
            .await,
        app.count("SELECT COUNT(*) AS n FROM applications WHERE state = 'approved'")
            .await
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM applications WHERE state = 'approved' AND (final_at IS NULL OR final_at <= submitted_at)")
            .await,
        0,
        "approval follows submission"
    );
    assert!(app.count("SELECT COUNT(*) AS n FROM final_grants").await > 0);
    // ID numbers are valid (check digit, birth date), stored encrypted and masked.
    let rows = app
        .rows("SELECT id_cipher, id_masked FROM persons LIMIT 50")
        .await;
    for r in rows {
        let cipher: String = r.try_get("", "id_cipher").unwrap();
        let masked: String = r.try_get("", "id_masked").unwrap();
        let id = app
            .state
            .keys
            .decrypt(zhicheng::store::accounts::ID_CONTEXT, &cipher)
            .unwrap();
        assert!(
            CitizenId::parse(&id, app.state.clock.today()).is_ok(),
            "{id} is a valid ID number"
        );
        assert!(!cipher.contains(&id) && masked.contains('*'));
    }
    // The statistics cube agrees with the generated rows.
    let db = &app.state.db.conn;
    for by in ["state", "city", "month"] {
        let mut scanned = counts_scanned(db, &StatsFilter::default(), by)
            .await
            .unwrap();
        scanned.sort();
        assert_eq!(
            counts(db, &StatsFilter::default(), by).await.unwrap(),
            scanned
        );
    }
    // Every generated account opens with the demo password, units as well as persons.
    let code: String = app
        .value(
            "SELECT credit_code FROM units ORDER BY credit_code LIMIT 1",
            "credit_code",
        )
        .await;
    let res = app
        .login(
            &TestApp::new_client(),
            "unit",
            &code,
            zhicheng::tools::demo::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(
        res.status(),
        reqwest::StatusCode::SEE_OTHER,
        "unit {code} logs in"
    );
    // A second run would mix two generations: refused.
    let err = zhicheng::tools::demo::run(&app.state, 10, 10, 12)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("already holds demo data"), "{err}");
}

#[tokio::test]
async fn demo_data_refuses_a_database_with_real_accounts() {
    let app = TestApp::spawn().await;
    app.register_person("张三").await;
    let err = zhicheng::tools::demo::run(&app.state, 10, 10, 1)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("registered"), "{err}");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM units").await, 0);
}

/// The review queue reads its pages from the holder rows' copy of the submission time: the
/// OFFSET pages, the keyset walk and a date filter all list a unit's applications exactly
/// as sorting the applications themselves would, ties broken by id.
#[tokio::test]
async fn the_review_queue_pages_in_the_applications_own_order() {
    use std::collections::BTreeMap;
    use uuid::Uuid;
    use zhicheng::store::review::{Filter, after, slice};

    let app = with_demo_data(12, 500, 7).await;
    let rows = app
        .rows(
            "SELECT h.unit_id, a.id, a.submitted_at FROM application_holders h \
             JOIN applications a ON a.id = h.application_id",
        )
        .await;
    let mut held: BTreeMap<Uuid, Vec<(i64, Uuid)>> = BTreeMap::new();
    for r in rows {
        held.entry(r.try_get("", "unit_id").unwrap())
            .or_default()
            .push((
                r.try_get("", "submitted_at").unwrap(),
                r.try_get("", "id").unwrap(),
            ));
    }
    let (unit, mut expected) = held
        .into_iter()
        .max_by_key(|(_, v)| v.len())
        .expect("a unit holds applications");
    assert!(
        expected.len() > 20,
        "the busiest unit holds {}",
        expected.len()
    );
    expected.sort_by(|x, y| y.cmp(x));
    // Ties: six of them given one submission time, in both tables, so that the id decides.
    let db = &app.state.db.conn;
    let tie = expected[3].0;
    for (at, id) in &mut expected[3..9] {
        *at = tie;
        for table in [
            "applications SET submitted_at = ? WHERE id",
            "application_holders SET submitted_at = ? WHERE application_id",
        ] {
            zhicheng::store::exec(
                db,
                &format!("UPDATE {table} = ?"),
                vec![tie.into(), (*id).into()],
            )
            .await
            .unwrap();
        }
    }
    expected.sort_by(|x, y| y.cmp(x));
    let store = &app.state.db;
    let f = Filter::default();
    let mut paged = Vec::new();
    for page in 0.. {
        let (rows, total) = slice(store, unit, &f, page * 7, 7).await.unwrap();
        assert_eq!(total, expected.len() as i64);
        if rows.is_empty() {
            break;
        }
        paged.extend(rows.into_iter().map(|r| (r.submitted_at.unwrap(), r.id)));
    }
    assert_eq!(paged, expected, "OFFSET pages");

    let mut walked = Vec::new();
    let mut cursor = None;
    loop {
        let rows = after(store, unit, &f, cursor, 5).await.unwrap();
        let Some(last) = rows.last() else { break };
        cursor = Some((last.submitted_at.unwrap(), last.id));
        walked.extend(rows.iter().map(|r| (r.submitted_at.unwrap(), r.id)));
    }
    assert_eq!(walked, expected, "keyset walk");

    // A date range: from the tie (inclusive) to the newest (exclusive).
    let newest = expected[0].0;
    let ranged = Filter {
        from_ms: Some(tie),
        to_ms: Some(newest),
        ..Filter::default()
    };
    let want: Vec<_> = expected
        .iter()
        .filter(|(at, _)| *at >= tie && *at < newest)
        .copied()
        .collect();
    let (rows, total) = slice(store, unit, &ranged, 0, 500).await.unwrap();
    assert_eq!(total, want.len() as i64);
    let got: Vec<_> = rows
        .into_iter()
        .map(|r| (r.submitted_at.unwrap(), r.id))
        .collect();
    assert_eq!(got, want, "date filter");

    // Nothing after the newest: an empty first page, and a total of nothing.
    let later = Filter {
        from_ms: Some(newest + 1),
        ..Filter::default()
    };
    let (rows, total) = slice(store, unit, &later, 0, 7).await.unwrap();
    assert!(rows.is_empty());
    assert_eq!(total, 0);
}

/// 统计分析 requests for the same filter that overlap share one computation, whose figures
/// are the store's; a request after it reads afresh, and another filter computes its own.
#[tokio::test]
async fn overlapping_statistics_requests_share_one_computation() {
    use std::sync::Arc;
    use zhicheng::app::stats::summary;

    let app = with_demo_data(12, 300, 5).await;
    let province = StatsFilter::default();
    let city = StatsFilter {
        region: Some("370100".into()),
        ..StatsFilter::default()
    };
    let (together, own) = tokio::join!(
        futures::future::join_all((0..8).map(|_| summary(&app.state, &province))),
        summary(&app.state, &city),
    );
    let together: Vec<_> = together.into_iter().map(Result::unwrap).collect();
    assert!(
        together.iter().all(|s| Arc::ptr_eq(s, &together[0])),
        "one computation for the eight"
    );
    let own = own.unwrap();
    assert!(!Arc::ptr_eq(&own, &together[0]));
    let direct = zhicheng::store::stats::summary(&app.state.db.conn, &province)
        .await
        .unwrap();
    assert_eq!(together[0].tables, direct.tables);
    assert_eq!(together[0].durations, direct.durations);
    assert_ne!(own.tables, direct.tables, "the city's figures are its own");

    let later = summary(&app.state, &province).await.unwrap();
    assert!(!Arc::ptr_eq(&later, &together[0]), "read afresh once done");
    assert_eq!(later.tables, direct.tables);
}
