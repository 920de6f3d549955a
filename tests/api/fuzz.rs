//! Every form the platform serves, sent back with a NUL byte (and other control characters)
//! in each field, by every kind of user: never a 5xx, on either database (issue 10).
//!
//! The forms are not listed by hand: each actor's pages are crawled from its home page, the
//! forms are read out of the HTML, and each is posted (or, for search forms, fetched) with
//! its fields poisoned. A new form is covered the day it is served.

use std::collections::{BTreeSet, HashSet, VecDeque};

use reqwest::{Client, StatusCode};
use zhicheng::domain::auth::AdminRole;

use crate::helpers::*;

/// What is appended to every field: NUL, a bell, DEL, a C1 control and a line break.
const POISON: &str = "\u{0}\u{7}\u{7f}\u{85}\r\n";

#[derive(Debug, Clone)]
struct Form {
    get: bool,
    action: String,
    multipart: bool,
    fields: Vec<(String, String)>,
}

impl Form {
    fn key(&self) -> String {
        let names: BTreeSet<&str> = self.fields.iter().map(|(k, _)| k.as_str()).collect();
        format!("{} {} {names:?}", self.get, self.action)
    }
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + end]))
}

fn unescape(s: &str) -> String {
    s.replace("&#43;", "+")
        .replace("&#x2f;", "/")
        .replace("&#61;", "=")
        .replace("&#x3d;", "=")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The forms of a page, with each control's first value (a select's first option, a
/// button's value, a textarea's text).
fn forms(html: &str) -> Vec<Form> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<form") {
        let tail = &rest[i..];
        let tag_end = tail.find('>').unwrap_or(tail.len());
        let tag = &tail[..tag_end];
        let body_end = tail.find("</form>").unwrap_or(tail.len());
        let body = &tail[tag_end..body_end];
        let mut fields: Vec<(String, String)> = Vec::new();
        let mut seen = HashSet::new();
        let mut b = body;
        while let Some(j) = b.find('<') {
            let t = &b[j..];
            let end = t.find('>').unwrap_or(t.len());
            let control = &t[..end];
            let kind = control[1..]
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()
                .unwrap_or("");
            if let Some(name) = attr(control, "name")
                .filter(|_| matches!(kind, "input" | "select" | "textarea" | "button"))
            {
                let value = match kind {
                    "select" => {
                        let inner = &t[end..t.find("</select>").unwrap_or(t.len())];
                        inner
                            .split("<option")
                            .skip(1)
                            .filter_map(|o| attr(o, "value"))
                            .find(|v| !v.is_empty())
                            .unwrap_or_default()
                    }
                    "textarea" => {
                        let inner = &t[end + 1..t.find("</textarea>").unwrap_or(end + 1)];
                        unescape(inner)
                    }
                    _ => attr(control, "value").unwrap_or_default(),
                };
                let ty = attr(control, "type").unwrap_or_default();
                if ty != "file" && seen.insert(name.clone()) {
                    fields.push((name, value));
                }
            }
            b = &t[end.min(t.len())..];
            if b.len() == t.len() {
                break;
            }
        }
        out.push(Form {
            get: attr(tag, "method").is_none_or(|m| m.eq_ignore_ascii_case("get")),
            action: attr(tag, "action").unwrap_or_default(),
            multipart: attr(tag, "enctype").is_some_and(|e| e.contains("multipart")),
            fields,
        });
        rest = &tail[body_end.min(tail.len())..];
        if rest.len() == tail.len() {
            break;
        }
    }
    out
}

/// Same-site links of a page worth following (no downloads, no logout).
fn links(html: &str, prefix: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(unescape)
        .filter(|l| l.starts_with(prefix))
        .filter(|l| {
            ![
                "logout",
                "export",
                ".pdf",
                "/files/",
                "/static/",
                "/captcha/",
            ]
            .iter()
            .any(|x| l.contains(x))
        })
        .collect()
}

/// One actor's pages, breadth first from `start`, at most `max`.
async fn crawl(
    client: &Client,
    base: &dyn Fn(&str) -> String,
    start: &[&str],
    prefix: &str,
    max: usize,
) -> Vec<(String, String)> {
    let mut queue: VecDeque<String> = start.iter().map(|s| (*s).to_owned()).collect();
    let mut seen: HashSet<String> = queue.iter().cloned().collect();
    let mut pages = Vec::new();
    while let Some(path) = queue.pop_front() {
        if pages.len() >= max {
            break;
        }
        let res = fetch(client, &base(&path)).await;
        assert!(res.status().as_u16() < 500, "GET {path}: {}", res.status());
        if res.status() != StatusCode::OK {
            continue;
        }
        let html = res.text().await.unwrap();
        for l in links(&html, prefix) {
            // One page per kind of record is enough: strip the query, keep ids.
            let l = l.split('?').next().unwrap_or("").to_owned();
            if seen.insert(l.clone()) {
                queue.push_back(l);
            }
        }
        pages.push((path, html));
    }
    pages
}

/// Sends one form with every field poisoned; the status.
async fn poison(
    client: &Client,
    base: &dyn Fn(&str) -> String,
    page: &str,
    f: &Form,
) -> StatusCode {
    let action = if f.action.is_empty() { page } else { &f.action };
    let fields: Vec<(String, String)> = f
        .fields
        .iter()
        .map(|(k, v)| {
            if k == "_csrf" {
                (k.clone(), v.clone())
            } else {
                (k.clone(), format!("{v}{POISON}x"))
            }
        })
        .collect();
    let req = if f.get {
        client.get(base(action)).query(&fields)
    } else if f.multipart {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k, v);
        }
        let file = reqwest::multipart::Part::bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec())
            .file_name(format!("证书{POISON}.pdf"))
            .mime_str("application/pdf")
            .unwrap();
        client.post(base(action)).multipart(form.part("file", file))
    } else {
        client.post(base(action)).form(&fields)
    };
    req.send().await.unwrap().status()
}

