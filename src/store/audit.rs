//! The append-only audit log, chained by hash so that an edited or deleted entry is detected.
//!
//! Appends serialise on the single `audit_head` row (a row lock on PostgreSQL, the write
//! lock on SQLite), so sequence numbers have no gaps and each entry names its predecessor.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{exec, query_as, query_one_as};
use crate::error::Result;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "genesis";

/// Who acted.
#[derive(Debug, Clone)]
pub struct Actor {
    /// person, unit, admin, system or anon.
    pub kind: &'static str,
    pub id: Option<Uuid>,
    /// A display label that never holds a full ID number.
    pub label: String,
    /// The actor's unit or bureau.
    pub org: String,
}

impl Actor {
    pub fn anonymous() -> Self {
        Actor {
            kind: "anon",
            id: None,
            label: String::new(),
            org: String::new(),
        }
    }
    /// A person, labelled with the name and the masked ID number (never the full one).
    pub fn person(p: &super::entities::person::Model) -> Self {
        Actor {
            kind: "person",
            id: Some(p.id),
            label: Self::person_label(p),
            org: String::new(),
        }
    }

    /// How a person is named in the audit log and in histories: 张三(3701**********1234).
    pub fn person_label(p: &super::entities::person::Model) -> String {
        format!("{}({})", p.name, p.id_masked)
    }

    /// A unit; `org` is its region's name where the caller has the dictionaries at hand.
    pub fn unit(u: &super::entities::unit::Model, org: String) -> Self {
        Actor {
            kind: "unit",
            id: Some(u.id),
            label: u.name.clone(),
            org,
        }
    }

    pub fn system(label: &str) -> Self {
        Actor {
            kind: "system",
            id: None,
            label: label.to_owned(),
            org: String::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// One event to record.
pub struct Event<'a> {
    pub actor: &'a Actor,
    pub ip: &'a str,
    pub action: &'a str,
    pub object: String,
    pub outcome: Outcome,
    pub detail: String,
}

/// Appends one entry in a transaction of its own, for events that change nothing else
/// (a refused access, a failed login, an export).
pub async fn record(db: &super::Db, now: i64, event: Event<'_>) -> Result<()> {
    let tx = db.begin().await?;
    append(&*tx, now, event).await?;
    tx.commit().await?;
    Ok(())
}

/// A stored entry.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Entry {
    pub seq: i64,
    pub at: i64,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub org: String,
    pub ip: String,
    pub action: String,
    pub object: String,
    pub outcome: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Replaces control characters (CR, LF, …) so that no entry can forge another line.
pub fn clean(s: &str, max: usize) -> String {
    s.chars()
        .take(max)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

impl Entry {
    /// The hash of an entry: SHA-256 over a JSON array of every field and the previous hash.
    pub fn compute_hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.at,
            self.actor_kind,
            self.actor_id.map(|u| u.to_string()),
            self.actor_label,
            self.org,
            self.ip,
            self.action,
            self.object,
            self.outcome,
            self.detail,
            self.prev_hash,
        ]);
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.to_string().as_bytes()))
    }
}

/// The chain's head: the last sequence number given and its entry's hash.
#[derive(FromQueryResult)]
struct Head {
    seq: i64,
    hash: String,
}

async fn head(c: &impl ConnectionTrait) -> Result<Head> {
    Ok(
        query_one_as(c, "SELECT seq, hash FROM audit_head WHERE id = 1", vec![])
            .await?
            .ok_or_else(|| anyhow::anyhow!("audit_head row is missing"))?,
    )
}

/// Takes the next sequence number with the hash it follows. One statement where an UPDATE
/// can return its row (SQLite, PostgreSQL): an append is a write that every step makes, and
/// on SQLite each statement of the single writer counts. The MySQL family updates, then reads.
async fn advance(c: &impl ConnectionTrait) -> Result<Head> {
    if c.get_database_backend() == DbBackend::MySql {
        exec(
            c,
            "UPDATE audit_head SET seq = seq + 1 WHERE id = 1",
            vec![],
        )
        .await?;
        return head(c).await;
    }
    Ok(query_one_as(
        c,
        "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
        vec![],
    )
    .await?
    .ok_or_else(|| anyhow::anyhow!("audit_head row is missing"))?)
}

