//! `zhicheng bench …`: measurements on a fresh, generated database (never the configured one).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, DbBackend, Value};
use uuid::Uuid;

use crate::domain::ids::credit_check_char;
use crate::store::{Db, exec, unit_search};

/// Units per transaction while seeding.
const BATCH: usize = 1000;
/// Rows per multi-row `INSERT` into `unit_bigrams`: 24,000 parameters, inside SQLite's
/// 32,766 and the 65,535 of PostgreSQL and MySQL.
const BIGRAM_ROWS: usize = 24_000 / unit_search::BIGRAM_COLUMNS;
/// Queries per length.
const QUERIES: usize = 500;
/// Unmeasured queries per length first (prepared statements, caches).
const WARMUP: usize = 20;

/// `zhicheng bench unit-search`: generates `units` units in a new database (a temporary
/// SQLite file, or a new database on the PostgreSQL or MySQL server of `database_url`), then times
/// `unit_search::search` for queries of 2, 3 and 4 characters and prints the percentiles.
/// With `ZHICHENG_BENCH_KEEP` set, the database is kept for inspection (and its name printed).
pub async fn unit_search(database_url: Option<String>, units: usize) -> anyhow::Result<()> {
    match database_url {
        None => {
            let path = std::env::temp_dir().join(format!("zbench_{}.db", Uuid::now_v7().simple()));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            let res = run_unit_search(&url, "sqlite", units).await;
            if std::env::var_os("ZHICHENG_BENCH_KEEP").is_some() {
                println!("kept {}", path.display());
                return res;
            }
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
            res
        }
        Some(url) if url.starts_with("postgres") || url.starts_with("mysql") => {
            let mysql = url.starts_with("mysql");
            let admin = sea_orm::Database::connect(url.clone())
                .await
                .with_context(|| format!("connecting to {}", crate::settings::redact_url(&url)))?;
            let name = format!("zbench_{}", Uuid::now_v7().simple());
            let (create, drop, label) = if mysql {
                (
                    format!("CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"),
                    format!("DROP DATABASE IF EXISTS {name}"),
                    "mysql",
                )
            } else {
                (
                    format!(
                        "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
                    ),
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                    "postgres",
                )
            };
            admin
                .execute_unprepared(&create)
                .await
                .context("creating the benchmark database")?;
            let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&url);
            let res = run_unit_search(&format!("{base}/{name}"), label, units).await;
            if std::env::var_os("ZHICHENG_BENCH_KEEP").is_some() {
                println!("kept database {name}");
                admin.close().await.ok();
                return res;
            }
            let dropped = admin.execute_unprepared(&drop).await;
            admin.close().await.ok();
            res?;
            dropped.context("dropping the benchmark database")?;
            Ok(())
        }
        Some(_) => {
            bail!("give a postgres:// or mysql:// URL, or nothing for a temporary SQLite database")
        }
    }
}

async fn run_unit_search(url: &str, label: &str, units: usize) -> anyhow::Result<()> {
    let db = Db::connect(url).await?;
    let res = measure(&db, label, units).await;
    db.close().await;
    res
}

async fn measure(db: &Db, label: &str, units: usize) -> anyhow::Result<()> {
    db.migrate().await?;
    let tx = db.begin().await?;
    crate::store::dicts::seed(&tx).await?;
    tx.commit().await?;

    let mut rng = StdRng::seed_from_u64(20_261_126);
    let started = Instant::now();
    let names = seed_units(db, &mut rng, units, "!").await?;
    let seeded = started.elapsed();
    if db.backend() == DbBackend::Postgres {
        // What autovacuum does after a bulk load: statistics, and the GIN pending list merged.
        db.conn.execute_unprepared("VACUUM ANALYZE units").await?;
        db.conn
            .execute_unprepared("VACUUM ANALYZE unit_bigrams")
            .await?;
    }
    if db.backend() == DbBackend::MySql {
        // Fresh index statistics, which the bigram joins' plans are chosen by.
        db.conn
            .execute_unprepared("ANALYZE TABLE units, unit_bigrams")
            .await?;
    }
    let count = count_units(db).await?;
    println!(
        "unit-search {label} seeded {count} units in {:.1}s (+{:.1}s vacuum/analyze)",
        seeded.as_secs_f64(),
        started.elapsed().saturating_sub(seeded).as_secs_f64()
    );

    for len in [2usize, 3, 4] {
        let queries: Vec<String> = (0..QUERIES + WARMUP)
            .map(|i| {
                if i % 10 == 9 {
                    random_chars(&mut rng, len)
                } else {
                    substring(&mut rng, &names, len)
                }
            })
            .collect();
        let mut times = Vec::with_capacity(QUERIES);
        let (mut hits, mut rows) = (0usize, 0usize);
        for (i, q) in queries.iter().enumerate() {
            let t = Instant::now();
            let found = unit_search::search(db, q, 20)
                .await
                .map_err(|e| anyhow::anyhow!("searching {q:?}: {e:?}"))?;
            let took = t.elapsed();
            if i < WARMUP {
                continue;
            }
            times.push(took);
            hits += usize::from(!found.is_empty());
            rows += found.len();
        }
        let Timings {
            n,
            p50,
            p95,
            p99,
            max,
        } = Timings::of(times);
        println!(
            "unit-search {label} units={count} len={len} n={n} p50={p50:.2}ms p95={p95:.2}ms p99={p99:.2}ms max={max:.2}ms hits={hits} rows={rows}"
        );
    }
    Ok(())
}