/// Crawls as one actor and poisons every form found; the forms sent.
async fn poison_all(
    client: &Client,
    base: &dyn Fn(&str) -> String,
    start: &[&str],
    prefix: &str,
    done: &mut HashSet<String>,
) -> Vec<String> {
    let pages = crawl(client, base, start, prefix, 80).await;
    let mut sent = Vec::new();
    for (page, html) in &pages {
        for f in forms(html) {
            if f.action.contains("logout") || !done.insert(f.key()) {
                continue;
            }
            let status = poison(client, base, page, &f).await;
            assert!(
                status.as_u16() < 500,
                "{} {} (from {page}) with control characters: {status}",
                if f.get { "GET" } else { "POST" },
                f.action
            );
            sent.push(format!(
                "{} {}",
                if f.get { "GET" } else { "POST" },
                f.action
            ));
        }
    }
    sent
}

#[tokio::test]
async fn control_characters_in_any_field_of_any_form_never_reach_a_server_error() {
    // Poisoned logins are failures: without the captcha they do not lock out the test's own.
    let app = TestApp::spawn_with(|s| s.captcha = false).await;
    let front = |p: &str| app.url(p);
    let back = |p: &str| app.back_url(p);
    let mut done = HashSet::new();
    let mut sent = Vec::new();

    // Before login: login, both registrations, 找回密码, the back-office login.
    let anon = TestApp::new_client();
    sent.extend(
        poison_all(
            &anon,
            &front,
            &[
                "/rsrc/",
                "/rsrc/register/person",
                "/rsrc/register/unit",
                "/rsrc/password/forgot",
            ],
            "/rsrc/",
            &mut done,
        )
        .await,
    );
    sent.extend(poison_all(&anon, &back, &["/sdmanager"], "/sdmanager", &mut done).await);
    // The reported shapes: an 18-character account holding NUL, as a unit and on 找回密码.
    for (path, fields) in [
        (
            "/rsrc/login",
            vec![
                ("kind", "unit"),
                ("account", "91370100MA3C\u{0}XXXXX"),
                ("password", "x"),
            ],
        ),
        (
            "/rsrc/password/forgot",
            vec![
                ("kind", "unit"),
                ("account", "91370100MA3C\u{0}XXXXX"),
                ("phone", "13800000000"),
            ],
        ),
    ] {
        let res = app.post_page(&anon, "/rsrc/", path, &fields).await;
        assert!(res.status().as_u16() < 500, "POST {path}: {}", res.status());
    }

    // A person with a submitted application and one with a draft; the units that review.
    let ch = app.chain().await;
    let person = app.applicant().await;
    let starts = [
        "/rsrc/portal",
        "/rsrc/zc/transfer",
        "/rsrc/zc/account",
        "/rsrc/zc/units",
    ];
    sent.extend(poison_all(&person.client, &front, &starts, "/rsrc/zc", &mut done).await);
    sent.extend(poison_all(&ch.a.client, &front, &starts, "/rsrc/zc", &mut done).await);
    let unit_starts = [
        "/rsrc/portal",
        "/rsrc/zc/review",
        "/rsrc/zc/report",
        "/rsrc/zc/paths",
        "/rsrc/zc/paths/review",
        "/rsrc/zc/grants",
        "/rsrc/zc/account",
    ];
    sent.extend(poison_all(&ch.unit_a, &front, &unit_starts, "/rsrc/zc", &mut done).await);
    sent.extend(poison_all(&ch.unit_b, &front, &unit_starts, "/rsrc/zc", &mut done).await);

    // Back office: each role of the province bureau.
    for (name, role) in [
        ("fz_op", AdminRole::Operator),
        ("fz_sys", AdminRole::System),
        ("fz_aud", AdminRole::Auditor),
    ] {
        let c = app.admin_client(name, "370000", role).await;
        sent.extend(poison_all(&c, &back, &["/sdmanager/home"], "/sdmanager", &mut done).await);
    }

    // The JSON endpoints the pages call.
    for path in [
        "/rsrc/api/units?q=%E6%B5%8E%00%E5%8D%97",
        "/rsrc/api/dict/titles?level=3%00&series=%00",
        "/rsrc/api/dict/specialties?series=%00",
        "/rsrc/zc/units?q=%00%E6%B5%8E%E5%8D%97",
    ] {
        let status = status_of(&ch.a.client, &app.url(path)).await;
        assert!(status.as_u16() < 500, "GET {path}: {status}");
    }

    // The crawl reached the forms that matter (a guard against a crawl that finds nothing).
    for must in [
        "POST /rsrc/login",
        "POST /rsrc/password/forgot",
        "POST /sdmanager/login",
        "POST /rsrc/zc/paths",
        "POST /rsrc/zc/review",
        "POST /rsrc/zc/report",
        "POST /rsrc/zc/transfer/",
        "POST /rsrc/zc/review/",
        "POST /sdmanager/dicts/",
        "POST /sdmanager/units/",
        "POST /sdmanager/persons",
        "GET /sdmanager/stats",
        "GET /sdmanager/audit",
    ] {
        assert!(
            sent.iter().any(|s| s.starts_with(must)),
            "{must} was not reached; sent: {sent:#?}"
        );
    }
    assert!(sent.len() >= 30, "only {} forms: {sent:#?}", sent.len());
}
