//! 单位名称 search for the unit picker: any part of a name, from two characters on.
//!
//! - Two characters: an exact lookup in `unit_bigrams`, which holds every two-character
//!   window of every name, each beside the name itself and the ranking's keys, so that one
//!   index range is the page (neither FTS5's trigram tokenizer nor pg_trgm can answer these
//!   from their index).
//! - Three and more: SQLite's FTS5 trigram table `units_fts`, PostgreSQL's pg_trgm GIN index
//!   on `units.name` through `LIKE '%…%'`; the MySQL family has neither (an n-gram FULLTEXT
//!   index is not on every engine of the family), so there the units holding a few of the
//!   query's bigrams at once are the candidates, checked against the whole query.
//!
//! Every longer query reads a bounded candidate set from an index (plus the names that
//! start with the query, a range on the unique index of `units.name`); the ranking — names
//! starting with the query first, then shorter names — is the database's and is checked
//! here again, so nothing scans the table.
//! Matching is exact (case-sensitive) on both databases.

use std::collections::HashSet;

use sea_orm::{ConnectionTrait, DbBackend, Value};
use serde::Serialize;
use uuid::Uuid;

use super::{exec, stmt};
use crate::error::{AppError, Result};

/// Shorter queries return nothing (the caller says why).
pub const MIN_CHARS: usize = 2;
/// Longer queries are cut to this many characters.
pub const MAX_CHARS: usize = 50;
/// How many rows each index lookup may return before the ranking.
const CANDIDATES: u64 = 200;
/// `units_fts` rows of a unit live at `fts_rowid_base(id) + 0..FTS_SLOTS` (see there).
pub const FTS_SLOTS: i64 = 16;

/// One unit found by name.
#[derive(Debug, Clone, Serialize)]
pub struct UnitHit {
    pub id: Uuid,
    pub name: String,
    pub region_code: String,
}

// In the order [`search_sql`] selects the columns.
super::local::from_cols!(UnitHit =>
    id, name, region_code
);

/// The query as searched: in the canonical form names are stored in (so a full-width query
/// finds its plain name), trimmed, cut to [`MAX_CHARS`]; `None` when fewer than
/// [`MIN_CHARS`] characters remain.
pub fn normalize_query(q: &str) -> Option<String> {
    let cleaned = crate::domain::text::canonical_name(q);
    let cut: String = cleaned.trim().chars().take(MAX_CHARS).collect();
    let cut = cut.trim_end();
    (cut.chars().count() >= MIN_CHARS).then(|| cut.to_owned())
}

/// The distinct two-character windows of a name (by `char`), in order of first appearance;
/// windows containing whitespace are left out.
pub fn bigrams(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for w in chars.windows(2) {
        if w.iter().any(|c| c.is_whitespace()) {
            continue;
        }
        let g: String = w.iter().collect();
        if seen.insert(g.clone()) {
            out.push(g);
        }
    }
    out
}

/// The query as one FTS5 phrase: in double quotes, inner quotes doubled. Inside a phrase
/// every other character (operators, parentheses, `*`, `:`) is plain text.
pub fn fts_phrase(q: &str) -> String {
    format!("\"{}\"", q.replace('"', "\"\""))
}

