//! The UKEY listener: TLS with a client certificate bound to the account, plus the password.

use reqwest::{Certificate, Client, Identity, StatusCode, redirect};
use time::{Duration, OffsetDateTime};
use zhicheng::domain::auth::AdminRole;
use zhicheng::settings::TlsSettings;
use zhicheng::tools::devcerts::DevCerts;

use crate::helpers::*;

const REVOKED_SERIAL: u64 = 666;

struct Ukey {
    app: TestApp,
    certs: DevCerts,
    url: String,
}

async fn start() -> Ukey {
    let app = TestApp::spawn().await;
    let certs = DevCerts::generate("sysadmin").unwrap();
    let dir = app.data_dir.path();
    // The CA's list revokes serial 666, a certificate the tests hand out as compromised.
    let crl = certs.crl(&[REVOKED_SERIAL]).unwrap();
    for (name, body) in [
        ("crl.pem", &crl),
        ("ca.pem", &certs.ca_pem),
        ("server.pem", &certs.server_pem),
        ("server.key", &certs.server_key),
    ] {
        std::fs::write(dir.join(name), body).unwrap();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let tls = TlsSettings {
        listen: listener.local_addr().unwrap(),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
        client_ca: dir.join("ca.pem"),
        crls: vec![dir.join("crl.pem")],
    };
    let state = app.state.clone();
    tokio::spawn(async move { zhicheng::web::ukey::serve_on(state, &tls, listener).await });
    Ukey {
        app,
        certs,
        url: format!("https://localhost:{port}"),
    }
}

fn client(ca: &str, identity: Option<(&str, &str)>) -> Client {
    let mut b = Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(Certificate::from_pem(ca.as_bytes()).unwrap())
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .resolve("localhost", "127.0.0.1:0".parse().unwrap());
    if let Some((cert, key)) = identity {
        b = b.identity(Identity::from_pem(format!("{cert}\n{key}").as_bytes()).unwrap());
    }
    b.build().unwrap()
}

async fn login(
    u: &Ukey,
    c: &Client,
    username: &str,
    password: &str,
) -> Result<reqwest::Response, reqwest::Error> {
    let page = c
        .get(format!("{}/sdmanager", u.url))
        .send()
        .await?
        .text()
        .await?;
    let token = token_in(&page).unwrap();
    c.post(format!("{}/sdmanager/login", u.url))
        .form(&[
            ("_csrf", token.as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
}

async fn bind(u: &Ukey, username: &str, fp: &str) {
    let admin = zhicheng::store::accounts::admin_by_username(&u.app.state.db.conn, username)
        .await
        .unwrap()
        .unwrap();
    zhicheng::store::accounts::bind_certificate(&u.app.state.db.conn, 0, admin.id, Some(fp))
        .await
        .unwrap();
}

/// The UKEY listener with `sysadmin`, whose client certificate is bound to the account.
async fn with_bound_sysadmin() -> Ukey {
    let u = with_sysadmin().await;
    bind(&u, "sysadmin", &u.certs.client_fingerprint).await;
    u
}

/// The UKEY listener with the back-office user `sysadmin`, no certificate bound yet.
async fn with_sysadmin() -> Ukey {
    let u = start().await;
    u.app
        .create_admin("sysadmin", "370000", AdminRole::System, false)
        .await;
    u
}

/// A client presenting sysadmin's certificate.
fn sysadmin_client(u: &Ukey) -> Client {
    client(
        &u.certs.ca_pem,
        Some((&u.certs.client_pem, &u.certs.client_key)),
    )
}

#[tokio::test]
async fn the_bound_certificate_and_the_password_together_open_the_back_office() {
    let u = with_bound_sysadmin().await;
    let c = sysadmin_client(&u);

    let res = login(&u, &c, "sysadmin", "Wrong#pass1").await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "certificate only is not enough"
    );
    let res = login(&u, &c, "sysadmin", PASSWORD).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let home = fetch(&c, &format!("{}/sdmanager/home", u.url)).await;
    assert_eq!(home.status(), StatusCode::OK);
    assert!(header(&home, "strict-transport-security").contains("max-age=31536000"));
    assert!(text_of(home).await.contains("UKEY证书 + 密码"));

    // Password only, on the plain listener, is refused for a bound account.
    let res = u
        .app
        .admin_login(&TestApp::new_client(), "sysadmin", PASSWORD)
        .await;
    assert!(
        text_of(res)
            .await
            .contains("该账号已绑定UKEY，请使用UKEY登录地址")
    );
}

#[tokio::test]
async fn a_certificate_bound_to_nobody_or_to_someone_else_is_refused() {
    let u = with_bound_sysadmin().await;
    u.app
        .create_admin("other", "370100", AdminRole::Operator, false)
        .await;
    let now = OffsetDateTime::now_utc();
    let (pem, key, _) = u
        .certs
        .client("other", now - Duration::days(1), now + Duration::days(30))
        .unwrap();
    // `other` presents a valid certificate that is bound to no account.
    let c = client(&u.certs.ca_pem, Some((&pem, &key)));
    let res = login(&u, &c, "other", PASSWORD).await.unwrap();
    assert!(text_of(res).await.contains("该证书未绑定此账号"));
    // sysadmin's certificate does not open `other`.
    let c = sysadmin_client(&u);
    let res = login(&u, &c, "other", PASSWORD).await.unwrap();
    assert!(text_of(res).await.contains("该证书未绑定此账号"));
}

#[tokio::test]
async fn missing_foreign_and_expired_certificates_fail_the_handshake() {
    let u = with_bound_sysadmin().await;
    let none = client(&u.certs.ca_pem, None);
    assert!(
        none.get(format!("{}/sdmanager", u.url))
            .send()
            .await
            .is_err(),
        "no certificate"
    );

    let foreign = DevCerts::generate("sysadmin").unwrap();
    let c = client(
        &u.certs.ca_pem,
        Some((&foreign.client_pem, &foreign.client_key)),
    );
    assert!(
        c.get(format!("{}/sdmanager", u.url)).send().await.is_err(),
        "a certificate from another CA"
    );

    let now = OffsetDateTime::now_utc();
    let (pem, key, fp) = u
        .certs
        .client(
            "sysadmin",
            now - Duration::days(30),
            now - Duration::days(1),
        )
        .unwrap();
    bind(&u, "sysadmin", &fp).await;
    let c = client(&u.certs.ca_pem, Some((&pem, &key)));
    assert!(
        c.get(format!("{}/sdmanager", u.url)).send().await.is_err(),
        "an expired certificate"
    );
}

#[tokio::test]
async fn a_revoked_certificate_fails_the_handshake() {
    let u = with_sysadmin().await;
    let (pem, key, fp) = u.certs.client_numbered("sysadmin", REVOKED_SERIAL).unwrap();
    bind(&u, "sysadmin", &fp).await;
    let c = client(&u.certs.ca_pem, Some((&pem, &key)));
    assert!(
        c.get(format!("{}/sdmanager", u.url)).send().await.is_err(),
        "a certificate on the CA's revocation list"
    );
    // The same CA's other certificates are not on the list.
    let (pem, key, fp) = u.certs.client_numbered("sysadmin", 667).unwrap();
    bind(&u, "sysadmin", &fp).await;
    let c = client(&u.certs.ca_pem, Some((&pem, &key)));
    let res = login(&u, &c, "sysadmin", PASSWORD).await.unwrap();
    assert_eq!(location(&res), "/sdmanager/home");
}
