//! Per-request context: client address, the form token cookie, the site, and the
//! cross-site request check (SECURITY item 22).

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use super::RealmTag;
use crate::app::AppState;
use crate::app::limit::Bucket;
use crate::domain::auth::{Realm, SubjectKind};
use crate::infra::crypto::random_token;
use crate::messages::Msg;
use crate::store::audit::{self, Actor, Event, Outcome};
use crate::store::sessions;

/// What handlers learn about the request beyond its body.
#[derive(Clone, Debug)]
pub struct ReqCtx {
    pub ip: IpAddr,
    /// The form token every POST must echo back in `_csrf`.
    pub csrf: String,
    pub realm: Realm,
    /// SHA-256 of the client certificate, on the UKEY listener.
    pub cert_fingerprint: Option<String>,
    pub secure: bool,
    /// The signed-in account's unread 站内消息, read with its session (GET pages only):
    /// the header bell then costs no query of its own. Shared by the clones of this context.
    pub bell: Arc<OnceLock<Bell>>,
}

/// An account and its unread count, as read with the session.
#[derive(Clone, Copy, Debug)]
pub struct Bell {
    pub subject: (SubjectKind, uuid::Uuid),
    pub unread: i64,
}

impl ReqCtx {
    /// The caller of a use case: the logged-in person or unit, from this client.
    pub fn caller(&self, state: &AppState, user: &super::session::FrontUser) -> crate::app::Caller {
        crate::app::Caller::new(user.actor(&state.dicts()), self.ip)
    }

    /// The caller of a back-office use case.
    pub fn admin_caller(
        &self,
        state: &AppState,
        user: &super::session::AdminUser,
    ) -> crate::app::Caller {
        crate::app::Caller::new(user.actor(&state.dicts()), self.ip)
    }

    /// Appends the audit entry of a successful `action` by `actor` from this client, in the
    /// transaction `c`.
    pub async fn append(
        &self,
        c: &impl sea_orm::ConnectionTrait,
        now: i64,
        actor: &Actor,
        action: &str,
        object: String,
        detail: String,
    ) -> crate::error::Result<i64> {
        let ip = self.ip.to_string();
        let event = Event {
            actor,
            ip: &ip,
            action,
            object,
            outcome: Outcome::Success,
            detail,
        };
        audit::append(c, now, event).await
    }

    /// The same entry alone (a download, a view: nothing else changes): the caller's
    /// [`Caller::record_alone`](crate::app::Caller::record_alone), through the writer's queue
    /// and answered once on disk.
    pub async fn record(
        &self,
        state: &AppState,
        actor: &Actor,
        action: &str,
        object: String,
        detail: String,
    ) -> crate::error::Result<()> {
        crate::app::Caller::new(actor.clone(), self.ip)
            .record_alone(state, action, object, detail)
            .await
    }
}

/// The client certificate presented on the UKEY listener (set by the TLS accept loop).
#[derive(Clone, Debug)]
pub struct PeerCert(pub String);

/// Cookie names differ per site: front and back office share a host, and cookies ignore ports.
pub fn cookie_name(state: &AppState, realm: Realm, base: &str) -> String {
    let prefix = if state.settings.cookie_secure {
        "__Host-"
    } else {
        ""
    };
    let site = match realm {
        Realm::Front => "",
        Realm::Back => "admin_",
    };
    format!("{prefix}zc_{site}{base}")
}

/// A cookie with the platform's attributes: HttpOnly, SameSite=Lax, Path=/, Secure when served over TLS.
pub fn make_cookie(state: &AppState, name: String, value: String) -> Cookie<'static> {
    let mut c = Cookie::new(name, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_secure(state.settings.cookie_secure);
    c
}