/// The counted runs of one measurement: how many, and the milliseconds at the 50th, 95th
/// and 99th percentile and of the slowest.
struct Timings {
    n: usize,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
}

impl Timings {
    fn of(mut times: Vec<Duration>) -> Self {
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let pct = |p: f64| match times.len() {
            0 => Duration::ZERO,
            n => times[((p * n as f64).ceil() as usize).clamp(1, n) - 1],
        };
        Timings {
            n: times.len(),
            p50: ms(pct(0.50)),
            p95: ms(pct(0.95)),
            p99: ms(pct(0.99)),
            max: ms(times.last().copied().unwrap_or_default()),
        }
    }
}

async fn count_units(db: &Db) -> anyhow::Result<i64> {
    Ok(crate::store::count(&db.conn, "SELECT COUNT(*) AS n FROM units", vec![]).await?)
}

/// A random substring of `len` characters of a random name (so that it hits).
fn substring(rng: &mut StdRng, names: &[String], len: usize) -> String {
    let chars: Vec<char> = names[rng.gen_range(0..names.len())].chars().collect();
    if chars.len() <= len {
        return chars.into_iter().collect();
    }
    let start = rng.gen_range(0..=chars.len() - len);
    chars[start..start + len].iter().collect()
}

/// Random CJK characters, which almost never occur together in a name.
fn random_chars(rng: &mut StdRng, len: usize) -> String {
    (0..len)
        .map(|_| char::from_u32(rng.gen_range(0x4E00..0x9FA6)).unwrap_or('〇'))
        .collect()
}

struct NewUnit {
    id: Uuid,
    name: String,
    credit_code: String,
    region_code: String,
}

