//! Server-side sessions. The cookie holds a random token; the table holds only its SHA-256.

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, IdenStatic, Iterable, Set,
};
use uuid::Uuid;

use super::entities::{admin, person, session, unit};
use super::local::{self, FromCols};
use super::{Db, exec};
use crate::domain::auth::{ABSOLUTE_TIMEOUT, Realm, SubjectKind};
use crate::error::Result;
use crate::infra::crypto::{random_token, sha256_b64};

/// A session as created: the token goes to the cookie and is never stored.
pub struct NewSession {
    pub token: String,
    pub csrf: String,
}

pub async fn create(
    c: &impl ConnectionTrait,
    kind: SubjectKind,
    subject: Uuid,
    ip: &str,
    cert_fingerprint: Option<&str>,
    now: i64,
) -> Result<NewSession> {
    let token = random_token(32);
    let csrf = random_token(24);
    session::ActiveModel {
        id_hash: Set(sha256_b64(token.as_bytes())),
        realm: Set(kind.realm().as_str().to_owned()),
        subject_kind: Set(kind.as_str().to_owned()),
        subject_id: Set(subject),
        csrf: Set(csrf.clone()),
        cert_fingerprint: Set(cert_fingerprint.map(str::to_owned)),
        ip: Set(ip.chars().take(64).collect()),
        created_at: Set(now),
        last_seen_at: Set(now),
    }
    .insert(c)
    .await?;
    Ok(NewSession { token, csrf })
}

pub async fn find(c: &impl ConnectionTrait, token: &str) -> Result<Option<session::Model>> {
    Ok(session::Entity::find_by_id(sha256_b64(token.as_bytes()))
        .one(c)
        .await?)
}

/// The account a session belongs to.
#[derive(Clone, Debug)]
pub enum Account {
    Person(person::Model),
    Unit(unit::Model),
    Admin(admin::Model),
}

/// What a signed-in request needs of its session, read in one round trip: the session, the
/// account it belongs to (`None` if that account is gone) and, when asked for, the number of
/// the account's unread 站内消息 for a page's header bell.
#[derive(Clone, Debug)]
pub struct Signed {
    pub session: session::Model,
    pub account: Option<Account>,
    pub unread: Option<i64>,
}

/// The session of `token` in `realm` with its account, and the unread count if `bell`.
/// One statement instead of three: the session, its person, unit or back-office user (each
/// joined only for its own `subject_kind`) and the count as a scalar subquery. On a SQLite
/// file it runs on the request's own thread (`store::local`).
pub async fn find_signed(db: &Db, token: &str, realm: Realm, bell: bool) -> Result<Option<Signed>> {
    let sql = signed_sql(db.backend(), realm, bell);
    let values = vec![sha256_b64(token.as_bytes()).into()];
    let found = local::read_with(db, sql, values, &SignedRow { realm, bell }).await?;
    Ok(found.into_iter().next())
}

/// How a row of [`signed_sql`] reads: the session's columns, then those of each account
/// table the site joins, in the order [`signed_sql`] lists them, then the unread count.
struct SignedRow {
    realm: Realm,
    bell: bool,
}

impl local::Decode for SignedRow {
    type Out = Signed;

    fn decode(&self, r: &mut impl local::Cols) -> std::result::Result<Signed, DbErr> {
        let session = session::Model::from_cols(r)?;
        let kind = SubjectKind::parse(&session.subject_kind);
        let mut account = None;
        for (joined, _, _) in joined_tables(self.realm) {
            let width = match joined {
                SubjectKind::Person => person::Column::iter().count(),
                SubjectKind::Unit => unit::Column::iter().count(),
                SubjectKind::Admin => admin::Column::iter().count(),
            };
            // A `LEFT JOIN` that found nothing: its columns are all NULL.
            if kind != Some(*joined) || r.null_next()? {
                r.skip(width);
                continue;
            }
            account = Some(match joined {
                SubjectKind::Person => Account::Person(person::Model::from_cols(r)?),
                SubjectKind::Unit => Account::Unit(unit::Model::from_cols(r)?),
                SubjectKind::Admin => Account::Admin(admin::Model::from_cols(r)?),
            });
        }
        let unread = if self.bell { Some(r.next()?) } else { None };
        Ok(Signed {
            session,
            account,
            unread,
        })
    }
}

