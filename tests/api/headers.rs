//! Security headers on every response, bounded bodies, friendly errors.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    for url in [
        app.url("/rsrc/"),
        app.url("/rsrc/register/person"),
        app.url("/no/such/page"),
        app.back_url("/sdmanager"),
    ] {
        let res = reqwest::get(&url).await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'")
                && csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline"),
            "{url}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
        assert_eq!(h["cache-control"], "no-store");
        assert!(h.contains_key("x-request-id"));
    }
    let css = reqwest::get(app.url("/rsrc/static/app.css")).await.unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    assert!(header(&css, "cache-control").contains("max-age"));
}

#[tokio::test]
async fn pages_have_no_inline_script_and_every_control_has_a_label() {
    let app = TestApp::spawn().await;
    for path in [
        "/rsrc/",
        "/rsrc/register/person",
        "/rsrc/register/unit",
        "/rsrc/password/forgot",
    ] {
        let html = reqwest::get(app.url(path))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!html.contains("<script>"), "{path} has inline script");
        let mut rest = html.as_str();
        while let Some(i) = rest.find(" id=\"f-") {
            let id: String = rest[i + 5..].chars().take_while(|c| *c != '"').collect();
            assert!(
                html.contains(&format!("for=\"{id}\"")),
                "{path}: #{id} has no label"
            );
            rest = &rest[i + 5..];
        }
    }
}

#[tokio::test]
async fn oversized_bodies_and_unknown_pages_get_a_page_not_a_crash() {
    let app = TestApp::spawn().await;
    let client = TestApp::new_client();
    let token = app.csrf(&client, &app.url("/rsrc/register/person")).await;
    let huge = "张".repeat(100_000);
    let res = client
        .post(app.url("/rsrc/register/person"))
        .form(&[("_csrf", token.as_str()), ("name", &huge)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(text_of(res).await.contains("提交的内容过大"));
    let res = reqwest::get(app.url("/rsrc/nothing-here")).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(text_of(res).await.contains("您访问的内容不存在"));
    // Garbage form bodies are a clear refusal, never a 500.
    let res = client
        .post(app.url("/rsrc/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("_csrf={token}&kind=%ZZ%%"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
}

#[tokio::test]
async fn a_refused_oversized_body_says_the_connection_closes() {
    let app = TestApp::spawn().await;
    let client = TestApp::new_client();
    let token = app.csrf(&client, &app.url("/rsrc/register/person")).await;
    let res = client
        .post(app.url("/rsrc/register/person"))
        .form(&[("_csrf", token.as_str()), ("name", &"张".repeat(100_000))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        res.headers()
            .get("connection")
            .and_then(|v| v.to_str().ok()),
        Some("close"),
        "the unread rest of the body makes the connection unusable"
    );
    // The client's next request (on a new connection) is served.
    let res = fetch(&client, &app.url("/rsrc/")).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_dictionary_change_redirects_only_to_validated_values() {
    let app = TestApp::spawn().await;
    app.create_admin(
        "dict_op",
        "370000",
        zhicheng::domain::auth::AdminRole::Operator,
        false,
    )
    .await;
    let c = TestApp::new_client();
    assert_eq!(
        location(&app.admin_login(&c, "dict_op", PASSWORD).await),
        "/sdmanager/home"
    );
    let page = app.back_url("/sdmanager/dicts?kind=methods");
    for series in ["\r\nSet-Cookie: x=1", "a\u{0}b", "<script>"] {
        let res = app
            .post_form(
                &c,
                &page,
                &app.back_url("/sdmanager/dicts/methods"),
                &[
                    ("op", "add"),
                    ("name", &format!("新方式{}", series.len())),
                    ("series", series),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{series:?}");
        let to = location(&res);
        assert!(
            to.starts_with("/sdmanager/dicts?kind=methods&series=&m="),
            "{series:?} → {to}"
        );
        assert!(
            res.headers()
                .get("set-cookie")
                .is_none_or(|v| !v.to_str().unwrap().starts_with("x="))
        );
    }
}

#[tokio::test]
async fn the_stylesheet_and_script_come_compressed_and_revalidate() {
    use std::io::Read;
    let app = TestApp::spawn().await;
    let client = TestApp::new_client();
    for name in ["app.css", "app.js"] {
        let url = app.url(&format!("/rsrc/static/{name}"));
        let plain = fetch(&client, &url).await;
        assert_eq!(plain.status(), StatusCode::OK);
        assert!(plain.headers().get("content-encoding").is_none());
        assert_eq!(plain.headers()["vary"], "accept-encoding");
        let etag = header(&plain, "etag").to_owned();
        let plain = plain.bytes().await.unwrap();
        assert!(plain.len() > 1000, "{name}");

        let br = fetch_with(
            &client,
            &url,
            ("accept-encoding", "gzip, deflate, br, zstd"),
        )
        .await;
        assert_eq!(br.headers()["content-encoding"], "br");
        let packed = br.bytes().await.unwrap();
        assert!(
            packed.len() * 3 < plain.len(),
            "{name}: {} of {}",
            packed.len(),
            plain.len()
        );
        let mut unpacked = Vec::new();
        brotli::Decompressor::new(&packed[..], 4096)
            .read_to_end(&mut unpacked)
            .unwrap();
        assert_eq!(unpacked, plain);

        // Brotli refused by q=0: gzip.
        let gz = fetch_with(&client, &url, ("accept-encoding", "br;q=0, gzip")).await;
        assert_eq!(gz.headers()["content-encoding"], "gzip");
        let packed = gz.bytes().await.unwrap();
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_end(&mut unpacked)
            .unwrap();
        assert_eq!(unpacked, plain);

        let again = fetch_with(&client, &url, ("if-none-match", &etag)).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{name}");
        assert!(again.bytes().await.unwrap().is_empty());
    }
    let res = fetch(&client, &app.url("/rsrc/static/nope.css")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
