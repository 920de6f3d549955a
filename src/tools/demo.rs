//! `zhicheng demo-data`: realistic generated data at scale, for trying and measuring the
//! platform: units across the 16 cities with reporting paths and grants, people with valid
//! ID numbers, and applications in every state with their history.
//!
//! Every generated account shares one password (printed at the end), hashed once.

use std::time::Instant;

use anyhow::{Context, bail};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, Value};
use uuid::Uuid;

use crate::app::AppState;
use crate::domain::clock::{Clock, SystemClock};
use crate::domain::ids::citizen_check_char;
use crate::domain::mask::mask;
use crate::store::{accounts, applications, exec, insert_rows, stmt};

pub const DEMO_PASSWORD: &str = "Demo#2026pass";

async fn count(c: &impl ConnectionTrait, table: &str) -> anyhow::Result<i64> {
    let row = c
        .query_one_raw(stmt(
            c.get_database_backend(),
            &format!("SELECT COUNT(*) AS n FROM {table}"),
            vec![],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

/// Fills the database; refuses one that holds anything but earlier generated data.
pub async fn run(state: &AppState, units: usize, apps: usize, seed: u64) -> anyhow::Result<()> {
    let db = &state.db;
    let c = &db.conn;
    let row = c
        .query_one_raw(stmt(
            db.backend(),
            &format!(
                "SELECT CAST(COALESCE(SUM(units), 0) AS {t}) AS u, CAST(COALESCE(SUM(persons), 0) AS {t}) AS p FROM demo_runs",
                t = crate::store::dialect::bigint(db.backend())
            ),
            vec![],
        ))
        .await?;
    let (gen_units, gen_persons): (i64, i64) = match row {
        Some(r) => (r.try_get("", "u")?, r.try_get("", "p")?),
        None => (0, 0),
    };
    if count(c, "units").await? != gen_units || count(c, "persons").await? != gen_persons {
        bail!(
            "this database holds registered (not generated) units or people; demo-data runs only on an empty database"
        );
    }
    if gen_units > 0 || gen_persons > 0 {
        bail!(
            "this database already holds demo data; point ZHICHENG_DATABASE_URL (or ZHICHENG_DATA_DIR) at an empty database"
        );
    }
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let now = SystemClock.now_ms();

    // Units, with their search entries, through the benchmark's generator; every generated
    // account, unit or person, opens with the demo password.
    let password_hash = crate::infra::crypto::hash_password(DEMO_PASSWORD)?;
    crate::tools::bench::seed_units(db, &mut rng, units, &password_hash)
        .await
        .context("generating units")?;
    let rows = c
        .query_all_raw(stmt(
            db.backend(),
            "SELECT id, region_code FROM units ORDER BY created_at DESC LIMIT ?",
            vec![(units as i64).into()],
        ))
        .await?;
    let all_units: Vec<(Uuid, String)> = rows
        .iter()
        .map(|r| Ok((r.try_get("", "id")?, r.try_get("", "region_code")?)))
        .collect::<Result<_, sea_orm::DbErr>>()?;
    println!(
        "units: {} in {:.1}s",
        all_units.len(),
        started.elapsed().as_secs_f64()
    );
    if all_units.len() < 2 {
        bail!("need at least 2 units");
    }

    // Superiors: every tenth unit is a competent department with final authority for its city.
    let superiors: Vec<(Uuid, String)> = all_units.iter().step_by(10).cloned().collect();
    let d = state.dicts();
    let levels: Vec<String> = d.levels.iter().map(|l| l.code.clone()).collect();
    let titles: Vec<_> = d.titles.iter().filter(|t| t.enabled).collect();
    let tx = db.begin().await?;
    let mut grant_rows = Vec::new();
    for (i, (sup, region)) in superiors.iter().enumerate().take(2000) {
        let level = &levels[i % levels.len()];
        grant_rows.push(vec![
            Uuid::now_v7().into(),
            (*sup).into(),
            level.clone().into(),
            region.clone().into(),
            "active".into(),
            crate::domain::chain::grant_key(*sup, level).into(),
            "演示数据".into(),
            now.into(),
            now.into(),
        ]);
    }
    insert_rows(
        &*tx,
        "final_grants",
        &[
            "id",
            "unit_id",
            "level_code",
            "bureau_code",
            "state",
            "live_key",
            "opinion",
            "created_at",
            "decided_at",
        ],
        grant_rows,
    )
    .await?;
    tx.commit().await?;

    // One person per application; ID numbers built from a counter so they never collide.
    let surnames = [
        "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
        "林", "何", "郭", "马", "罗",
    ];
    let given = [
        "伟", "芳", "娜", "敏", "静", "磊", "强", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
        "秀英", "霞", "平", "刚", "桂英",
    ];
    let regions = [
        "370102", "370202", "370302", "370402", "370502", "370602", "370702", "370802", "370902",
        "371002", "371102", "371302", "371402", "371502", "371602", "371702",
    ];
    let original = serde_json::json!({"title_name": "工程师", "series": "05", "level": "3", "obtained_by": "评审", "issuer": "江苏省工程技术中级评审委员会", "approval_no": "苏职改〔2018〕12号", "issuer_region": "江苏省", "certificate_no": "JS2018-000123", "obtained_date": "2018-06-30"}).to_string();
    let transfer = serde_json::json!({"prev_employer": "南京某科技有限公司", "prev_province": "江苏省", "moved_date": "2024-03-01", "how": "调动"}).to_string();
    let education = serde_json::json!([{"school": "山东大学", "major": "机械工程", "education": "大学本科", "degree": "学士", "graduated": "2012-07-01"}]).to_string();
    let work = serde_json::json!([{"from": "2012-07-15", "to": "", "employer": "南京某科技有限公司", "post": "工程师"}]).to_string();
    let states = [
        ("draft", 5),
        ("pending", 20),
        ("returned", 5),
        ("to_report", 10),
        ("approved", 60),
    ];
    let base_birth = time::macros::date!(1960 - 01 - 01);
    let chunk = 2000;
    let mut made = 0usize;
    let mut first_person = String::new();
    while made < apps {
        let n = chunk.min(apps - made);
        let (mut persons, mut app_rows, mut events, mut holders) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for k in 0..n {
            let i = made + k;
            let birth = base_birth + time::Duration::days(((i / 16_000) % 13_000) as i64);
            let body = format!(
                "{}{:04}{:02}{:02}{:03}",
                regions[i % 16],
                birth.year(),
                birth.month() as u8,
                birth.day(),
                (i / 16) % 1000
            );
            let id_number = format!("{body}{}", citizen_check_char(body.as_bytes()) as char);
            if i == 0 {
                first_person = id_number.clone();
            }
            let phone = format!("13{}{:08}", 5 + i % 5, i % 100_000_000);
            let name = format!(
                "{}{}",
                surnames[rng.gen_range(0..surnames.len())],
                given[rng.gen_range(0..given.len())]
            );
            let pid = Uuid::now_v7();
            let sex = if (id_number.as_bytes()[16] - b'0') % 2 == 1 {
                "男"
            } else {
                "女"
            };
            persons.push(vec![
                pid.into(),
                name.clone().into(),
                state.keys.encrypt(accounts::ID_CONTEXT, &id_number).into(),
                state
                    .keys
                    .blind_index(accounts::ID_CONTEXT, &id_number)
                    .into(),
                mask(&id_number).into(),
                sex.into(),
                birth.to_string().into(),
                state.keys.encrypt(accounts::PHONE_CONTEXT, &phone).into(),
                mask(&phone).into(),
                password_hash.clone().into(),
                now.into(),
                now.into(),
            ]);
            let roll = rng.gen_range(0..100);
            let mut acc = 0;
            let st = states
                .iter()
                .find(|(_, w)| {
                    acc += w;
                    roll < acc
                })
                .map_or("approved", |s| s.0);
            let (declare, region) = all_units[rng.gen_range(0..all_units.len())].clone();
            let superior = superiors[rng.gen_range(0..superiors.len())].0;
            let title = titles[rng.gen_range(0..titles.len())];
            let submitted =
                now - rng.gen_range(0..540i64) * 86_400_000 - rng.gen_range(0..86_400_000);
            // Final approval between a few hours and two months after submission.
            let final_at = submitted + rng.gen_range(4..60 * 24i64) * 3_600_000;
            let holder = match st {
                "pending" if rng.gen_bool(0.5) => Some(superior),
                "pending" | "to_report" => Some(declare),
                "approved" => Some(superior),
                _ => None,
            };
            let aid = Uuid::now_v7();
            let open = (st != "approved").then_some(pid);
            app_rows.push(vec![
                aid.into(),
                pid.into(),
                open.into(),
                st.into(),
                1.into(),
                1.into(),
                holder.into(),
                Some(declare).into(),
                Some(true).into(),
                state
                    .keys
                    .encrypt(applications::PHONE_CONTEXT, &phone)
                    .into(),
                mask(&phone).into(),
                Some(title.level_code.clone()).into(),
                Some(title.series_code.clone()).into(),
                Some(title.id).into(),
                d.specialties_of(&title.series_code)
                    .next()
                    .map(|s| s.id)
                    .into(),
                Some("1".to_owned()).into(),
                Some(2018).into(),
                original.clone().into(),
                transfer.clone().into(),
                education.clone().into(),
                work.clone().into(),
                (submitted - 86_400_000).into(),
                now.into(),
                (st != "draft").then_some(submitted).into(),
                (st == "approved").then_some(final_at).into(),
                (st == "approved")
                    .then(|| state.keys.new_serial("20261126"))
                    .into(),
                (st != "draft").then(|| region.clone()).into(),
                (st != "draft")
                    .then(|| crate::domain::clock::month_of(submitted))
                    .into(),
            ]);
            let ev =
                |at: i64, action: &str, from: &str, to: &str, unit: Option<Uuid>| -> Vec<Value> {
                    vec![
                        Uuid::now_v7().into(),
                        aid.into(),
                        at.into(),
                        "system".into(),
                        None::<Uuid>.into(),
                        "演示数据".into(),
                        unit.into(),
                        action.into(),
                        from.into(),
                        to.into(),
                        "".into(),
                    ]
                };
            events.push(ev(submitted - 86_400_000, "create", "draft", "draft", None));
            if st != "draft" {
                events.push(ev(submitted, "submit", "draft", "pending", Some(declare)));
                holders.push(vec![
                    aid.into(),
                    declare.into(),
                    submitted.into(),
                    submitted.into(),
                ]);
            }
            if st == "approved" {
                events.push(ev(
                    (submitted + final_at) / 2,
                    "report",
                    "to_report",
                    "pending",
                    Some(superior),
                ));
                events.push(ev(final_at, "final", "pending", "approved", Some(superior)));
                if superior != declare {
                    holders.push(vec![
                        aid.into(),
                        superior.into(),
                        final_at.into(),
                        submitted.into(),
                    ]);
                }
            }
        }
        let tx = db.begin().await?;
        insert_rows(
            &*tx,
            "persons",
            &[
                "id",
                "name",
                "id_cipher",
                "id_hash",
                "id_masked",
                "sex",
                "birth_date",
                "phone_cipher",
                "phone_masked",
                "password_hash",
                "created_at",
                "updated_at",
            ],
            persons,
        )
        .await?;
        insert_rows(
            &*tx,
            "applications",
            &[
                "id",
                "person_id",
                "open_person_id",
                "state",
                "version",
                "round",
                "holder_unit_id",
                "declare_unit_id",
                "is_work_unit",
                "phone_cipher",
                "phone_masked",
                "level_code",
                "series_code",
                "title_id",
                "specialty_id",
                "declare_method_code",
                "title_year",
                "original",
                "transfer",
                "education",
                "work",
                "created_at",
                "updated_at",
                "submitted_at",
                "final_at",
                "serial",
                "declare_region",
                "submitted_month",
            ],
            app_rows,
        )
        .await?;
        insert_rows(
            &*tx,
            "application_events",
            &[
                "id",
                "application_id",
                "at",
                "actor_kind",
                "actor_id",
                "actor_label",
                "unit_id",
                "action",
                "from_state",
                "to_state",
                "opinion",
            ],
            events,
        )
        .await?;
        insert_rows(
            &*tx,
            "application_holders",
            &["application_id", "unit_id", "since", "submitted_at"],
            holders,
        )
        .await?;
        tx.commit().await?;
        made += n;
        if made % 100_000 < chunk || made == apps {
            println!(
                "applications: {made} ({:.1}s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    exec(
        c,
        "INSERT INTO demo_runs (at, units, persons) VALUES (?, ?, ?)",
        vec![now.into(), (units as i64).into(), (apps as i64).into()],
    )
    .await?;
    // Fresh statistics so the planner uses the indexes on the new volume; on PostgreSQL
    // also the visibility map autovacuum would build later, without which the covering
    // indexes cannot answer alone (the province statistics took 0.76 s instead of 0.50 s).
    let analyze = match db.backend() {
        sea_orm::DbBackend::Postgres => "VACUUM ANALYZE",
        sea_orm::DbBackend::MySql => {
            "ANALYZE TABLE units, persons, applications, unit_bigrams, application_holders"
        }
        _ => "ANALYZE",
    };
    exec(c, analyze, vec![]).await?;
    println!(
        "demo data: {units} units, {apps} people and applications in {:.1}s; every generated account's password is {DEMO_PASSWORD}",
        started.elapsed().as_secs_f64()
    );
    // One account of each kind to sign in with: a person, and a unit holding applications.
    let holder = db
        .conn
        .query_one_raw(sea_orm::Statement::from_string(
            db.backend(),
            "SELECT u.credit_code FROM units u WHERE u.id IN \
             (SELECT holder_unit_id FROM applications WHERE state = 'pending' AND holder_unit_id IS NOT NULL) \
             ORDER BY u.credit_code LIMIT 1",
        ))
        .await?
        .map(|r| r.try_get::<String>("", "credit_code"))
        .transpose()?;
    println!(
        "sample accounts: person {first_person}, unit {}",
        holder.unwrap_or_default()
    );
    Ok(())
}
