//! The command line: `serve`, `migrate`, `admin …`, `dev-certs`, `backup`, `restore`, `audit verify`.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::app::AppState;
use crate::domain::auth::AdminRole;
use crate::domain::clock::{Clock, SystemClock};
use crate::infra::sms::LogSms;
use crate::settings::Settings;
use crate::store::accounts::{self, NewAdmin};
use crate::store::audit::{self, Actor, Event, Outcome, Verification};

#[derive(Parser)]
#[command(
    name = "zhicheng",
    version,
    about = "山东省专业技术人员管理服务平台：外地调入资格确认"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the front site and the back office (the default).
    Serve,
    /// Apply the database migrations and load the dictionaries, then exit.
    Migrate,
    /// Manage back-office users.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Write a local CA, a server certificate and a client (UKEY) certificate for trying the TLS listener.
    DevCerts {
        /// Folder to write the PEM files into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Fill the database with realistic generated data (refuses a database with real data).
    DemoData {
        #[arg(long, default_value_t = 1000)]
        units: usize,
        #[arg(long, default_value_t = 10_000)]
        applications: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Copy the live platform (database snapshot, attachment files, manifest) into a new
    /// folder. The master key is not copied: keep it apart from the backups.
    Backup {
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup into the empty database and data directory configured, then verify
    /// it against its manifest (integrity, counts, file checksums, audit chain, master key).
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
    /// Create an API token for an account, printed once on standard output (for an
    /// integration set up by an operator; people and units create theirs on 访问令牌).
    Token {
        /// person, unit or admin.
        #[arg(long)]
        kind: String,
        /// The login account: ID number, credit code or back-office username.
        #[arg(long)]
        account: String,
        /// read or write.
        #[arg(long, default_value = "read")]
        scope: String,
        /// Days of validity (1–365).
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// What the token is for.
        #[arg(long, default_value = "命令行生成")]
        name: String,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Measure on a fresh, generated database (never the configured one).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Generate units and time the 单位名称 search for queries of 2, 3 and 4 characters.
    UnitSearch {
        /// A PostgreSQL or MySQL server URL (a new database is created there and dropped after);
        /// without it, a temporary SQLite file.
        #[arg(long)]
        database_url: Option<String>,
        /// How many units to generate.
        #[arg(long, default_value_t = 200_000)]
        units: usize,
    },
    /// Time the statistics page's queries on the configured database (after demo-data).
    Stats {
        /// Timed runs per scenario (after one warm-up).
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create a back-office user (the first one has to come from here).
    Create {
        #[arg(long)]
        username: String,
        /// The bureau: 山东省 or a city such as 济南市 (or its region code).
        #[arg(long)]
        bureau: String,
        /// system, operator or auditor.
        #[arg(long, default_value = "system")]
        role: String,
        /// The person's name as shown in the back office.
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Bind a UKEY certificate to a user; from then on the user logs in only on the TLS listener.
    BindCert {
        #[arg(long)]
        username: String,
        /// A PEM certificate file …
        #[arg(long, conflicts_with = "fingerprint")]
        cert: Option<PathBuf>,
        /// … or its SHA-256 fingerprint in hex.
        #[arg(long)]
        fingerprint: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and report the first broken entry, if any.
    Verify,
    /// Move entries older than the retention period (ZHICHENG_AUDIT_RETENTION_DAYS) to a
    /// JSON-lines file and remove them, leaving an anchor so the chain still verifies.
    Archive {
        #[arg(long)]
        out: PathBuf,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let settings = Settings::load()?;
            let listeners = crate::web::server::Listeners::bind(&settings).await?;
            let state =
                crate::startup::prepare(settings, Arc::new(SystemClock), Arc::new(LogSms)).await?;
            crate::web::server::run(state, listeners).await
        }
        Command::Migrate => {
            on_platform(async |_| Ok(())).await?;
            println!("migrations applied, dictionaries loaded");
            Ok(())
        }
        Command::Admin { command } => on_platform(async |state| admin(state, command).await).await,
        Command::DevCerts { out } => dev_certs(&out),
        Command::DemoData {
            units,
            applications,
            seed,
        } => {
            on_platform(async |state| {
                crate::tools::demo::run(state, units, applications, seed).await
            })
            .await
        }
        Command::Bench {
            command:
                BenchCommand::UnitSearch {
                    database_url,
                    units,
                },
        } => crate::tools::bench::unit_search(database_url, units).await,
        Command::Bench {
            command: BenchCommand::Stats { runs },
        } => {
            let settings = Settings::load()?;
            let db = crate::store::Db::connect(&settings.database_url).await?;
            crate::tools::bench::stats(&db, runs).await
        }
        Command::Token {
            kind,
            account,
            scope,
            days,
            name,
        } => {
            on_platform(async |state| token(state, &kind, &account, &scope, days, &name).await)
                .await
        }
        Command::Audit {
            command: AuditCommand::Archive { out },
        } => {
            on_platform(async |state| {
                let now = SystemClock.now_ms();
                let cutoff = now - i64::from(state.settings.audit_retention_days) * 86_400_000;
                let done = audit::archive(&state.db, cutoff, &out, now)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
                println!(
                    "archived {} entries (up to #{}) to {}",
                    done.entries,
                    done.up_to_seq,
                    out.display()
                );
                Ok(())
            })
            .await
        }
        Command::Backup { out } => {
            let m = on_platform(async |state| crate::backup::backup(state, &out).await).await?;
            let rows: i64 = m.counts.values().sum();
            println!(
                "backup written to {}: {rows} rows in {} tables, {} attachment files, audit head #{}",
                out.display(),
                m.counts.len(),
                m.files.len(),
                m.audit_head.seq
            );
            if !m.vanished.is_empty() {
                println!(
                    "{} attachments were deleted while the backup ran; restore drops their rows",
                    m.vanished.len()
                );
            }
            Ok(())
        }
        Command::Restore { from } => {
            let report = crate::backup::restore(&Settings::load()?, &from).await?;
            println!("restored from {}; verified:", from.display());
            for line in report.lines {
                println!("  {line}");
            }
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => match on_platform(async |state| Ok(audit::verify(&state.db.conn).await?)).await? {
            Verification::Intact { entries } => {
                println!("audit chain intact: {entries} entries");
                Ok(())
            }
            Verification::Broken { seq, reason } => {
                bail!("audit chain broken at entry {seq}: {reason}")
            }
        },
    }
}

/// Runs a command-line job on the platform (settings, migrations, dictionaries), then closes
/// the database: on SQLite the last connection to close copies the write-ahead log back and
/// removes it, which a process that merely exits leaves undone.
async fn on_platform<T>(
    job: impl AsyncFnOnce(&AppState) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let state =
        crate::startup::prepare(Settings::load()?, Arc::new(SystemClock), Arc::new(LogSms)).await?;
    let done = job(&state).await;
    state.db.close().await;
    done
}

async fn token(
    state: &AppState,
    kind: &str,
    account: &str,
    scope: &str,
    days: u32,
    name: &str,
) -> anyhow::Result<()> {
    use crate::domain::auth::SubjectKind;
    use crate::store::accounts;
    let c = &state.db.conn;
    let subject = match kind {
        "person" => accounts::person_by_id_number(c, &state.keys, account)
            .await?
            .map(|p| (SubjectKind::Person, p.id)),
        "unit" => accounts::unit_by_credit_code(c, account)
            .await?
            .map(|u| (SubjectKind::Unit, u.id)),
        "admin" => accounts::admin_by_username(c, account)
            .await?
            .map(|a| (SubjectKind::Admin, a.id)),
        _ => bail!("--kind is person, unit or admin"),
    }
    .with_context(|| format!("no {kind} with the account {account:?}"))?;
    let caller = crate::app::Caller::new(
        crate::store::audit::Actor::system("command line"),
        "127.0.0.1",
    );
    let request = crate::app::tokens::TokenRequest {
        name: name.to_owned(),
        scope: scope.to_owned(),
        days: days.to_string(),
    };
    match crate::app::tokens::create(state, &caller, subject, &request).await {
        Ok((_, secret)) => {
            println!("{secret}");
            Ok(())
        }
        Err(crate::error::AppError::Validation(errs)) => bail!(
            "{}",
            errs.0
                .iter()
                .map(|(k, m)| format!("{k}: {}", m.text()))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}

/// Records a change the command line made to back-office user `admin`, in the change's own
/// transaction: the command line is the actor, from the local machine.
async fn audit_admin_change(
    tx: &impl sea_orm::ConnectionTrait,
    now: i64,
    action: &str,
    admin: uuid::Uuid,
    detail: String,
) -> anyhow::Result<()> {
    audit::append(
        tx,
        now,
        Event {
            actor: &Actor::system("command line"),
            ip: "local",
            action,
            object: format!("admin:{admin}"),
            outcome: Outcome::Success,
            detail,
        },
    )
    .await?;
    Ok(())
}

async fn admin(state: &AppState, command: AdminCommand) -> anyhow::Result<()> {
    let now = SystemClock.now_ms();
    match command {
        AdminCommand::Create {
            username,
            bureau,
            role,
            display_name,
            password_stdin,
        } => {
            if !password_stdin {
                bail!("pass --password-stdin and type the password on standard input");
            }
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("reading the password")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            if !crate::domain::auth::valid_username(&username) {
                bail!("the username must be 3 to 32 letters, digits or underscores");
            }
            let dicts = state.dicts();
            let region = dicts
                .regions
                .iter()
                .find(|r| r.name == bureau || r.short == bureau || r.code == bureau)
                .with_context(|| {
                    format!("unknown bureau {bureau:?}: use 山东省 or a city such as 济南市")
                })?;
            let role =
                AdminRole::parse(&role).context("role must be system, operator or auditor")?;
            let words = crate::domain::password::PasswordContext {
                username: Some(&username),
                ..Default::default()
            };
            if let Err(e) =
                crate::domain::password::check_new_password(&password, &password, &words)
            {
                bail!(
                    "password refused: {}",
                    crate::domain::account::password_msg(e).text()
                );
            }
            let tx = state.db.begin().await?;
            let created = accounts::insert_admin(
                &*tx,
                now,
                NewAdmin {
                    username: &username,
                    display_name: display_name.as_deref().unwrap_or(&username),
                    bureau: &region.code,
                    role,
                    password: &password,
                    must_change_password: false,
                    cert_fingerprint: None,
                    created_by: None,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("creating the user: {e:?}"))?;
            let detail = format!(
                "{} {} {}",
                created.username, created.bureau_code, created.role
            );
            audit_admin_change(&*tx, now, "admin_create", created.id, detail).await?;
            tx.commit().await?;
            println!(
                "created back-office user {username} ({}, {})",
                region.name,
                role.label()
            );
            Ok(())
        }
        AdminCommand::BindCert {
            username,
            cert,
            fingerprint,
        } => {
            let fp = match (cert, fingerprint) {
                (Some(path), _) => {
                    let mut r = std::io::BufReader::new(
                        std::fs::File::open(&path)
                            .with_context(|| format!("opening {}", path.display()))?,
                    );
                    let der = rustls_pemfile::certs(&mut r)
                        .next()
                        .context("no certificate in the file")??;
                    crate::infra::crypto::fingerprint(der.as_ref())
                }
                (None, Some(f)) => crate::domain::auth::parse_fingerprint(&f)
                    .context("the fingerprint must be 64 hex digits")?,
                (None, None) => bail!("give --cert FILE or --fingerprint HEX"),
            };
            let admin = accounts::admin_by_username(&state.db.conn, &username)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let admin = admin.with_context(|| format!("no back-office user {username}"))?;
            let tx = state.db.begin().await?;
            accounts::bind_certificate(&*tx, now, admin.id, Some(&fp))
                .await
                .map_err(|e| anyhow::anyhow!("binding: {e:?}"))?;
            audit_admin_change(&*tx, now, "cert_bind", admin.id, fp.clone()).await?;
            tx.commit().await?;
            println!("bound certificate {fp} to {username}");
            Ok(())
        }
    }
}

/// Writes `ca.pem`, `server.pem`/`server.key` (localhost, 127.0.0.1) and `client.pem`/`client.key`.
pub fn dev_certs(out: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let set = crate::tools::devcerts::DevCerts::generate("zhicheng-admin")?;
    let write = |name: &str, body: &str| -> anyhow::Result<()> {
        let path = out.join(name);
        std::fs::write(&path, body).with_context(|| format!("writing {}", path.display()))
    };
    write("ca.pem", &set.ca_pem)?;
    write("server.pem", &set.server_pem)?;
    write("server.key", &set.server_key)?;
    write("client.pem", &set.client_pem)?;
    write("client.key", &set.client_key)?;
    write("crl.pem", &set.crl(&[])?)?;
    println!(
        "wrote ca.pem, crl.pem (revokes nothing), server.pem, server.key, client.pem, client.key to {}",
        out.display()
    );
    println!("client certificate SHA-256: {}", set.client_fingerprint);
    println!(
        "bind it with: zhicheng admin bind-cert --username NAME --cert {}",
        out.join("client.pem").display()
    );
    Ok(())
}
