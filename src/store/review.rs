//! The review queue of a unit: the applications it holds or has held, filtered and paged.

use sea_orm::{DbErr, Value};
use uuid::Uuid;

use super::Db;
use super::local::{Cols, Decode, FromCols, read_all, read_with};
use crate::error::Result;

pub const PAGE_SIZE: u64 = 20;
/// Offsets beyond this are refused: narrow the filters instead of paging for ever.
pub const MAX_PAGES: u64 = 500;

/// 查询 conditions of 外地调入审核 / 外地调入上报.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub name: Option<String>,
    /// Keyed hash of the exact ID number.
    pub id_hash: Option<String>,
    pub level: Option<String>,
    pub series: Option<String>,
    pub state: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Only what the unit holds now.
    pub held_now: bool,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub id: Uuid,
    pub state: crate::domain::workflow::State,
    pub holder: Option<Uuid>,
    pub level: Option<String>,
    pub series: Option<String>,
    pub title: Option<Uuid>,
    pub submitted_at: Option<i64>,
    pub name: String,
    pub id_masked: String,
    pub version: i32,
}

// In the order of [`SELECT`].
super::local::from_cols!(Row =>
    id, state, holder, level, series, title, submitted_at, version, name, id_masked
);

/// A row of a queue page: the [`Row`], then the count of the whole queue.
struct Counted;

impl Decode for Counted {
    type Out = (Row, i64);
    fn decode(&self, r: &mut impl Cols) -> std::result::Result<(Row, i64), DbErr> {
        Ok((Row::from_cols(r)?, r.next()?))
    }
}

fn conditions(unit: Uuid, f: &Filter) -> (String, Vec<Value>) {
    let mut sql = String::from("h.unit_id = ?");
    let mut v: Vec<Value> = vec![unit.into()];
    let mut add = |cond: &str, val: Value| {
        sql.push_str(" AND ");
        sql.push_str(cond);
        v.push(val);
    };
    if let Some(n) = &f.name {
        add("p.name = ?", n.clone().into());
    }
    if let Some(h) = &f.id_hash {
        add("p.id_hash = ?", h.clone().into());
    }
    if let Some(l) = &f.level {
        add("a.level_code = ?", l.clone().into());
    }
    if let Some(s) = &f.series {
        add("a.series_code = ?", s.clone().into());
    }
    if let Some(s) = &f.state {
        add("a.state = ?", s.clone().into());
    }
    if let Some(t) = f.from_ms {
        add("h.submitted_at >= ?", t.into());
    }
    if let Some(t) = f.to_ms {
        add("h.submitted_at < ?", t.into());
    }
    if f.held_now {
        add("a.holder_unit_id = ?", unit.into());
    }
    (sql, v)
}

/// The columns of a queue row and the tables they come from.
const SELECT: &str = "SELECT a.id, a.state, a.holder_unit_id, a.level_code, a.series_code, a.title_id, a.submitted_at, a.version, p.name, p.id_masked";
const FROM: &str = "FROM application_holders h JOIN applications a ON a.id = h.application_id JOIN persons p ON p.id = a.person_id";

/// One page (0-based) of the unit's queue, newest submission first, and the total count.
pub async fn page(c: &Db, unit: Uuid, f: &Filter, page: u64) -> Result<(Vec<Row>, i64)> {
    let page = page.min(MAX_PAGES);
    slice(c, unit, f, page * PAGE_SIZE, PAGE_SIZE).await
}

/// `limit` rows from `offset` (exports read in larger slices), and the total count.
/// On a SQLite file it runs on the request's own thread (`store::local`).
pub async fn slice(
    c: &Db,
    unit: Uuid,
    f: &Filter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<Row>, i64)> {
    let (cond, values) = conditions(unit, f);
    // The count and the page's ids join only the tables the conditions name: with no
    // filter, or only dates, both read the unit's holder rows from their index alone.
    let from = if cond.contains("p.") {
        FROM
    } else if cond.contains("a.") {
        "FROM application_holders h JOIN applications a ON a.id = h.application_id"
    } else {
        "FROM application_holders h"
    };
    // One statement for the page and the total: the count is an uncorrelated subquery,
    // which each database computes once. Its conditions' values come first, then the page's.
    let count = format!("SELECT COUNT(*) AS n {from} WHERE {cond}");
    let mut all = values.clone();
    all.extend(values.iter().cloned());
    all.push((limit as i64).into());
    all.push((offset as i64).into());
    let found = read_with(
        c,
        // The page's ids first, in the order of the holder rows' index (unit,
        // submitted_at, application), then the wide rows and the persons of those only.
        // The page keeps the order of its ids (a holder row's time is its application's,
        // `applications::move_to`): SQLite then reads the rows in that order instead of
        // sorting them again.
        &format!(
            "{SELECT}, ({count}) AS total FROM (SELECT h.application_id AS pid, \
             h.submitted_at AS pat {from} \
             WHERE {cond} ORDER BY h.submitted_at DESC, h.application_id DESC \
             LIMIT ? OFFSET ?) pg \
             JOIN applications a ON a.id = pg.pid JOIN persons p ON p.id = a.person_id \
             ORDER BY pg.pat DESC, pg.pid DESC"
        ),
        all,
        &Counted,
    )
    .await?;
    let total = match found.first() {
        Some((_, n)) => *n,
        // No row to carry it. An empty first page: nothing matches.
        None if offset == 0 => 0,
        // A page past the end.
        None => super::count(&c.conn, &count, values).await?,
    };
    Ok((found.into_iter().map(|(row, _)| row).collect(), total))
}

/// One page of the queue after `cursor` (the `(submitted_at, id)` of the last row seen),
/// newest first: a keyset read that costs the same on page 1 and page 5,000.
pub async fn after(
    c: &Db,
    unit: Uuid,
    f: &Filter,
    cursor: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<Row>> {
    let (mut cond, mut values) = conditions(unit, f);
    if let Some((at, id)) = cursor {
        cond.push_str(" AND (h.submitted_at < ? OR (h.submitted_at = ? AND h.application_id < ?))");
        values.extend([at.into(), at.into(), id.into()]);
    }
    values.push((limit as i64).into());
    Ok(read_all(
        c,
        &format!(
            "{SELECT} {FROM} WHERE {cond} ORDER BY h.submitted_at DESC, h.application_id DESC LIMIT ?"
        ),
        values,
    )
    .await?)
}