/// Inserts `n` units with their search entries, `BATCH` per transaction.
/// `password_hash` is every unit's: `!` (no password opens it) for the search benchmark, the
/// demo password's hash for `demo-data`.
pub(crate) async fn seed_units(
    db: &Db,
    rng: &mut StdRng,
    n: usize,
    password_hash: &str,
) -> anyhow::Result<Vec<String>> {
    let mut taken: HashSet<String> = HashSet::with_capacity(n);
    let mut fts_rowids: HashSet<i64> = HashSet::with_capacity(n);
    let mut names = Vec::with_capacity(n);
    let now = crate::domain::clock::Clock::now_ms(&crate::domain::clock::SystemClock);
    let sqlite = db.backend() == DbBackend::Sqlite;
    let mut serial = 0u64;
    while names.len() < n {
        let size = BATCH.min(n - names.len());
        let mut batch = Vec::with_capacity(size);
        for _ in 0..size {
            let (name, kind, region_code) = unique_name(rng, &mut taken);
            serial += 1;
            batch.push(NewUnit {
                id: Uuid::now_v7(),
                credit_code: credit_code(kind, &region_code, serial),
                name,
                region_code,
            });
        }
        let tx = db.begin().await?;
        let c: &sea_orm::DatabaseTransaction = &tx;

        let mut sql = String::from(
            "INSERT INTO units (id, name, credit_code, region_code, contact_name, contact_phone_cipher, \
             contact_phone_masked, password_hash, failed_logins, locked_until, must_change_password, \
             disabled, created_at, updated_at, last_login_at) VALUES ",
        );
        let mut values: Vec<Value> = Vec::with_capacity(size * 6);
        for (i, u) in batch.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(
                "(?, ?, ?, ?, '联系人', 'v1:bench', '138****0000', ?, 0, NULL, FALSE, FALSE, ?, ?, NULL)",
            );
            values.extend([
                u.id.into(),
                u.name.clone().into(),
                u.credit_code.clone().into(),
                u.region_code.clone().into(),
                password_hash.into(),
                now.into(),
                now.into(),
            ]);
        }
        exec(c, &sql, values).await?;

        let rows: Vec<(String, &NewUnit)> = batch
            .iter()
            .flat_map(|u| {
                unit_search::bigrams(&u.name)
                    .into_iter()
                    .map(move |g| (g, u))
            })
            .collect();
        for chunk in rows.chunks(BIGRAM_ROWS) {
            let (sql, values) = unit_search::bigram_rows(
                chunk
                    .iter()
                    .map(|(g, u)| (g.as_str(), u.id, u.name.as_str(), u.region_code.as_str())),
            );
            exec(c, &sql, values).await?;
        }

        if sqlite {
            let mut sql = String::from("INSERT INTO units_fts (rowid, name, unit_id) VALUES ");
            let mut values: Vec<Value> = Vec::with_capacity(size * 3);
            for (i, u) in batch.iter().enumerate() {
                let base = unit_search::fts_rowid_base(u.id);
                let rowid = (base..base + unit_search::FTS_SLOTS)
                    .find(|r| fts_rowids.insert(*r))
                    .context("no free units_fts slot")?;
                sql.push_str(if i == 0 { "(?, ?, ?)" } else { ", (?, ?, ?)" });
                values.extend([rowid.into(), u.name.clone().into(), u.id.into()]);
            }
            exec(c, &sql, values).await?;
        }
        tx.commit().await?;
        names.extend(batch.into_iter().map(|u| u.name));
    }
    Ok(names)
}

/// The GB 32100 code: 登记管理部门 + 机构类别, the region, a 9-character body, the check character.
fn credit_code(kind: Kind, region_code: &str, serial: u64) -> String {
    const CS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let prefix: &[u8] = match kind {
        Kind::Government => b"11",
        Kind::Institution => b"12",
        Kind::Company => b"91",
    };
    let mut body = prefix.to_vec();
    body.extend(region_code.bytes());
    let mut digits = [b'0'; 9];
    let mut v = serial.wrapping_mul(0x9E37_79B9) % 31u64.pow(9);
    for d in digits.iter_mut().rev() {
        *d = CS[(v % 31) as usize];
        v /= 31;
    }
    body.extend(digits);
    let check = credit_check_char(&body);
    body.push(check);
    String::from_utf8(body).unwrap_or_default()
}

#[derive(Clone, Copy)]
enum Kind {
    Government,
    Institution,
    Company,
}

/// A name not generated before, with its kind and region code.
fn unique_name(rng: &mut StdRng, taken: &mut HashSet<String>) -> (String, Kind, String) {
    let (mut name, kind, region, district) = loop {
        let (name, kind, region, district) = random_name(rng);
        if !taken.contains(&name) || rng.gen_bool(0.2) {
            break (name, kind, region, district);
        }
    };
    if taken.contains(&name) {
        // A branch keeps it real; a number when even that is taken.
        let base = name.clone();
        name = match kind {
            Kind::Company => format!(
                "{base}{}分公司",
                district.trim_end_matches(['区', '县', '市'])
            ),
            _ => format!(
                "{base}{}分部",
                district.trim_end_matches(['区', '县', '市'])
            ),
        };
        let mut k = 2;
        while taken.contains(&name) {
            name = format!("{base}第{}分公司", cn_number(k));
            k += 1;
        }
    }
    taken.insert(name.clone());
    (name, kind, region.to_owned())
}

fn cn_number(n: usize) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n].to_owned(),
        10..=19 => format!("十{}", if n == 10 { "" } else { D[n - 10] }),
        20..=99 => format!(
            "{}十{}",
            D[n / 10],
            if n.is_multiple_of(10) { "" } else { D[n % 10] }
        ),
        _ => n.to_string(),
    }
}

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list[rng.gen_range(0..list.len())]
}

