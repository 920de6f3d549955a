//! Rate limits and the stand-in lockouts of unknown names, shared by every node on a server
//! database (issue 11). On SQLite (one node by nature) they count in memory; the tests that
//! need two nodes say so and pass there without checking anything.

use std::net::IpAddr;
use std::sync::Arc;

use reqwest::StatusCode;
use zhicheng::app::limit::{Bucket, RateLimiter};
use zhicheng::settings::Settings;

use crate::helpers::*;

/// Whether the test runs on a server database, where several nodes share the limits.
fn shared(app: &TestApp) -> bool {
    !app.database_url.starts_with("sqlite")
}

/// Another node on `app`'s database and data directory, with the captcha as given.
async fn node(app: &TestApp, captcha: bool) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings =
        Settings::for_tests(app.data_dir.path().join("data"), app.database_url.clone());
    settings.captcha = captcha;
    TestApp::start(settings, dir).await
}

/// Two nodes on one server database, the captcha off; none on SQLite.
async fn two_nodes() -> Option<(TestApp, TestApp)> {
    let a = TestApp::spawn_with(|s| s.captcha = false).await;
    if !shared(&a) {
        return None;
    }
    let b = node(&a, false).await;
    Some((a, b))
}

/// The second node of a race on a server database; on SQLite (one node by nature) none.
async fn second_node(a: &TestApp) -> Option<TestApp> {
    if shared(a) {
        Some(node(a, true).await)
    } else {
        None
    }
}

/// The limiter the `i`-th event of a race uses: every other one the second node's, when
/// there is one.
fn limiter_of(a: &TestApp, b: &Option<TestApp>, i: usize) -> Arc<RateLimiter> {
    match (b, i % 2) {
        (Some(b), 1) => b.state.limiter.clone(),
        _ => a.state.limiter.clone(),
    }
}

fn login_error(html: &str) -> String {
    let start = html.find("class=\"error\"").map_or(0, |i| i);
    html[start..].chars().take(300).collect()
}

#[tokio::test]
async fn two_nodes_share_the_login_budget() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    assert!(a.state.limiter.is_shared() && b.state.limiter.is_shared());
    let (id, _) = a.register_person("张三").await;
    // Thirty logins a minute from one address: half through each node.
    for i in 0..30 {
        let node = if i % 2 == 0 { &a } else { &b };
        let res = node
            .login(&TestApp::new_client(), "person", &id, PASSWORD)
            .await;
        assert_eq!(location(&res), "/rsrc/portal", "login {i}");
    }
    for node in [&a, &b] {
        let res = node
            .login(&TestApp::new_client(), "person", &id, PASSWORD)
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            text_of(res).await.contains("操作过于频繁"),
            "the budget is spent on both nodes"
        );
    }
}

#[tokio::test]
async fn two_nodes_share_the_lockout_of_an_unknown_name() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let (registered, _) = a.register_person("张三").await;
    let unknown = citizen_id();
    for round in 1..=5 {
        // Each wrong password on the other node than the last.
        let node = if round % 2 == 1 { &a } else { &b };
        for account in [&registered, &unknown] {
            let res = node
                .login(&TestApp::new_client(), "person", account, "Wrong#pass1")
                .await;
            let text = res.text().await.unwrap();
            assert_eq!(
                text.contains("账号已锁定"),
                round == 5,
                "round {round}, {}: {}",
                if account == &registered {
                    "registered"
                } else {
                    "unknown"
                },
                login_error(&text)
            );
        }
    }
    for node in [&a, &b] {
        let res = node
            .login(&TestApp::new_client(), "person", &unknown, "Wrong#pass1")
            .await;
        assert!(text_of(res).await.contains("账号已锁定"));
    }
    // The table holds a keyed hash of the name, never the name.
    let rows = a
        .count(&format!(
            "SELECT COUNT(*) AS n FROM login_standins WHERE name_hash LIKE '%{unknown}%'"
        ))
        .await;
    assert_eq!(rows, 0);
    assert_eq!(a.count("SELECT COUNT(*) AS n FROM login_standins").await, 1);
}

/// N events at once, split over two nodes (one on SQLite), against a budget of K: exactly
/// K pass, whatever the interleaving.
#[tokio::test]
async fn parallel_hits_pass_exactly_the_budget() {
    let a = TestApp::spawn().await;
    let b = second_node(&a).await;
    let now = a.state.now_ms();
    for (bucket, budget, n) in [(Bucket::Sms, 5, 40), (Bucket::Login, 30, 120)] {
        let ip: IpAddr = format!("10.9.8.{budget}").parse().unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..n {
            let limiter = limiter_of(&a, &b, i);
            tasks.spawn(async move { limiter.hit(bucket, ip, now).await });
        }
        let passed = tasks.join_all().await.into_iter().filter(|ok| *ok).count();
        assert_eq!(passed, budget, "{bucket:?}: {n} hits against {budget}");
        assert_eq!(
            a.state.limiter.count(bucket, ip, now).await as usize,
            n,
            "every hit counted"
        );
    }
}