/// The query for `LIKE … ESCAPE '\'`: `\`, `%` and `_` escaped.
pub fn like_escape(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 4);
    for c in q.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The first string after every string starting with `prefix` in code-point order (the
/// order of SQLite's BINARY collation and of PostgreSQL's `C`/`C.UTF-8`), so that
/// `name >= prefix AND name < end` is exactly "starts with" on an index.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last as u32 {
            0xD7FF => Some('\u{E000}'),
            n => char::from_u32(n + 1),
        };
        if let Some(n) = next {
            chars.push(n);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Where a unit's `units_fts` row lives: the millisecond timestamp of its UUIDv7 id (42
/// bits, enough until 2109), then 16 bits mixed from the whole id, then [`FTS_SLOTS`] slots.
/// The row takes the first free slot, so deleting it is a rowid range lookup (the
/// `unit_id` column of an FTS5 table has no index). FTS5 returns matches in rowid order, so
/// the candidates of a common fragment are units created about the same time, which lie
/// close together on disk. Stored rowids depend on this function: never change it.
pub fn fts_rowid_base(id: Uuid) -> i64 {
    let v = id.as_u128();
    let ms = ((v >> 80) as u64) & ((1 << 42) - 1);
    let mut z = ((v >> 64) as u64) ^ (v as u64).rotate_left(32);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    ((ms << 20) | ((z & 0xFFFF) << 4)) as i64
}

/// Writes a unit's search entries, replacing any earlier ones (so a rename calls it again).
pub async fn index_unit(
    c: &impl ConnectionTrait,
    unit_id: Uuid,
    name: &str,
    region_code: &str,
) -> Result<()> {
    let backend = c.get_database_backend();
    exec(
        c,
        "DELETE FROM unit_bigrams WHERE unit_id = ?",
        vec![unit_id.into()],
    )
    .await?;
    let grams = bigrams(name);
    if !grams.is_empty() {
        let (sql, values) = bigram_rows(
            grams
                .iter()
                .map(|g| (g.as_str(), unit_id, name, region_code)),
        );
        exec(c, &sql, values).await?;
    }
    if backend == DbBackend::Sqlite {
        let base = fts_rowid_base(unit_id);
        let end = base + FTS_SLOTS;
        exec(
            c,
            "DELETE FROM units_fts WHERE rowid >= ? AND rowid < ? AND unit_id = ?",
            vec![base.into(), end.into(), unit_id.into()],
        )
        .await?;
        let taken: HashSet<i64> = c
            .query_all_raw(stmt(
                backend,
                "SELECT rowid AS r FROM units_fts WHERE rowid >= ? AND rowid < ?",
                vec![base.into(), end.into()],
            ))
            .await?
            .iter()
            .map(|r| r.try_get::<i64>("", "r"))
            .collect::<Result<_, _>>()?;
        let rowid = (base..end).find(|r| !taken.contains(r)).ok_or_else(|| {
            AppError::Unexpected(anyhow::anyhow!("no free units_fts slot for {unit_id}"))
        })?;
        exec(
            c,
            "INSERT INTO units_fts (rowid, name, unit_id) VALUES (?, ?, ?)",
            vec![rowid.into(), name.into(), unit_id.into()],
        )
        .await?;
    }
    Ok(())
}

/// Columns of a `unit_bigrams` row, in the order [`bigram_rows`] binds them.
pub const BIGRAM_COLUMNS: usize = 6;

/// One `INSERT` of `unit_bigrams` rows, each a bigram, its unit's id, name and region. The
/// name and region are kept beside the bigram with the ranking's keys, so that
/// `ix_unit_bigrams_page` holds the picker's whole page: whether the bigram begins the name
/// (0) or not (1), and the name's length in characters.
pub fn bigram_rows<'a>(
    rows: impl IntoIterator<Item = (&'a str, Uuid, &'a str, &'a str)>,
) -> (String, Vec<Value>) {
    let mut sql = String::from(
        "INSERT INTO unit_bigrams \
         (gram, unit_id, name, gram_rank, name_chars, region_code) VALUES ",
    );
    let mut values: Vec<Value> = Vec::new();
    for (i, (gram, unit_id, name, region_code)) in rows.into_iter().enumerate() {
        sql.push_str(if i == 0 {
            "(?, ?, ?, ?, ?, ?)"
        } else {
            ", (?, ?, ?, ?, ?, ?)"
        });
        values.push(gram.into());
        values.push(unit_id.into());
        values.push(name.into());
        values.push(i16::from(!name.starts_with(gram)).into());
        values.push((name.chars().count() as i32).into());
        values.push(region_code.into());
    }
    (sql, values)
}

/// Units whose name contains the query: at most `limit`, names starting with the query
/// first, then shorter names. Fewer than two characters find nothing. On a SQLite file it
/// runs on the request's own thread (`store::local`).
pub async fn search(db: &super::Db, q: &str, limit: u64) -> Result<Vec<UnitHit>> {
    let Some(q) = normalize_query(q) else {
        return Ok(Vec::new());
    };
    if limit == 0 {
        return Ok(Vec::new());
    }
    let (sql, values) = search_sql(db.backend(), &q, limit);
    let hits = super::local::read_all(db, &sql, values).await?;
    Ok(rank(hits, &q, limit as usize))
}

/// One statement. For two characters (every query passes through two as it is typed) the
/// page is the first `limit` entries of one index range, `ix_unit_bigrams_page`, whose order
/// is the ranking's and whose entries hold every column of a hit. Longer queries gather
/// candidate names: those containing the query (at most `CANDIDATES`, straight from an
/// index) and those starting with it (a range on the unique index of `units.name`); the
/// database ranks them, and only the page's names are joined to `units`, by name (a unit's
/// name is unique).
fn search_sql(backend: DbBackend, q: &str, limit: u64) -> (String, Vec<Value>) {
    let n = q.chars().count();
    if n == MIN_CHARS {
        // A name starts with the query exactly when the query's bigram begins it
        // (`gram_rank` 0): the index's range for the bigram is the exact ranking, and the
        // names starting with the query are all in it.
        return (
            format!(
                "SELECT unit_id AS id, name, region_code FROM unit_bigrams{} \
                 WHERE gram = ? ORDER BY gram_rank, name_chars, name LIMIT {limit}",
                super::dialect::indexed_by(backend, "ix_unit_bigrams_page")
            ),
            vec![q.into()],
        );
    }
    let cap = limit.max(CANDIDATES);
    let length = super::dialect::char_length(backend);
    let (contains, mut values): (String, Vec<Value>) = if backend == DbBackend::Sqlite {
        // FTS5's trigram tokenizer folds case; instr() keeps the match exact, as LIKE is.
        (
            format!(
                "SELECT name AS k FROM units_fts \
                 WHERE units_fts MATCH ? AND instr(name, ?) > 0 LIMIT {cap}"
            ),
            vec![fts_phrase(q).into(), q.into()],
        )
    } else if backend == DbBackend::MySql {
        bigram_join(q, cap)
    } else {
        (
            format!(
                "SELECT name AS k FROM units \
                 WHERE name LIKE '%' || ? || '%' ESCAPE '\\' LIMIT {cap}"
            ),
            vec![like_escape(q).into()],
        )
    };
    // MariaDB de-duplicates a UNION through a temporary table, the costliest step of the
    // statement there: on the MySQL family the two lists are only appended, twice as many
    // rows come back, and `rank` drops the second copy of a unit found by both (a unit is in
    // each list at most once, so `2 × limit` rows hold `limit` distinct units).
    let (union, rows) = if backend == DbBackend::MySql {
        ("UNION ALL", limit * 2)
    } else {
        ("UNION", limit)
    };
    let mut candidates = format!("SELECT k FROM ({contains}) a");
    // Names starting with the query may lie outside the candidates of a common fragment.
    // They rank first; a page's worth is read, in name order. With 200, PostgreSQL's plan
    // for any value, which assumes a two-hundredth of the names in the range, costs more than
    // the plans for the values it sees, and it plans the statement again at every execution.
    if let Some(end) = prefix_end(q) {
        candidates.push_str(&format!(
            " {union} SELECT k FROM (SELECT name AS k FROM units \
             WHERE name >= ? AND name < ? ORDER BY name LIMIT {limit}) p"
        ));
        values.push(q.into());
        values.push(end.into());
    }
    let sql = format!(
        "SELECT u.id, u.name, u.region_code FROM (\
         SELECT k, CASE WHEN substr(k, 1, {n}) = ? THEN 0 ELSE 1 END AS r0, \
         {length}(k) AS r1 FROM ({candidates}) c \
         ORDER BY r0, r1, k LIMIT {rows}) t \
         JOIN units u ON u.name = t.k ORDER BY t.r0, t.r1, t.k"
    );
    // The ranking's value comes first in the text.
    values.insert(0, q.into());
    (sql, values)
}

/// At most this many of a query's bigrams are joined on the MySQL family: enough to make
/// the candidates rare, few enough that the planner's join search stays trivial.
const JOINED_GRAMS: usize = 4;

/// The bigrams a query of three or more characters is looked up by: the first, the last and
/// evenly spaced ones between, at most [`JOINED_GRAMS`].
pub fn lookup_grams(q: &str) -> Vec<String> {
    let all = bigrams(q);
    if all.len() <= JOINED_GRAMS {
        return all;
    }
    let last = all.len() - 1;
    let mut picked: Vec<usize> = (0..JOINED_GRAMS)
        .map(|i| i * last / (JOINED_GRAMS - 1))
        .collect();
    picked.dedup();
    picked.into_iter().map(|i| all[i].clone()).collect()
}

/// Candidates on the MySQL family: units holding every one of the query's [`lookup_grams`]
/// (each an exact lookup on `unit_bigrams`' primary key; the planner starts from the rarest,
/// whose row count it reads off the index), then the whole query checked in the name the
/// bigram row keeps (`LOCATE` under the binary collation is exact and case-sensitive).
fn bigram_join(q: &str, cap: u64) -> (String, Vec<Value>) {
    let grams = lookup_grams(q);
    if grams.is_empty() {
        // Only whitespace pairs: no index can answer; the prefix candidates still do.
        return ("SELECT name AS k FROM units WHERE 1 = 0".into(), vec![]);
    }
    let mut sql = String::from("SELECT b0.name AS k FROM unit_bigrams b0");
    let mut values: Vec<Value> = Vec::with_capacity(grams.len() + 1);
    for (i, g) in grams.iter().enumerate().skip(1) {
        sql.push_str(&format!(
            " JOIN unit_bigrams b{i} ON b{i}.unit_id = b0.unit_id AND b{i}.gram = ?"
        ));
        values.push(g.as_str().into());
    }
    sql.push_str(&format!(
        " WHERE b0.gram = ? AND LOCATE(?, b0.name) > 0 LIMIT {cap}"
    ));
    values.push(grams[0].as_str().into());
    values.push(q.into());
    (sql, values)
}

/// Keeps the names that contain the query (FTS5 folds case, LIKE does not), once each;
/// names starting with the query first, then shorter, then by name. The rows are a page or
/// two (at most `2 × limit`): a linear check for repeats and keys computed once, where a
/// hash set and a copy of every name had cost 24k instructions a request (callgrind).
fn rank(hits: Vec<UnitHit>, q: &str, limit: usize) -> Vec<UnitHit> {
    let mut kept: Vec<(bool, usize, UnitHit)> = Vec::with_capacity(hits.len());
    for h in hits {
        if h.name.contains(q) && !kept.iter().any(|(_, _, k)| k.id == h.id) {
            kept.push((!h.name.starts_with(q), h.name.chars().count(), h));
        }
    }
    kept.sort_unstable_by(|a, b| (a.0, a.1, &a.2.name).cmp(&(b.0, b.1, &b.2.name)));
    kept.into_iter().take(limit).map(|(_, _, h)| h).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(name: &str) -> UnitHit {
        UnitHit {
            id: Uuid::now_v7(),
            name: name.to_owned(),
            region_code: String::new(),
        }
    }

    #[test]
    fn bigrams_are_distinct_char_windows_without_whitespace() {
        assert_eq!(
            bigrams("市场监督管理局"),
            ["市场", "场监", "监督", "督管", "管理", "理局"]
        );
        assert_eq!(bigrams("哈哈哈哈"), ["哈哈"]);
        assert_eq!(bigrams("A B公司"), ["B公", "公司"]);
        assert_eq!(bigrams("中　国人"), ["国人"]);
        assert!(bigrams("济").is_empty());
        assert!(bigrams("").is_empty());
    }

    #[test]
    fn queries_are_trimmed_cleaned_and_cut() {
        assert_eq!(normalize_query("  市场 "), Some("市场".to_owned()));
        assert_eq!(normalize_query(" 市 "), None);
        assert_eq!(normalize_query(""), None);
        assert_eq!(normalize_query("市\0场"), Some("市场".to_owned()));
        assert_eq!(normalize_query("市\n"), None);
        let long = "山".repeat(80);
        assert_eq!(normalize_query(&long).unwrap().chars().count(), MAX_CHARS);
        let spaced = format!("{} 东", "山".repeat(49));
        assert_eq!(normalize_query(&spaced), Some("山".repeat(49)));
    }

    #[test]
    fn fts_phrases_quote_everything() {
        assert_eq!(fts_phrase("济南市"), "\"济南市\"");
        assert_eq!(fts_phrase("a\"b"), "\"a\"\"b\"");
        assert_eq!(fts_phrase("x OR y*"), "\"x OR y*\"");
    }

    #[test]
    fn like_specials_are_escaped() {
        assert_eq!(like_escape("100%_a\\b"), "100\\%\\_a\\\\b");
        assert_eq!(like_escape("济南市"), "济南市");
    }

    #[test]
    fn prefix_end_is_the_next_string_in_code_point_order() {
        assert_eq!(prefix_end("ab").as_deref(), Some("ac"));
        let next = char::from_u32('南' as u32 + 1).unwrap();
        assert_eq!(prefix_end("济南"), Some(format!("济{next}")));
        assert_eq!(prefix_end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{10FFFF}"), None);
    }

    #[test]
    fn fts_rowids_follow_creation_time_and_are_stable() {
        let id = Uuid::parse_str("0194d3a2-7b1c-7f00-8000-000000000001").unwrap();
        let base = fts_rowid_base(id);
        assert_eq!(base % FTS_SLOTS, 0);
        assert_eq!(base >> 20, 0x0194_d3a2_7b1c);
        assert_eq!(
            base, 1_823_177_366_316_033_888,
            "stored rowids depend on this value"
        );
        let a_ms_later = Uuid::parse_str("0194d3a2-7b1d-7000-8000-000000000000").unwrap();
        assert!(fts_rowid_base(a_ms_later) > base);
        // Any id (not only UUIDv7) gets a positive rowid with room for its slots.
        assert!(fts_rowid_base(Uuid::from_u128(u128::MAX)) > 0);
        assert!(fts_rowid_base(Uuid::from_u128(u128::MAX)) < i64::MAX - FTS_SLOTS);
        // Ids of the same millisecond spread over the 16 mixed bits.
        let ms: u128 = 0x0194_d3a2_7b1c;
        let bases: HashSet<i64> = (0..1000u128)
            .map(|i| fts_rowid_base(Uuid::from_u128((ms << 80) | (0x7 << 76) | (1 << 63) | i)))
            .collect();
        assert!(bases.len() > 980, "{}", bases.len());
    }

    #[test]
    fn one_statement_with_as_many_values_as_placeholders() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres, DbBackend::MySql] {
            for q in [
                "市场",
                "市场监督",
                "a\"b%_\\c ?",
                "山东省济南市市场监督管理局",
            ] {
                let (sql, values) = search_sql(backend, q, 20);
                // The query travels only as a value, never inside the SQL text.
                assert!(!sql.contains(q), "{sql}");
                assert_eq!(sql.matches('?').count(), values.len(), "{sql}");
                if q.chars().count() == MIN_CHARS {
                    // Two characters: one index range in the ranking's order, no union and
                    // no join.
                    assert!(!sql.contains("UNION") && !sql.contains("JOIN"), "{sql}");
                    assert!(sql.ends_with(" LIMIT 20"), "{sql}");
                    continue;
                }
                // The MySQL family appends the two lists and asks for twice the rows.
                let (limit, union) = if backend == DbBackend::MySql {
                    ("LIMIT 40)", " UNION ALL ")
                } else {
                    ("LIMIT 20)", " UNION SELECT")
                };
                assert!(sql.contains(limit) && sql.contains(union), "{sql}");
            }
        }
        let (sql, _) = search_sql(DbBackend::Sqlite, "市场", 20);
        assert!(sql.contains("unit_bigrams") && !sql.contains("units_fts"));
        let (sql, _) = search_sql(DbBackend::Sqlite, "市场监督", 20);
        assert!(sql.contains("units_fts MATCH"));
        let (sql, values) = search_sql(DbBackend::Postgres, "100%", 20);
        assert!(sql.contains("LIKE '%' || ? || '%' ESCAPE '\\'"));
        assert_eq!(values[1], Value::from("100\\%"));
        let (sql, _) = search_sql(DbBackend::MySql, "市场监督", 20);
        assert!(
            sql.contains("LOCATE(?, b0.name)") && !sql.contains("LIKE"),
            "{sql}"
        );
        assert!(sql.contains("char_length(k)"), "{sql}");
        // No candidate of a longer query is joined to `units`: only the ranked page is, by
        // name.
        for backend in [DbBackend::Sqlite, DbBackend::Postgres, DbBackend::MySql] {
            let (sql, _) = search_sql(backend, "市场监督", 20);
            assert_eq!(sql.matches("JOIN units").count(), 1, "{sql}");
            assert!(sql.ends_with("JOIN units u ON u.name = t.k ORDER BY t.r0, t.r1, t.k"));
        }
        // Two characters: the page and every column of it from one index.
        let (sql, values) = search_sql(DbBackend::Sqlite, "市场", 20);
        assert_eq!(
            sql,
            "SELECT unit_id AS id, name, region_code \
             FROM unit_bigrams INDEXED BY ix_unit_bigrams_page \
             WHERE gram = ? ORDER BY gram_rank, name_chars, name LIMIT 20"
        );
        assert_eq!(values, [Value::from("市场")]);
        let (_, values) = search_sql(DbBackend::MySql, "市场监督", 20);
        // The ranking value, the joined grams, the first gram, the query, the prefix range.
        assert_eq!(
            values[..4],
            [
                Value::from("市场监督"),
                Value::from("场监"),
                Value::from("监督"),
                Value::from("市场")
            ]
        );
    }

    #[test]
    fn lookup_grams_spread_over_the_query() {
        assert_eq!(lookup_grams("市场监"), ["市场", "场监"]);
        let long = lookup_grams("山东省济南市市场监督管理局");
        assert_eq!(long.len(), JOINED_GRAMS);
        assert_eq!(long.first().map(String::as_str), Some("山东"));
        assert_eq!(long.last().map(String::as_str), Some("理局"));
        // Repeated windows count once: "市市" and "市场" are distinct, the second "市场" is not.
        assert_eq!(lookup_grams("市场市场"), ["市场", "场市"]);
        assert!(lookup_grams("a b").is_empty());
    }

    #[test]
    fn ranking_prefers_prefix_then_short_names_and_filters() {
        let hits = vec![
            hit("山东济南市场有限公司"),
            hit("济南市场监督管理局"),
            hit("济南市场"),
            hit("JINAN市场"),
            hit("济南土产"),
        ];
        let dup = hits[1].clone();
        let mut all = hits;
        all.push(dup);
        let names: Vec<String> = rank(all, "济南市场", 10)
            .into_iter()
            .map(|h| h.name)
            .collect();
        assert_eq!(
            names,
            ["济南市场", "济南市场监督管理局", "山东济南市场有限公司"]
        );
        let one = rank(vec![hit("济南市场"), hit("济南市场局")], "市场", 1);
        assert_eq!(one.len(), 1);
    }
}