/// One generated name: (name, kind, region code, district).
fn random_name(rng: &mut StdRng) -> (String, Kind, &'static str, &'static str) {
    let (city, code, districts) = CITIES[rng.gen_range(0..CITIES.len())];
    let district = pick(rng, districts);
    let roll = rng.gen_range(0..100);
    match roll {
        // 机关: 青岛市市场监督管理局, 济南市历下区教育和体育局, 山东省财政厅
        0..=4 => {
            if rng.gen_bool(0.1) {
                let org = pick(rng, PROVINCE_ORGS);
                (format!("山东省{org}"), Kind::Government, "370000", district)
            } else if rng.gen_bool(0.4) {
                let org = pick(rng, GOV_ORGS);
                (format!("{city}{org}"), Kind::Government, code, district)
            } else {
                let org = pick(rng, GOV_ORGS);
                (
                    format!("{city}{district}{org}"),
                    Kind::Government,
                    code,
                    district,
                )
            }
        }
        // 事业单位: 济南市历下区人民医院, 淄博市第三中学, 烟台市芝罘区实验小学
        5..=19 => {
            let name = match rng.gen_range(0..4) {
                0 => format!("{city}第{}中学", cn_number(rng.gen_range(1..60))),
                1 => format!("{city}{district}第{}小学", cn_number(rng.gen_range(1..40))),
                2 => format!("{city}{}", pick(rng, INSTITUTIONS)),
                _ => format!("{city}{district}{}", pick(rng, INSTITUTIONS)),
            };
            (name, Kind::Institution, code, district)
        }
        // 企业: 山东华泰科技有限公司, 烟台鑫源建设集团有限公司, 济南市历城区恒达商贸有限公司
        _ => {
            let shop = shop_name(rng);
            let trade = pick(rng, TRADES);
            let form = pick(rng, COMPANY_FORMS);
            let place = match rng.gen_range(0..10) {
                0..=2 => "山东".to_owned(),
                3..=5 => city.to_owned(),
                6..=7 => city.trim_end_matches('市').to_owned(),
                _ => format!("{city}{district}"),
            };
            let name = if rng.gen_bool(0.1) {
                format!("{shop}（{}）{trade}{form}", city.trim_end_matches('市'))
            } else {
                format!("{place}{shop}{trade}{form}")
            };
            (name, Kind::Company, code, district)
        }
    }
}

/// A trade name of two (sometimes three) syllables: 华泰, 鑫源, 德润丰.
fn shop_name(rng: &mut StdRng) -> String {
    let n = if rng.gen_bool(0.2) { 3 } else { 2 };
    (0..n).map(|_| pick(rng, SYLLABLES)).collect()
}