/// Wrong passwords for one unknown name, at once on two nodes: every fifth locks, as on an
/// account, so ten lock it exactly twice.
#[tokio::test]
async fn parallel_failures_of_an_unknown_name_count_one_by_one() {
    let a = TestApp::spawn().await;
    let b = second_node(&a).await;
    let now = a.state.now_ms();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..10 {
        let limiter = limiter_of(&a, &b, i);
        tasks.spawn(async move {
            limiter
                .unknown_account_failed("front:person:NOBODY", now)
                .await
                .unwrap()
        });
    }
    let mut counts: Vec<(i32, bool)> = tasks
        .join_all()
        .await
        .into_iter()
        .map(|(failed, lock)| (failed, lock.is_some()))
        .collect();
    counts.sort();
    assert_eq!(
        counts,
        [
            (0, true),
            (0, true),
            (1, false),
            (1, false),
            (2, false),
            (2, false),
            (3, false),
            (3, false),
            (4, false),
            (4, false)
        ]
    );
    let (failed, lock) = a
        .state
        .limiter
        .unknown_account("front:person:NOBODY", now)
        .await
        .unwrap();
    assert_eq!(failed, 0);
    assert!(lock.is_some_and(|until| until > now));
}

#[tokio::test]
async fn the_housekeeping_forgets_ended_windows_and_stale_stand_ins() {
    let app = TestApp::spawn().await;
    let limiter = &app.state.limiter;
    let now = app.state.now_ms();
    let ip: IpAddr = "10.1.1.1".parse().unwrap();
    for _ in 0..3 {
        assert!(limiter.hit(Bucket::Login, ip, now).await);
    }
    assert!(limiter.hit(Bucket::LoginFailure, ip, now).await);
    limiter
        .unknown_account_failed("front:unit:X", now)
        .await
        .unwrap();
    // Two minutes on: the login window has ended, the failure window (an hour) has not.
    limiter.forget_old(now + 120_000).await;
    assert_eq!(limiter.count(Bucket::Login, ip, now + 120_000).await, 0);
    assert_eq!(limiter.count(Bucket::LoginFailure, ip, now).await, 1);
    if shared(&app) {
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM rate_limits").await, 1);
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM login_standins").await,
            1
        );
    }
    // Two hours on, nothing is left.
    let later = now + 7_200_000;
    limiter.forget_old(later).await;
    assert_eq!(
        limiter
            .unknown_account("front:unit:X", later)
            .await
            .unwrap(),
        (0, None)
    );
    if shared(&app) {
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM rate_limits").await, 0);
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM login_standins").await,
            0
        );
    }
    // A window restarts after it ends.
    assert!(limiter.hit(Bucket::Sms, ip, later).await);
    assert_eq!(limiter.count(Bucket::Sms, ip, later).await, 1);
}

/// One login from the client `forwarded_for` names: whether the rate limit refused it.
async fn refused(app: &TestApp, id: &str, forwarded_for: &str) -> bool {
    let client = TestApp::new_client();
    let token = app.csrf(&client, &app.url("/rsrc/")).await;
    let res = post_with(
        &client,
        app.url("/rsrc/login"),
        ("x-forwarded-for", forwarded_for),
        &person_login_form(&token, id),
    )
    .await;
    text_of(res).await.contains("操作过于频繁")
}

/// Spends the login budget (thirty a minute) of the client `forwarded_for` names.
async fn spend(app: &TestApp, id: &str, forwarded_for: &str) {
    for i in 0..30 {
        assert!(!refused(app, id, forwarded_for).await, "login {i}");
    }
    assert!(refused(app, id, forwarded_for).await, "the budget is spent");
}

#[tokio::test]
async fn only_a_trusted_proxy_names_the_client() {
    // Behind a trusted proxy, each client its own budget.
    let app = TestApp::spawn_with(|s| {
        s.captcha = false;
        s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let (id, _) = app.register_person("张三").await;
    spend(&app, &id, "203.0.113.1").await;
    assert!(
        !refused(&app, &id, "203.0.113.2").await,
        "another client behind the proxy"
    );
    // A forged first address changes nothing: the proxy's own entry names the client.
    assert!(refused(&app, &id, "198.51.100.9, 203.0.113.1").await);
    // Trusting nobody, the header is ignored: every address is the peer's.
    let app = TestApp::spawn_with(|s| s.captcha = false).await;
    let (id, _) = app.register_person("张三").await;
    spend(&app, &id, "203.0.113.1").await;
    assert!(refused(&app, &id, "203.0.113.2").await);
}