/// The client's address: the connection's peer, or, when the peer is a trusted proxy, the
/// last address in `X-Forwarded-For` that is not one (a client can write anything at the
/// start of the header; only what our own proxies appended is believed).
pub fn client_ip(
    trusted: &[crate::settings::Network],
    peer: IpAddr,
    forwarded_for: Option<&str>,
) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let Some(header) = forwarded_for else {
        return peer;
    };
    let mut client = peer;
    for hop in header.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            // Garbage where an address should be: stop at the last hop that made sense.
            Err(_) => break,
        }
    }
    client
}

/// The middleware of the site `realm`: the request's context, or the refusal of a request
/// from outside the allowed networks or from another site.
pub async fn site(
    State((state, realm)): State<(AppState, Realm)>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let ip = if state.settings.trusted_proxies.is_empty() {
        peer
    } else {
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let joined = forwarded.join(",");
        client_ip(
            &state.settings.trusted_proxies,
            peer,
            (!forwarded.is_empty()).then_some(joined.as_str()),
        )
    };
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let refusal = if realm == Realm::Back && !state.settings.back_allows(ip) {
        Some(("outside the allowed networks", Msg::NetworkRefused))
    } else if unsafe_method && is_cross_site(&req) {
        Some(("cross-site request", Msg::CsrfFailed))
    } else {
        None
    };
    if let Some((why, msg)) = refusal {
        return refused(&state, realm, ip, req.method(), req.uri().path(), why, msg).await;
    }
    let cert_fingerprint = req.extensions().get::<PeerCert>().map(|p| p.0.clone());
    let jar = CookieJar::from_headers(req.headers());
    let csrf_name = cookie_name(&state, realm, "csrf");
    let existing = jar
        .get(&csrf_name)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() >= 20);
    let csrf = existing.clone().unwrap_or_else(|| random_token(24));
    let (method, uri) = (req.method().clone(), req.uri().clone());
    // Kept for the page to come back to should the session have ended (read only then).
    let referer = unsafe_method
        .then(|| req.headers().get(header::REFERER).cloned())
        .flatten();
    req.extensions_mut().insert(RealmTag(realm));
    req.extensions_mut().insert(ReqCtx {
        ip,
        csrf: csrf.clone(),
        realm,
        cert_fingerprint,
        secure: state.settings.cookie_secure,
        bell: Arc::default(),
    });
    let mut res = next.run(req).await;
    if let Some(r) = res.extensions().get::<super::error::Refused>().copied() {
        // The session cookie is read only here, from the jar parsed above.
        let sid = jar
            .get(&cookie_name(&state, realm, "sid"))
            .map(Cookie::value);
        audit_refusal(&state, ip, &method, uri.path(), sid, r.0).await;
    }
    if let Some(deferred) = res.extensions().get::<super::error::Deferred>().cloned() {
        let headers = std::mem::take(res.headers_mut());
        // This page for a read; for a write, the page the form was on (same-site Referer,
        // see the Referrer-Policy).
        let return_to = match &referer {
            Some(r) => r
                .to_str()
                .ok()
                .and_then(|s| s.parse::<axum::http::Uri>().ok())
                .and_then(|u| u.path_and_query().map(|p| p.as_str().to_owned())),
            None if unsafe_method => None,
            None => uri.path_and_query().map(|p| p.as_str().to_owned()),
        };
        res = deferred.render(realm, return_to.as_deref());
        for (k, v) in headers.iter() {
            if k == header::SET_COOKIE {
                res.headers_mut().append(k, v.clone());
            }
        }
    }
    if existing.is_none()
        && !res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| cookie_sets(v, &csrf_name))
    {
        let cookie = make_cookie(&state, csrf_name, csrf);
        if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

fn cookie_sets(v: &HeaderValue, name: &str) -> bool {
    v.to_str().is_ok_and(|s| s.starts_with(&format!("{name}=")))
}

/// A browser tells us where a request came from; anything but our own origin is refused.
fn is_cross_site(req: &Request) -> bool {
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    if let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = h
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split("://").nth(1).unwrap_or("");
        return origin == "null" || origin_host != host;
    }
    false
}