const CITIES: &[(&str, &str, &[&str])] = &[
    (
        "济南市",
        "370100",
        &[
            "历下区",
            "市中区",
            "槐荫区",
            "天桥区",
            "历城区",
            "长清区",
            "章丘区",
            "济阳区",
            "莱芜区",
            "钢城区",
            "平阴县",
            "商河县",
        ],
    ),
    (
        "青岛市",
        "370200",
        &[
            "市南区",
            "市北区",
            "黄岛区",
            "崂山区",
            "李沧区",
            "城阳区",
            "即墨区",
            "胶州市",
            "平度市",
            "莱西市",
        ],
    ),
    (
        "淄博市",
        "370300",
        &[
            "淄川区",
            "张店区",
            "博山区",
            "临淄区",
            "周村区",
            "桓台县",
            "高青县",
            "沂源县",
        ],
    ),
    (
        "枣庄市",
        "370400",
        &["市中区", "薛城区", "峄城区", "台儿庄区", "山亭区", "滕州市"],
    ),
    (
        "东营市",
        "370500",
        &["东营区", "河口区", "垦利区", "利津县", "广饶县"],
    ),
    (
        "烟台市",
        "370600",
        &[
            "芝罘区",
            "福山区",
            "牟平区",
            "莱山区",
            "蓬莱区",
            "龙口市",
            "莱阳市",
            "莱州市",
            "招远市",
            "栖霞市",
            "海阳市",
        ],
    ),
    (
        "潍坊市",
        "370700",
        &[
            "潍城区",
            "寒亭区",
            "坊子区",
            "奎文区",
            "青州市",
            "诸城市",
            "寿光市",
            "安丘市",
            "高密市",
            "昌邑市",
            "临朐县",
            "昌乐县",
        ],
    ),
    (
        "济宁市",
        "370800",
        &[
            "任城区",
            "兖州区",
            "曲阜市",
            "邹城市",
            "微山县",
            "鱼台县",
            "金乡县",
            "嘉祥县",
            "汶上县",
            "泗水县",
            "梁山县",
        ],
    ),
    (
        "泰安市",
        "370900",
        &["泰山区", "岱岳区", "新泰市", "肥城市", "宁阳县", "东平县"],
    ),
    (
        "威海市",
        "371000",
        &["环翠区", "文登区", "荣成市", "乳山市"],
    ),
    ("日照市", "371100", &["东港区", "岚山区", "五莲县", "莒县"]),
    (
        "临沂市",
        "371300",
        &[
            "兰山区",
            "罗庄区",
            "河东区",
            "沂南县",
            "郯城县",
            "沂水县",
            "兰陵县",
            "费县",
            "平邑县",
            "莒南县",
            "蒙阴县",
            "临沭县",
        ],
    ),
    (
        "德州市",
        "371400",
        &[
            "德城区",
            "陵城区",
            "禹城市",
            "乐陵市",
            "临邑县",
            "平原县",
            "夏津县",
            "武城县",
            "庆云县",
            "宁津县",
            "齐河县",
        ],
    ),
    (
        "聊城市",
        "371500",
        &[
            "东昌府区",
            "茌平区",
            "临清市",
            "阳谷县",
            "莘县",
            "东阿县",
            "冠县",
            "高唐县",
        ],
    ),
    (
        "滨州市",
        "371600",
        &[
            "滨城区",
            "沾化区",
            "邹平市",
            "惠民县",
            "阳信县",
            "无棣县",
            "博兴县",
        ],
    ),
    (
        "菏泽市",
        "371700",
        &[
            "牡丹区",
            "定陶区",
            "曹县",
            "单县",
            "成武县",
            "巨野县",
            "郓城县",
            "鄄城县",
            "东明县",
        ],
    ),
];

const PROVINCE_ORGS: &[&str] = &[
    "财政厅",
    "教育厅",
    "科学技术厅",
    "工业和信息化厅",
    "民政厅",
    "司法厅",
    "自然资源厅",
    "生态环境厅",
    "住房和城乡建设厅",
    "交通运输厅",
    "水利厅",
    "农业农村厅",
    "商务厅",
    "文化和旅游厅",
    "卫生健康委员会",
    "应急管理厅",
    "审计厅",
    "市场监督管理局",
    "统计局",
    "医疗保障局",
    "机关事务管理局",
    "大数据局",
    "地方金融监督管理局",
    "人民政府办公厅",
];

const GOV_ORGS: &[&str] = &[
    "市场监督管理局",
    "财政局",
    "教育和体育局",
    "教育局",
    "住房和城乡建设局",
    "自然资源和规划局",
    "农业农村局",
    "水利局",
    "交通运输局",
    "卫生健康委员会",
    "人力资源和社会保障局",
    "公安局",
    "司法局",
    "民政局",
    "生态环境局",
    "文化和旅游局",
    "应急管理局",
    "统计局",
    "审计局",
    "城市管理局",
    "行政审批服务局",
    "科学技术局",
    "工业和信息化局",
    "商务局",
    "退役军人事务局",
    "医疗保障局",
    "发展和改革委员会",
    "人民政府办公室",
    "机关事务服务中心",
    "综合行政执法局",
    "畜牧兽医事务中心",
    "供销合作社联合社",
    "总工会",
    "妇女联合会",
    "残疾人联合会",
];

const INSTITUTIONS: &[&str] = &[
    "人民医院",
    "中医医院",
    "妇幼保健院",
    "疾病预防控制中心",
    "第一人民医院",
    "第二人民医院",
    "中心医院",
    "实验小学",
    "实验中学",
    "职业中等专业学校",
    "技师学院",
    "职业技术学院",
    "图书馆",
    "博物馆",
    "档案馆",
    "文化馆",
    "气象局",
    "广播电视台",
    "农业技术推广中心",
    "农业科学研究院",
    "建筑设计研究院",
    "产品质量检验检测中心",
    "社会福利院",
    "公共资源交易中心",
    "不动产登记中心",
    "住房公积金管理中心",
    "社会保险事业中心",
    "公共就业和人才服务中心",
    "急救中心",
    "血站",
    "精神卫生中心",
    "特殊教育学校",
    "幼儿园",
    "第一幼儿园",
    "林业保护发展中心",
    "水文中心",
    "地震监测中心",
    "城乡规划编制研究中心",
    "市政工程管理处",
    "园林绿化服务中心",
];

