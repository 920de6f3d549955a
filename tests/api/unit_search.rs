//! The unit picker's 单位名称 search: `GET /rsrc/api/units?q=…`.

use reqwest::{Client, StatusCode};
use serde_json::Value;
use uuid::Uuid;
use zhicheng::domain::ids::{CreditCode, Phone};
use zhicheng::store::accounts::{UnitRecord, insert_unit};
use zhicheng::store::unit_search;

use crate::helpers::*;

/// Creates a unit the way registration stores it (which also indexes its name).
async fn add_unit(app: &TestApp, name: &str, region: &str) -> Uuid {
    let tx = app.state.db.begin().await.unwrap();
    let unit = insert_unit(
        &*tx,
        &app.state.keys,
        app.state.now_ms(),
        &UnitRecord {
            name: name.to_owned(),
            credit_code: CreditCode::parse(&credit_code()).unwrap(),
            region: region.to_owned(),
            contact: "李四".to_owned(),
            contact_phone: Phone::parse(&phone()).unwrap(),
            password_hash: "!".to_owned(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    unit.id
}

async fn search(app: &TestApp, client: &Client, q: &str) -> Value {
    let res = client
        .get(app.url("/rsrc/api/units"))
        .query(&[("q", q)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "query {q:?}");
    res.json().await.unwrap()
}

fn names(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn units_are_found_by_any_part_of_their_name_with_their_region() {
    let app = TestApp::spawn().await;
    let (_, registered, _) = app.register_unit().await;
    add_unit(&app, "青岛市市场监督管理局", "370200").await;
    add_unit(&app, "淄博市第三中学", "370300").await;
    add_unit(&app, "山东华泰科技有限公司", "370000").await;
    let (client, _) = app.person_client().await;

    // Two characters.
    let v = search(&app, &client, "市场").await;
    assert_eq!(names(&v), ["青岛市市场监督管理局"]);
    assert_eq!(v["items"][0]["region"], "青岛市");
    assert!(v["items"][0]["id"].as_str().is_some());
    assert!(v["message"].is_null());
    assert_eq!(
        names(&search(&app, &client, "三中").await),
        ["淄博市第三中学"]
    );

    // Three characters and more, anywhere in the name, around spaces.
    let v = search(&app, &client, "第三中学").await;
    assert_eq!(names(&v), ["淄博市第三中学"]);
    assert_eq!(v["items"][0]["region"], "淄博市");
    assert_eq!(
        names(&search(&app, &client, "  监督管理局 ").await),
        ["青岛市市场监督管理局"]
    );
    let v = search(&app, &client, "华泰科").await;
    assert_eq!(names(&v), ["山东华泰科技有限公司"]);
    assert_eq!(v["items"][0]["region"], "山东省");

    // Registration indexes the name.
    let v = search(&app, &client, "测试科技有限公司").await;
    assert_eq!(names(&v), std::slice::from_ref(&registered));
    assert_eq!(v["items"][0]["region"], "济南市");
    let tail: String = registered
        .chars()
        .rev()
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert!(names(&search(&app, &client, &tail).await).contains(&registered));

    // Both "科技有限公司" units, the one starting with the query first.
    let v = search(&app, &client, "科技有限").await;
    assert_eq!(names(&v).len(), 2);
    let v = search(&app, &client, "山东华泰").await;
    assert_eq!(names(&v)[0], "山东华泰科技有限公司");

    // No hit.
    for q in ["不存在的单位", "市监", "青岛 市场"] {
        let v = search(&app, &client, q).await;
        assert_eq!(names(&v), Vec::<String>::new(), "{q}");
        assert!(v["message"].is_null());
    }
}

#[tokio::test]
async fn queries_under_two_characters_ask_for_more() {
    let app = TestApp::spawn().await;
    add_unit(&app, "济南市人民医院", "370100").await;
    let (client, _) = app.person_client().await;
    for q in ["", "济", "  济  ", " "] {
        let v = search(&app, &client, q).await;
        assert_eq!(v["items"], serde_json::json!([]), "{q:?}");
        assert_eq!(v["message"], "请至少输入两个字", "{q:?}");
    }
    // Without the parameter at all.
    let res = fetch(&client, &app.url("/rsrc/api/units")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["message"], "请至少输入两个字");
}

#[tokio::test]
async fn quotes_wildcards_and_operators_are_plain_text() {
    let app = TestApp::spawn().await;
    add_unit(&app, "济南百分%_测试有限公司", "370100").await;
    add_unit(&app, "济南测绘院", "370100").await;
    add_unit(&app, "山东\"引号\"科技有限公司", "370000").await;
    add_unit(&app, "青岛反斜杠\\工作室", "370200").await;
    let (client, _) = app.person_client().await;

    let none: &[&str] = &[];
    for (q, expected) in [
        // LIKE wildcards match only themselves.
        ("%_测", &["济南百分%_测试有限公司"][..]),
        ("%测", none),
        ("_测", &["济南百分%_测试有限公司"]),
        ("南_绘", none),
        ("%测绘", none),
        ("%%测绘", none),
        // Quotes and backslashes.
        ("\"引号\"", &["山东\"引号\"科技有限公司"]),
        ("\"引", &["山东\"引号\"科技有限公司"]),
        ("斜杠\\", &["青岛反斜杠\\工作室"]),
    ] {
        assert_eq!(names(&search(&app, &client, q).await), expected, "{q}");
    }
    // Nothing breaks the SQL or the FTS5 syntax.
    for q in [
        "\"",
        "\"\"",
        "%%",
        "__",
        "\\\\",
        "a b c",
        "济南 测绘",
        "测绘\" OR \"济南",
        "'; DROP TABLE units; --",
        "NEAR(济南 测绘)",
        "济南*",
        "(济南)",
        "济南:测绘",
        "-济南",
        "^济南",
        "济\u{0}南测",
        "　　济南　",
        "{济南}",
        "🙂🙂🙂",
    ] {
        let v = search(&app, &client, q).await;
        assert!(v["items"].is_array(), "{q:?}: {v}");
    }
    assert_eq!(
        names(&search(&app, &client, "济\u{0}南测").await),
        ["济南测绘院"]
    );
    // Longer than 50 characters: cut, still answered.
    let long = "济南测绘院".repeat(20);
    assert!(search(&app, &client, &long).await["items"].is_array());
}

#[tokio::test]
async fn at_most_twenty_units_names_starting_with_the_query_first() {
    let app = TestApp::spawn().await;
    for n in 0..24 {
        add_unit(&app, &format!("山东省市场服务中心{n:02}分部"), "370000").await;
    }
    add_unit(&app, "市场服务中心", "370100").await;
    let (client, _) = app.person_client().await;
    for q in ["市场", "市场服务", "服务中心"] {
        let found = names(&search(&app, &client, q).await);
        assert_eq!(found.len(), 20, "{q}");
    }
    let found = names(&search(&app, &client, "市场服务").await);
    assert_eq!(found[0], "市场服务中心");
}

/// A search for 市场 among 210 units holding it deep in a long name and `more`: the twenty
/// found.
async fn common_pair_search(more: &[(&str, &str)]) -> Vec<String> {
    let app = TestApp::spawn().await;
    for n in 0..210 {
        add_unit(
            &app,
            &format!("济南市历下区第{n:03}号市场服务有限公司"),
            "370100",
        )
        .await;
    }
    for (name, region) in more {
        add_unit(&app, name, region).await;
    }
    let (client, _) = app.person_client().await;
    let found = names(&search(&app, &client, "市场").await);
    assert_eq!(found.len(), 20);
    found
}

/// More names hold the two characters than a page shows: the shortest are found, so two
/// short names registered after all the long ones still come first.
#[tokio::test]
async fn a_common_pair_of_characters_finds_the_shortest_names() {
    let found = common_pair_search(&[("青岛海鲜市场", "370200"), ("济南农贸市场", "370100")]).await;
    assert_eq!(
        found[..3],
        [
            "济南农贸市场",
            "青岛海鲜市场",
            "济南市历下区第000号市场服务有限公司"
        ]
    );
}

/// A name that starts with the two characters ranks first however long it is and however
/// many names hold them, and a name holding them twice counts once.
#[tokio::test]
async fn a_common_pair_of_characters_puts_names_starting_with_it_first() {
    let long = "市场监督管理局济南市历下区第一分局综合服务中心有限责任公司";
    let found = common_pair_search(&[
        (long, "370100"),
        ("市场与市场", "370100"),
        ("济南农贸市场", "370100"),
    ])
    .await;
    assert_eq!(
        found[..4],
        [
            "市场与市场",
            long,
            "济南农贸市场",
            "济南市历下区第000号市场服务有限公司"
        ]
    );
    assert_eq!(found.iter().filter(|n| *n == "市场与市场").count(), 1);
}

#[tokio::test]
async fn anonymous_callers_are_sent_to_login() {
    let app = TestApp::spawn().await;
    add_unit(&app, "济南市人民医院", "370100").await;
    let res = TestApp::new_client()
        .get(app.url("/rsrc/api/units?q=%E5%8C%BB%E9%99%A2"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/rsrc/?m=session_expired");
    assert!(!text_of(res).await.contains("人民医院"));
}

#[tokio::test]
async fn indexing_again_after_a_rename_replaces_the_old_name() {
    let app = TestApp::spawn().await;
    let id = add_unit(&app, "潍坊市老字号食品厂", "370700").await;
    add_unit(&app, "潍坊市寿光蔬菜有限公司", "370700").await;
    let (client, _) = app.person_client().await;
    assert_eq!(
        names(&search(&app, &client, "老字号").await),
        ["潍坊市老字号食品厂"]
    );

    let new_name = "潍坊市新天地文化传媒有限公司";
    let tx = app.state.db.begin().await.unwrap();
    zhicheng::store::exec(
        &*tx,
        "UPDATE units SET name = ? WHERE id = ?",
        vec![new_name.into(), id.into()],
    )
    .await
    .unwrap();
    unit_search::index_unit(&*tx, id, new_name, "370700")
        .await
        .unwrap();
    // Idempotent: a second call changes nothing.
    unit_search::index_unit(&*tx, id, new_name, "370700")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    for old in ["老字号", "字号", "食品厂", "潍坊市老字号食品厂"] {
        assert_eq!(
            names(&search(&app, &client, old).await),
            Vec::<String>::new(),
            "{old}"
        );
    }
    for new in ["新天地", "天地", "文化传媒有限公司"] {
        assert_eq!(
            names(&search(&app, &client, new).await),
            [new_name],
            "{new}"
        );
    }
    assert_eq!(names(&search(&app, &client, "潍坊市").await).len(), 2);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM unit_bigrams WHERE gram = '天地'")
            .await,
        1
    );
    // The store function, as the picker's other callers use it.
    let hits = unit_search::search(&app.state.db, "文化传媒", 20)
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, id);
    assert_eq!(hits[0].region_code, "370700");
    // Two characters read the whole hit beside the bigram, the unit's region included.
    let pair = unit_search::search(&app.state.db, "天地", 20)
        .await
        .unwrap();
    assert_eq!(pair.len(), 1);
    assert_eq!(
        (&pair[0].id, &pair[0].name, &pair[0].region_code),
        (&id, &new_name.to_owned(), &"370700".to_owned())
    );
}