/// Appends one entry within the caller's transaction.
pub async fn append(c: &impl ConnectionTrait, now: i64, ev: Event<'_>) -> Result<i64> {
    let head = advance(c).await?;
    let mut entry = Entry {
        seq: head.seq,
        at: now,
        actor_kind: ev.actor.kind.to_owned(),
        actor_id: ev.actor.id,
        actor_label: clean(&ev.actor.label, 100),
        org: clean(&ev.actor.org, 200),
        ip: clean(ev.ip, 64),
        action: clean(ev.action, 40),
        object: clean(&ev.object, 200),
        outcome: ev.outcome.as_str().to_owned(),
        detail: clean(&ev.detail, 2000),
        prev_hash: head.hash,
        hash: String::new(),
    };
    entry.hash = entry.compute_hash();
    exec(
        c,
        "INSERT INTO audit_log (seq, at, actor_kind, actor_id, actor_label, org, ip, action, object, outcome, detail, prev_hash, hash) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            entry.seq.into(),
            entry.at.into(),
            entry.actor_kind.clone().into(),
            entry.actor_id.into(),
            entry.actor_label.clone().into(),
            entry.org.clone().into(),
            entry.ip.clone().into(),
            entry.action.clone().into(),
            entry.object.clone().into(),
            entry.outcome.clone().into(),
            entry.detail.clone().into(),
            entry.prev_hash.clone().into(),
            entry.hash.clone().into(),
        ],
    )
    .await?;
    exec(
        c,
        "UPDATE audit_head SET hash = ? WHERE id = 1",
        vec![entry.hash.clone().into()],
    )
    .await?;
    Ok(entry.seq)
}

const COLUMNS: &str = "seq, at, actor_kind, actor_id, actor_label, org, ip, action, object, outcome, detail, prev_hash, hash";

/// The entries `cond` selects, in `order` (after the condition's values, the limit).
async fn entries(
    c: &impl ConnectionTrait,
    cond: &str,
    order: &str,
    mut values: Vec<Value>,
    limit: u64,
) -> Result<Vec<Entry>> {
    values.push((limit as i64).into());
    Ok(query_as(
        c,
        &format!("SELECT {COLUMNS} FROM audit_log WHERE {cond} ORDER BY seq {order} LIMIT ?"),
        values,
    )
    .await?)
}

/// Entries after `after_seq`, oldest first, at most `limit` (keyset pagination).
pub async fn page(c: &impl ConnectionTrait, after_seq: i64, limit: u64) -> Result<Vec<Entry>> {
    entries(c, "seq > ?", "", vec![after_seq.into()], limit).await
}

/// The newest entries matching an action (or all), newest first.
pub async fn recent(
    c: &impl ConnectionTrait,
    action: Option<&str>,
    limit: u64,
) -> Result<Vec<Entry>> {
    match action {
        Some(a) => entries(c, "action = ?", "DESC", vec![a.into()], limit).await,
        None => entries(c, "1 = 1", "DESC", vec![], limit).await,
    }
}

/// The result of checking the chain.
#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Intact {
        entries: i64,
    },
    /// The first entry that does not fit, and why.
    Broken {
        seq: i64,
        reason: String,
    },
}

/// Walks the whole chain in bounded pages and checks every link and hash.
pub async fn verify(c: &impl ConnectionTrait) -> Result<Verification> {
    let Head {
        seq: head_seq,
        hash: head_hash,
    } = head(c).await?;
    // After an archive, the chain continues from the anchor the archive left.
    let anchor: Option<Head> = query_one_as(
        c,
        "SELECT up_to_seq AS seq, last_hash AS hash FROM audit_archives ORDER BY up_to_seq DESC LIMIT 1",
        vec![],
    )
    .await?;
    let (mut prev_seq, mut prev_hash) = match anchor {
        Some(a) => (a.seq, a.hash),
        None => (0i64, GENESIS.to_owned()),
    };
    loop {
        let batch = page(c, prev_seq, 1000).await?;
        if batch.is_empty() {
            break;
        }
        for e in batch {
            if e.seq != prev_seq + 1 {
                return Ok(Verification::Broken {
                    seq: prev_seq + 1,
                    reason: "entry missing".into(),
                });
            }
            if e.prev_hash != prev_hash {
                return Ok(Verification::Broken {
                    seq: e.seq,
                    reason: "link to the previous entry does not match".into(),
                });
            }
            if e.compute_hash() != e.hash {
                return Ok(Verification::Broken {
                    seq: e.seq,
                    reason: "entry content was changed".into(),
                });
            }
            prev_seq = e.seq;
            prev_hash = e.hash;
        }
    }
    if prev_seq != head_seq || (head_seq > 0 && prev_hash != head_hash) {
        return Ok(Verification::Broken {
            seq: prev_seq + 1,
            reason: "entries after this point were removed".into(),
        });
    }
    Ok(Verification::Intact { entries: head_seq })
}