const TRADES: &[&str] = &[
    "科技",
    "建设",
    "建筑工程",
    "机械",
    "化工",
    "医药",
    "食品",
    "农业",
    "贸易",
    "物流",
    "电子",
    "信息技术",
    "软件",
    "网络科技",
    "环保",
    "能源",
    "新材料",
    "纺织",
    "服装",
    "汽车销售",
    "房地产开发",
    "置业",
    "物业管理",
    "商贸",
    "餐饮管理",
    "文化传媒",
    "教育咨询",
    "装饰工程",
    "钢铁",
    "水产",
    "海洋",
    "生物",
    "石油",
    "电力",
    "设备",
    "制药",
    "印刷",
    "包装",
    "旅游",
    "农牧",
    "渔业",
    "轮胎",
    "电气",
    "智能装备",
    "检测",
    "会计师事务所",
    "律师事务所",
    "人力资源",
];

const COMPANY_FORMS: &[&str] = &[
    "有限公司",
    "有限公司",
    "有限公司",
    "有限责任公司",
    "股份有限公司",
    "集团有限公司",
    "集团股份有限公司",
    "发展有限公司",
    "实业有限公司",
    "工作室",
    "合作社",
    "厂",
];

const SYLLABLES: &[&str] = &[
    "华", "鑫", "泰", "宏", "瑞", "德", "恒", "信", "达", "源", "博", "通", "金", "盛", "丰", "远",
    "海", "正", "新", "隆", "昌", "兴", "和", "安", "益", "康", "润", "明", "嘉", "诚", "鲁", "齐",
    "岱", "泉", "汇", "力", "宇", "航", "晟", "锦", "鼎", "众", "科", "创", "天", "元", "聚", "旺",
    "福", "祥", "万", "佳", "美", "顺", "腾", "翔", "凯", "鸿", "荣", "立",
];

/// `zhicheng bench stats`: times what the 统计分析 page queries, on the configured database
/// (fill it first with `zhicheng demo-data`), for the province, one city, a series with a
/// date range that cuts months, and a range inside one month.
pub async fn stats(db: &Db, runs: usize) -> anyhow::Result<()> {
    use crate::domain::clock::{Clock, SystemClock, day_bound_ms, month_of};
    use crate::store::stats::{StatsFilter, summary};
    let today = SystemClock.today();
    let day = |days_back: i64| {
        let d = today - time::Duration::days(days_back);
        day_bound_ms(&d.to_string(), false)
    };
    // The month before this one, to take ten days out of.
    let last_month = day_bound_ms(&format!("{}-01", month_of(SystemClock.now_ms())), false)
        .map(|t| month_of(t - 1))
        .unwrap_or_default();
    let scenarios = [
        ("province", StatsFilter::default()),
        (
            "city 370100",
            StatsFilter {
                region: Some("370100".into()),
                ..Default::default()
            },
        ),
        (
            "province, series 05, last 200 days",
            StatsFilter {
                series: Some("05".into()),
                from_ms: day(200),
                ..Default::default()
            },
        ),
        (
            "province, 10 days of last month",
            StatsFilter {
                from_ms: day_bound_ms(&format!("{last_month}-05"), false),
                to_ms: day_bound_ms(&format!("{last_month}-14"), true),
                ..Default::default()
            },
        ),
    ];
    for (label, f) in scenarios {
        let mut times = Vec::with_capacity(runs);
        let mut total = 0;
        for i in 0..=runs {
            let t = Instant::now();
            let s = summary(&db.conn, &f)
                .await
                .map_err(|e| anyhow::anyhow!("statistics for {label}: {e:?}"))?;
            // The first run warms the cache and is not counted.
            if i > 0 {
                times.push(t.elapsed());
            }
            total = s.tables[0].iter().map(|r| r.1).sum::<i64>();
        }
        let Timings {
            n, p50, p95, max, ..
        } = Timings::of(times);
        println!(
            "stats {label}: applications={total} n={n} p50={p50:.1}ms p95={p95:.1}ms max={max:.1}ms"
        );
    }
    Ok(())
}
