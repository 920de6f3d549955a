//! The dictionaries are loaded as data and serve the 级别 → 职称 → 专业 cascade.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn the_shipped_dictionaries_are_loaded() {
    let app = TestApp::spawn().await;
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM dict_series").await, 27);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM dict_levels").await, 5);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM regions").await, 17);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM dict_declare_methods")
            .await,
        5
    );
    assert!(app.count("SELECT COUNT(*) AS n FROM dict_titles").await > 150);
    // Every series has specialties; the large ones real lists.
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT series_code) AS n FROM dict_specialties")
            .await,
        27
    );
    assert!(
        app.count("SELECT COUNT(*) AS n FROM dict_specialties WHERE series_code = '05'")
            .await
            >= 30
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM regions WHERE code = '370100' AND name = '济南市'")
            .await,
        1
    );
    // Seeding again adds nothing.
    let tx = app.state.db.begin().await.unwrap();
    assert_eq!(zhicheng::store::dicts::seed(&tx).await.unwrap(), 0);
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn the_cascade_answers_titles_by_level_and_specialties_by_title() {
    let app = TestApp::spawn().await;
    let levels = get_json(app.url("/rsrc/api/dict/levels")).await;
    assert_eq!(
        texts(&levels, "name"),
        ["正高级", "副高级", "中级", "助理级", "员级"]
    );

    let titles = get_json(app.url("/rsrc/api/dict/titles?level=1")).await;
    let engineer = titles
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "正高级工程师")
        .expect("正高级工程师 at 正高级");
    assert_eq!(engineer["series_name"], "工程技术");
    assert!(
        engineer["aliases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "教授级高级工程师")
    );
    assert!(has_name(&titles, "教授"));
    assert!(!has_name(&titles, "工程师"), "only titles of the level");

    let id = engineer["id"].as_str().unwrap();
    let specs = get_json(app.url(&format!("/rsrc/api/dict/specialties?title={id}"))).await;
    assert!(has_name(&specs, "机械工程"));
    assert!(!has_name(&specs, "内科"), "only the title's series");

    let health = get_json(app.url("/rsrc/api/dict/titles?level=3")).await;
    for name in ["主治医师", "主管药师", "主管护师", "主管技师"] {
        assert!(has_name(&health, name), "{name}");
    }

    let res = reqwest::get(app.url("/rsrc/api/dict/titles?level=9"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
    assert_eq!(body["message"], "您访问的内容不存在");
}

/// 字典管理 on one node reaches the others: the edit raises `dict_version` in its
/// transaction, and each node's housekeeping compares it every few seconds and reloads.
#[tokio::test]
async fn a_dictionary_edit_on_one_node_reaches_the_other() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    // The other node's own check (every ten seconds) would race the test's: it checks only
    // when the test says, once its start-up check is done.
    let other = app
        .sibling_with(|s| s.dict_check = std::time::Duration::from_secs(3600))
        .await;
    let levels = |node: &TestApp| {
        let url = node.url("/rsrc/api/dict/levels");
        async move { get_json(url).await[0]["name"].as_str().unwrap().to_owned() }
    };
    // Both nodes have read the version once; nothing changed since.
    other.state.refresh_dicts().await.unwrap();
    assert!(!other.state.refresh_dicts().await.unwrap());
    assert_eq!(levels(&other).await, "正高级");

    // The edit as `app::dicts::change` writes it, on the first node's database.
    let tx = app.state.db.begin().await.unwrap();
    tx.execute_raw(zhicheng::store::stmt(
        tx.get_database_backend(),
        "UPDATE dict_levels SET name = '正高级职称' WHERE name = '正高级'",
        vec![],
    ))
    .await
    .unwrap();
    zhicheng::store::dicts::bump_version(&*tx).await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(levels(&other).await, "正高级", "cached until the check");
    assert!(
        other.state.refresh_dicts().await.unwrap(),
        "the new version is seen"
    );
    assert_eq!(levels(&other).await, "正高级职称");
    assert!(!other.state.refresh_dicts().await.unwrap());
}