/// Filters of the audit viewer.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Part of the actor's label.
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Beginning of the object (`application:…`).
    pub object: Option<String>,
    pub before_seq: Option<i64>,
}

/// Newest entries first, keyset-paged by sequence number.
pub async fn search(c: &impl ConnectionTrait, f: &Filter, limit: u64) -> Result<Vec<Entry>> {
    let mut cond = vec!["1 = 1".to_owned()];
    let mut v: Vec<Value> = Vec::new();
    if let Some(t) = f.from_ms {
        cond.push("at >= ?".into());
        v.push(t.into());
    }
    if let Some(t) = f.to_ms {
        cond.push("at < ?".into());
        v.push(t.into());
    }
    if let Some(a) = &f.actor {
        cond.push("actor_label LIKE ?".into());
        v.push(format!("%{}%", a.replace(['%', '_'], "")).into());
    }
    if let Some(a) = &f.action {
        cond.push("action = ?".into());
        v.push(a.clone().into());
    }
    if let Some(o) = &f.object {
        cond.push("object LIKE ?".into());
        v.push(format!("{}%", o.replace(['%', '_'], "")).into());
    }
    if let Some(s) = f.before_seq {
        cond.push("seq < ?".into());
        v.push(s.into());
    }
    entries(c, &cond.join(" AND "), "DESC", v, limit).await
}

/// What an archive run did.
#[derive(Debug, PartialEq, Eq)]
pub struct Archived {
    pub entries: i64,
    pub up_to_seq: i64,
}

/// Writes every entry older than `cutoff_ms` to `file` (JSON lines, synced to disk), then
/// removes them and leaves an anchor so the rest of the chain still verifies. Entries
/// younger than the cutoff are never touched.
pub async fn archive(
    db: &super::Db,
    cutoff_ms: i64,
    file: &std::path::Path,
    now: i64,
) -> Result<Archived> {
    use std::io::Write;
    let c = &db.conn;
    let up_to = super::query_scalar::<Option<i64>>(
        c,
        "SELECT MAX(seq) AS s FROM audit_log WHERE at < ?",
        vec![cutoff_ms.into()],
        "s",
    )
    .await?;
    let Some(up_to) = up_to.flatten() else {
        return Ok(Archived {
            entries: 0,
            up_to_seq: 0,
        });
    };
    let mut out =
        std::io::BufWriter::new(std::fs::File::create(file).map_err(anyhow::Error::from)?);
    let mut hasher = sha2::Sha256::new();
    let (mut after, mut count, mut last_hash) = (0i64, 0i64, String::new());
    loop {
        let batch = page(c, after, 1000).await?;
        let batch: Vec<_> = batch.into_iter().filter(|e| e.seq <= up_to).collect();
        if batch.is_empty() {
            break;
        }
        for e in &batch {
            let line = serde_json::json!({
                "seq": e.seq, "at": e.at, "actor_kind": e.actor_kind, "actor_id": e.actor_id.map(|u| u.to_string()),
                "actor_label": e.actor_label, "org": e.org, "ip": e.ip, "action": e.action, "object": e.object,
                "outcome": e.outcome, "detail": e.detail, "prev_hash": e.prev_hash, "hash": e.hash,
            })
            .to_string();
            hasher.update(line.as_bytes());
            hasher.update(b"\n");
            writeln!(out, "{line}").map_err(anyhow::Error::from)?;
            after = e.seq;
            last_hash = e.hash.clone();
            count += 1;
        }
    }
    let f = out
        .into_inner()
        .map_err(|e| anyhow::anyhow!("flushing the archive: {e}"))?;
    f.sync_all().map_err(anyhow::Error::from)?;
    let tx = db.begin().await?;
    exec(
        &*tx,
        "INSERT INTO audit_archives (up_to_seq, last_hash, entries, file, file_sha256, archived_at) VALUES (?, ?, ?, ?, ?, ?)",
        vec![up_to.into(), last_hash.into(), count.into(), file.display().to_string().into(), hex::encode(hasher.finalize()).into(), now.into()],
    )
    .await?;
    exec(
        &*tx,
        "DELETE FROM audit_log WHERE seq <= ? AND at < ?",
        vec![up_to.into(), cutoff_ms.into()],
    )
    .await?;
    tx.commit().await?;
    Ok(Archived {
        entries: count,
        up_to_seq: up_to,
    })
}