/// A request refused before it reaches a handler: logged, audited, answered with a 403 page.
async fn refused(
    state: &AppState,
    realm: Realm,
    ip: IpAddr,
    method: &Method,
    path: &str,
    why: &'static str,
    msg: Msg,
) -> Response {
    tracing::warn!(%ip, why, "request refused");
    audit_refusal(state, ip, method, path, None, why).await;
    if super::error::is_api(path) {
        return super::error::ApiError(crate::error::AppError::Status(403, msg)).into_response();
    }
    super::error::message_page(axum::http::StatusCode::FORBIDDEN, msg, realm).into_response()
}

/// Records a refused access in the audit log (SECURITY item 28): who (from the session, if
/// any), from where, which route, and why. At most [`Bucket::Refusal`]'s budget per client,
/// so a scanner cannot flood the log; beyond it the refusal is only logged.
async fn audit_refusal(
    state: &AppState,
    ip: IpAddr,
    method: &Method,
    path: &str,
    sid: Option<&str>,
    why: &'static str,
) {
    let now = state.now_ms();
    if !state.limiter.hit(Bucket::Refusal, ip, now).await {
        tracing::warn!(%ip, %method, path, why, "access refused (audit budget spent)");
        return;
    }
    let session = match sid.filter(|s| !s.is_empty()) {
        Some(token) => sessions::find(&state.db.conn, token).await.ok().flatten(),
        None => None,
    };
    let actor = session
        .as_ref()
        .and_then(|s| {
            SubjectKind::parse(&s.subject_kind).map(|k| Actor {
                kind: k.as_str(),
                id: Some(s.subject_id),
                label: String::new(),
                org: String::new(),
            })
        })
        .unwrap_or_else(Actor::anonymous);
    let path: String = path.chars().take(200).collect();
    let event = Event {
        actor: &actor,
        ip: &ip.to_string(),
        action: "access_denied",
        object: format!("route:{method} {path}"),
        outcome: Outcome::Denied,
        detail: why.to_owned(),
    };
    if let Err(e) = audit::record(&state.db, now, event).await {
        tracing::error!(error = ?e, "could not audit a refused access");
    }
}

#[cfg(test)]
mod tests {
    use super::client_ip;
    use std::net::IpAddr;

    #[test]
    fn the_client_is_named_by_trusted_proxies_only() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let trusted = ["10.0.0.0/8".parse().unwrap(), "127.0.0.1".parse().unwrap()];
        // No proxy trusted: the peer, whatever the header says.
        assert_eq!(
            client_ip(&[], ip("10.0.0.5"), Some("1.2.3.4")),
            ip("10.0.0.5")
        );
        // An untrusted peer cannot name someone else.
        assert_eq!(
            client_ip(&trusted, ip("8.8.8.8"), Some("1.2.3.4")),
            ip("8.8.8.8")
        );
        // A trusted proxy: the address it appended.
        assert_eq!(
            client_ip(&trusted, ip("127.0.0.1"), Some("203.0.113.7")),
            ip("203.0.113.7")
        );
        // A forged start of the header is skipped; trusted hops are walked through.
        assert_eq!(
            client_ip(
                &trusted,
                ip("127.0.0.1"),
                Some("6.6.6.6, 203.0.113.7, 10.1.1.1")
            ),
            ip("203.0.113.7")
        );
        // Garbage stops the walk at the last address that made sense.
        assert_eq!(
            client_ip(&trusted, ip("127.0.0.1"), Some("junk, 10.1.1.1")),
            ip("10.1.1.1")
        );
        assert_eq!(client_ip(&trusted, ip("127.0.0.1"), None), ip("127.0.0.1"));
        assert_eq!(
            client_ip(&trusted, ip("127.0.0.1"), Some("::ffff:203.0.113.9")),
            ip("::ffff:203.0.113.9")
        );
    }
}