/// The account tables a site's sessions join: the kind, the table and its alias.
fn joined_tables(realm: Realm) -> &'static [(SubjectKind, &'static str, &'static str)] {
    match realm {
        Realm::Front => &[
            (SubjectKind::Person, "persons", "p"),
            (SubjectKind::Unit, "units", "u"),
        ],
        Realm::Back => &[(SubjectKind::Admin, "admins", "a")],
    }
}

/// The statement of [`find_signed`] for a database, a site and the bell. Every signed-in
/// request runs it, so its text is built once per process: built each time, its column
/// lists cost about as many instructions as the rest of a 我的申报信息 request's reads.
fn signed_sql(backend: DbBackend, realm: Realm, bell: bool) -> &'static str {
    use std::sync::OnceLock;
    static BUILT: [OnceLock<String>; 12] = [const { OnceLock::new() }; 12];
    let variant = usize::from(realm == Realm::Back) * 2 + usize::from(bell);
    super::built_once(&BUILT, backend, variant, || {
        let joined = joined_tables(realm);
        let mut select = vec![columns::<session::Entity>(backend, "s")];
        let mut from = String::from("sessions s");
        for (kind, table, alias) in joined {
            select.push(match kind {
                SubjectKind::Person => columns::<person::Entity>(backend, alias),
                SubjectKind::Unit => columns::<unit::Entity>(backend, alias),
                SubjectKind::Admin => columns::<admin::Entity>(backend, alias),
            });
            from.push_str(&format!(
                " LEFT JOIN {table} {alias} ON s.subject_kind = '{}' AND {alias}.id = s.subject_id",
                kind.as_str()
            ));
        }
        if bell {
            select.push(
                "(SELECT COUNT(*) FROM notices n WHERE n.recipient_kind = s.subject_kind \
                 AND n.recipient_id = s.subject_id AND n.read_at IS NULL) AS unread"
                    .into(),
            );
        }
        format!(
            "SELECT {} FROM {from} WHERE s.id_hash = ?",
            select.join(", ")
        )
    })
}

/// `alias.col AS alias_col, …` for every column of `E`.
fn columns<E: EntityTrait>(backend: DbBackend, alias: &str) -> String {
    let quote = |c: &str| match backend {
        DbBackend::MySql => format!("`{c}`"),
        _ => format!("\"{c}\""),
    };
    E::Column::iter()
        .map(|c| {
            let c = c.as_str();
            format!("{alias}.{} AS {}", quote(c), quote(&format!("{alias}_{c}")))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a request now should mark the session's activity: at most once a minute per
/// session, to spare the database.
pub fn touch_due(s: &session::Model, now: i64) -> bool {
    now - s.last_seen_at >= 60_000
}

/// Marks activity (see [`touch_due`]).
pub async fn touch(c: &impl ConnectionTrait, id_hash: &str, now: i64) -> Result<()> {
    exec(
        c,
        "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?",
        vec![now.into(), id_hash.to_owned().into()],
    )
    .await?;
    Ok(())
}

pub async fn delete(c: &impl ConnectionTrait, id_hash: &str) -> Result<()> {
    exec(
        c,
        "DELETE FROM sessions WHERE id_hash = ?",
        vec![id_hash.to_owned().into()],
    )
    .await?;
    Ok(())
}

/// Ends every session of an account (password reset, lock by an admin, disabling).
pub async fn delete_for_subject(
    c: &impl ConnectionTrait,
    kind: SubjectKind,
    id: Uuid,
) -> Result<u64> {
    Ok(exec(
        c,
        "DELETE FROM sessions WHERE subject_kind = ? AND subject_id = ?",
        vec![kind.as_str().into(), id.into()],
    )
    .await?)
}

/// Removes sessions that can no longer be used; run periodically.
pub async fn purge_expired(c: &impl ConnectionTrait, now: i64) -> Result<u64> {
    let front_idle = Realm::Front.idle_timeout().whole_milliseconds() as i64;
    let absolute = ABSOLUTE_TIMEOUT.whole_milliseconds() as i64;
    Ok(exec(
        c,
        "DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?",
        vec![(now - front_idle).into(), (now - absolute).into()],
    )
    .await?)
}
