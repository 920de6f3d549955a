//! Settings: built-in defaults, then an optional `zhicheng.toml`, then `ZHICHENG_*` variables.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use secrecy::SecretString;
use serde::Deserialize;

pub use crate::infra::files::{FilesBackend, S3Settings};

/// Local development (keys generated on disk, test switches allowed) or production.
/// How long audit entries stay in the live table before archiving (days).
const AUDIT_RETENTION_DAYS: u32 = 190;
/// Back-office accounts without a login for this long are disabled (days).
const INACTIVE_DAYS: u32 = 90;
/// SQLite maps at most 2 GiB less 64 KiB of a file unless built otherwise.
const MAX_MMAP_MIB: u32 = 2047;
/// How often a node checks whether another changed the dictionaries.
const DICT_CHECK: std::time::Duration = std::time::Duration::from_secs(10);
/// The largest form body (uploads have their own limit).
const MAX_BODY_BYTES: usize = 64 * 1024;
/// The S3 region when none is set (S3-compatible servers mostly ignore it, but sign with it).
const S3_REGION: &str = "us-east-1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Dev,
    Prod,
}

/// The UKEY listener: TLS that demands a client certificate issued by `client_ca`.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    pub listen: SocketAddr,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub client_ca: PathBuf,
    /// Certificate revocation lists (PEM) from that CA; a revoked UKEY fails the handshake.
    pub crls: Vec<PathBuf>,
}

#[derive(Clone)]
pub struct Settings {
    pub mode: Mode,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub front_listen: SocketAddr,
    pub back_listen: SocketAddr,
    pub back_tls: Option<TlsSettings>,
    /// Base64 of 32 random bytes; every other key is derived from it.
    pub master_key: Option<SecretString>,
    pub captcha: bool,
    pub cookie_secure: bool,
    pub log_json: bool,
    pub audit_retention_days: u32,
    pub max_body_bytes: usize,
    /// The front site's public address, printed in the 转入表's QR code.
    pub public_url: String,
    /// CJK font files for the 转入表, tried before the system's usual places.
    pub pdf_fonts: Vec<PathBuf>,
    /// Back-office accounts unused this many days are disabled.
    pub inactive_days: u32,
    /// Networks the back office answers; empty means any (development only).
    pub back_allow: Vec<Network>,
    /// Proxies whose `X-Forwarded-For` names the client (`ZHICHENG_TRUSTED_PROXIES`); empty
    /// (the default) means none: the client is the connection's peer. Behind a proxy the
    /// per-address limits and the audit otherwise see one address for everyone.
    pub trusted_proxies: Vec<Network>,
    /// Multiplies every rate limit's budget (`ZHICHENG_RATE_LIMIT_SCALE`, default 1). Only
    /// for load tests from a few addresses and accounts (`bench/http.sh`); never in service.
    pub rate_limit_scale: u32,
    /// How much of a SQLite database file the server maps into memory and reads in place
    /// (`ZHICHENG_SQLITE_MMAP_MIB`, default 0: read with system calls into each
    /// connection's page cache). Pages read faster (docs/PERFORMANCE.md, run 9); the mapped
    /// file's pages then count in the process's resident memory.
    pub sqlite_mmap_mib: u32,
    /// Where attachments are stored.
    pub files: FilesBackend,
    /// How often each node checks whether another changed the dictionaries (字典管理).
    /// Not read from the file or the environment: every node reloads within ten seconds,
    /// as the README promises; a test that watches a node reload only when told sets it long.
    pub dict_check: std::time::Duration,
    /// Whether the process runs the five-minute housekeeping (expired sessions, dormant
    /// back-office accounts, orphaned files) itself. Always in service; tests turn it off
    /// and call each part when they mean to, since their clock jumps days between two
    /// statements and a sweep landing in between would take the test's work.
    pub sweep: bool,
}

/// An address block (`10.0.0.0/8`, `192.168.1.7`, `fd00::/8`) the back office is reachable from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    base: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let base: IpAddr = addr
            .parse()
            .map_err(|_| format!("{s:?} is not an address or address/prefix"))?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix must be 0 to {max}"))?,
            None => max,
        };
        Ok(Network { base, prefix })
    }
}

impl Network {
    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.base, ip) {
            (IpAddr::V4(b), IpAddr::V4(i)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(b) & mask == u32::from(i) & mask
            }
            (IpAddr::V6(b), IpAddr::V6(i)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(b) & mask == u128::from(i) & mask
            }
            _ => false,
        }
    }
}

impl Settings {
    /// Whether the back office answers a client at `ip`.
    pub fn back_allows(&self, ip: IpAddr) -> bool {
        self.back_allow.is_empty() || self.back_allow.iter().any(|n| n.contains(ip))
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("mode", &self.mode)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("front_listen", &self.front_listen)
            .field("back_listen", &self.back_listen)
            .field("back_tls", &self.back_tls)
            .field("master_key", &self.master_key.as_ref().map(|_| "[set]"))
            .field("captcha", &self.captcha)
            .field("cookie_secure", &self.cookie_secure)
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

/// Hides a password inside a database URL.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The shape of `zhicheng.toml`; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    env: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    front_listen: Option<String>,
    back_listen: Option<String>,
    back_tls_listen: Option<String>,
    back_tls_cert: Option<PathBuf>,
    back_tls_key: Option<PathBuf>,
    back_tls_client_ca: Option<PathBuf>,
    back_tls_crl: Option<String>,
    master_key: Option<String>,
    captcha: Option<String>,
    cookie_secure: Option<bool>,
    log_format: Option<String>,
    audit_retention_days: Option<u32>,
    inactive_days: Option<u32>,
    sqlite_mmap_mib: Option<u32>,
    public_url: Option<String>,
    pdf_font: Option<PathBuf>,
    back_allow: Option<String>,
    trusted_proxies: Option<String>,
    files_backend: Option<String>,
    s3_bucket: Option<String>,
    s3_endpoint: Option<String>,
    s3_region: Option<String>,
    s3_prefix: Option<String>,
    s3_access_key_id: Option<String>,
    s3_secret_access_key: Option<String>,
}

impl Settings {
    /// Reads the file named by `ZHICHENG_CONFIG` (or `./zhicheng.toml` if present) and the environment.
    pub fn load() -> anyhow::Result<Self> {
        let path = std::env::var("ZHICHENG_CONFIG").map(PathBuf::from).ok();
        let file = match &path {
            Some(p) => Some(read_file(p)?),
            None if Path::new("zhicheng.toml").exists() => {
                Some(read_file(Path::new("zhicheng.toml"))?)
            }
            None => None,
        };
        Self::from_sources(file.unwrap_or_default(), |k| std::env::var(k).ok())
    }

    /// Builds settings from a file plus a variable lookup (tests pass a map).
    fn from_sources(
        file: FileSettings,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let pick = |var: &str, from_file: Option<String>| env(var).or(from_file);
        let mode = match pick("ZHICHENG_ENV", file.env).as_deref() {
            None | Some("dev") | Some("local") => Mode::Dev,
            Some("prod") | Some("production") => Mode::Prod,
            Some(other) => bail!("ZHICHENG_ENV must be dev or prod, not {other:?}"),
        };
        let data_dir = pick(
            "ZHICHENG_DATA_DIR",
            file.data_dir.map(|p| p.display().to_string()),
        )
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("data"));
        let database_url = pick("ZHICHENG_DATABASE_URL", file.database_url).unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("zhicheng.db").display()
            )
        });
        let addr = |var: &str, v: Option<String>, default: &str| -> anyhow::Result<SocketAddr> {
            let s = pick(var, v).unwrap_or_else(|| default.to_owned());
            s.parse()
                .with_context(|| format!("{var} must be an address like 127.0.0.1:9000, not {s:?}"))
        };
        let front_listen = addr("ZHICHENG_FRONT_LISTEN", file.front_listen, "127.0.0.1:9000")?;
        let back_listen = addr("ZHICHENG_BACK_LISTEN", file.back_listen, "127.0.0.1:8002")?;
        let tls_listen = pick("ZHICHENG_BACK_TLS_LISTEN", file.back_tls_listen);
        let back_tls = match tls_listen {
            None => None,
            Some(listen) => {
                let path = |var: &str, v: Option<PathBuf>| -> anyhow::Result<PathBuf> {
                    pick(var, v.map(|p| p.display().to_string()))
                        .map(PathBuf::from)
                        .with_context(|| {
                            format!("ZHICHENG_BACK_TLS_LISTEN is set, so {var} must be set too")
                        })
                };
                Some(TlsSettings {
                    listen: listen.parse().with_context(|| {
                        format!("ZHICHENG_BACK_TLS_LISTEN must be an address, not {listen:?}")
                    })?,
                    cert: path("ZHICHENG_BACK_TLS_CERT", file.back_tls_cert)?,
                    key: path("ZHICHENG_BACK_TLS_KEY", file.back_tls_key)?,
                    client_ca: path("ZHICHENG_BACK_TLS_CLIENT_CA", file.back_tls_client_ca)?,
                    crls: pick("ZHICHENG_BACK_TLS_CRL", file.back_tls_crl)
                        .unwrap_or_default()
                        .split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(PathBuf::from)
                        .collect(),
                })
            }
        };
        let captcha = match pick("ZHICHENG_CAPTCHA", file.captcha).as_deref() {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => bail!("ZHICHENG_CAPTCHA must be on or off, not {other:?}"),
        };
        let cookie_secure = match env("ZHICHENG_COOKIE_SECURE") {
            Some(v) => parse_bool("ZHICHENG_COOKIE_SECURE", &v)?,
            None => file.cookie_secure.unwrap_or(mode == Mode::Prod),
        };
        let log_json = match pick("ZHICHENG_LOG_FORMAT", file.log_format).as_deref() {
            None => mode == Mode::Prod,
            Some("json") => true,
            Some("pretty") | Some("text") => false,
            Some(other) => bail!("ZHICHENG_LOG_FORMAT must be json or text, not {other:?}"),
        };
        // A number of days: the variable's text, else the file's number, else `default`.
        let days = |var: &str, from_file: Option<u32>, default: u32| match env(var) {
            Some(v) => v
                .parse()
                .with_context(|| format!("{var} must be a number of days")),
            None => Ok(from_file.unwrap_or(default)),
        };
        let audit_retention_days = days(
            "ZHICHENG_AUDIT_RETENTION_DAYS",
            file.audit_retention_days,
            AUDIT_RETENTION_DAYS,
        )?;
        let public_url = pick("ZHICHENG_PUBLIC_URL", file.public_url)
            .unwrap_or_else(|| format!("http://{front_listen}"))
            .trim_end_matches('/')
            .to_owned();
        let pdf_fonts = pick(
            "ZHICHENG_PDF_FONT",
            file.pdf_font.map(|p| p.display().to_string()),
        )
        .map(PathBuf::from)
        .into_iter()
        .collect();
        let networks =
            |var: &str, from_file: Option<String>| parse_networks(var, pick(var, from_file));
        let back_allow = networks("ZHICHENG_BACK_ALLOW", file.back_allow)?;
        let trusted_proxies = networks("ZHICHENG_TRUSTED_PROXIES", file.trusted_proxies)?;
        let files = files_backend(FilesSources {
            backend: pick("ZHICHENG_FILES_BACKEND", file.files_backend),
            bucket: pick("ZHICHENG_S3_BUCKET", file.s3_bucket),
            endpoint: pick("ZHICHENG_S3_ENDPOINT", file.s3_endpoint),
            region: pick("ZHICHENG_S3_REGION", file.s3_region),
            prefix: pick("ZHICHENG_S3_PREFIX", file.s3_prefix),
            access_key_id: pick("ZHICHENG_S3_ACCESS_KEY_ID", file.s3_access_key_id),
            secret_access_key: pick("ZHICHENG_S3_SECRET_ACCESS_KEY", file.s3_secret_access_key),
        })?;
        let settings = Settings {
            mode,
            data_dir,
            database_url,
            front_listen,
            back_listen,
            back_tls,
            master_key: pick("ZHICHENG_MASTER_KEY", file.master_key).map(SecretString::from),
            captcha,
            cookie_secure,
            log_json,
            audit_retention_days,
            max_body_bytes: MAX_BODY_BYTES,
            public_url,
            pdf_fonts,
            inactive_days: days("ZHICHENG_INACTIVE_DAYS", file.inactive_days, INACTIVE_DAYS)?,
            back_allow,
            trusted_proxies,
            dict_check: DICT_CHECK,
            sweep: true,
            rate_limit_scale: match env("ZHICHENG_RATE_LIMIT_SCALE") {
                Some(v) => v
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=1_000_000).contains(n))
                    .context(
                        "ZHICHENG_RATE_LIMIT_SCALE must be a whole number from 1 to 1000000",
                    )?,
                None => 1,
            },
            sqlite_mmap_mib: match env("ZHICHENG_SQLITE_MMAP_MIB") {
                Some(v) => v.parse::<u32>().ok(),
                None => Some(file.sqlite_mmap_mib.unwrap_or(0)),
            }
            .filter(|n| *n <= MAX_MMAP_MIB)
            .with_context(|| {
                format!("ZHICHENG_SQLITE_MMAP_MIB must be a whole number of MiB from 0 to {MAX_MMAP_MIB}")
            })?,
            files,
        };
        settings.deploy_check()?;
        Ok(settings)
    }

    /// Refuses configurations that are unsafe in production (like Django's `check --deploy`).
    pub fn deploy_check(&self) -> anyhow::Result<()> {
        if self.audit_retention_days < 184 {
            bail!("ZHICHENG_AUDIT_RETENTION_DAYS must be at least 184 (six months)");
        }
        if self.mode != Mode::Prod {
            return Ok(());
        }
        let mut problems = Vec::new();
        if self.master_key.is_none() {
            problems.push("set ZHICHENG_MASTER_KEY to the base64 of 32 random bytes (e.g. `openssl rand -base64 32`), kept outside the database");
        }
        if !self.captcha {
            problems.push("ZHICHENG_CAPTCHA=off is a test-only switch; remove it");
        }
        if !self.cookie_secure {
            problems.push("ZHICHENG_COOKIE_SECURE must not be false in production (serve the site over HTTPS)");
        }
        if self.back_allow.is_empty() {
            problems.push("set ZHICHENG_BACK_ALLOW to the networks the back office may be reached from (e.g. 10.20.0.0/16,127.0.0.1)");
        }
        if let FilesBackend::S3(s3) = &self.files
            && s3.endpoint.as_deref().is_some_and(plain_http_off_host)
        {
            problems.push("ZHICHENG_S3_ENDPOINT must be https:// in production (attachments hold personal documents); plain http:// only to 127.0.0.1 or localhost");
        }
        if !problems.is_empty() {
            bail!(
                "refusing to start in production mode:\n  - {}",
                problems.join("\n  - ")
            );
        }
        Ok(())
    }

    /// Whether log lines are JSON, by the same layering as every setting (`log_format` in
    /// the file, `ZHICHENG_LOG_FORMAT`, JSON by default in production). Logging starts before
    /// the command runs, so settings that do not load yet fall back to the variables alone;
    /// the command itself then reports what is wrong with them.
    pub fn log_json_early() -> bool {
        Self::load().map_or_else(
            |_| {
                let var = |k: &str| std::env::var(k).ok();
                match var("ZHICHENG_LOG_FORMAT").as_deref() {
                    Some(f) => f == "json",
                    None => matches!(var("ZHICHENG_ENV").as_deref(), Some("prod" | "production")),
                }
            },
            |s| s.log_json,
        )
    }

    /// Settings for tests: dev mode, captcha as given, the database URL given.
    pub fn for_tests(data_dir: PathBuf, database_url: String) -> Self {
        Settings {
            mode: Mode::Dev,
            data_dir,
            database_url,
            front_listen: "127.0.0.1:0".parse().expect("literal"),
            back_listen: "127.0.0.1:0".parse().expect("literal"),
            back_tls: None,
            master_key: None,
            captcha: true,
            cookie_secure: false,
            log_json: false,
            audit_retention_days: AUDIT_RETENTION_DAYS,
            max_body_bytes: MAX_BODY_BYTES,
            public_url: "http://127.0.0.1:9000".into(),
            pdf_fonts: Vec::new(),
            inactive_days: INACTIVE_DAYS,
            back_allow: Vec::new(),
            trusted_proxies: Vec::new(),
            rate_limit_scale: 1,
            sqlite_mmap_mib: 0,
            files: FilesBackend::Local,
            dict_check: DICT_CHECK,
            sweep: false,
        }
    }
}

/// The `ZHICHENG_FILES_BACKEND` and `ZHICHENG_S3_*` values, each from the variable or the file.
struct FilesSources {
    backend: Option<String>,
    bucket: Option<String>,
    endpoint: Option<String>,
    region: Option<String>,
    prefix: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
}

fn files_backend(v: FilesSources) -> anyhow::Result<FilesBackend> {
    let given = |x: &Option<String>| x.as_deref().is_some_and(|s| !s.trim().is_empty());
    match v.backend.as_deref() {
        None | Some("local") => {
            let stray = [
                ("ZHICHENG_S3_BUCKET", &v.bucket),
                ("ZHICHENG_S3_ENDPOINT", &v.endpoint),
                ("ZHICHENG_S3_PREFIX", &v.prefix),
                ("ZHICHENG_S3_ACCESS_KEY_ID", &v.access_key_id),
                ("ZHICHENG_S3_SECRET_ACCESS_KEY", &v.secret_access_key),
            ];
            if let Some((name, _)) = stray.iter().find(|(_, x)| given(x)) {
                bail!(
                    "{name} is set but attachments are stored locally: set ZHICHENG_FILES_BACKEND=s3 to use the bucket, or remove {name}"
                );
            }
            Ok(FilesBackend::Local)
        }
        Some("s3") => {
            let required = |name: &str, x: Option<String>| -> anyhow::Result<String> {
                x.map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .with_context(|| format!("ZHICHENG_FILES_BACKEND=s3 needs {name}"))
            };
            let bucket = required("ZHICHENG_S3_BUCKET", v.bucket)?;
            let endpoint = v
                .endpoint
                .map(|e| e.trim().trim_end_matches('/').to_owned())
                .filter(|e| !e.is_empty());
            if let Some(e) = &endpoint
                && !(e.starts_with("http://") || e.starts_with("https://"))
            {
                bail!("ZHICHENG_S3_ENDPOINT must start with http:// or https://, not {e:?}");
            }
            let prefix = v.prefix.unwrap_or_default();
            let prefix = prefix.trim().trim_matches('/').to_owned();
            if !prefix.is_empty()
                && prefix
                    .split('/')
                    .any(|part| crate::infra::files::check_key(part).is_err())
            {
                bail!(
                    "ZHICHENG_S3_PREFIX must be names of letters, digits, '-' and '.' separated by '/', not {prefix:?}"
                );
            }
            Ok(FilesBackend::S3(S3Settings {
                bucket,
                endpoint,
                region: v
                    .region
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty())
                    .unwrap_or_else(|| S3_REGION.to_owned()),
                prefix,
                access_key_id: required("ZHICHENG_S3_ACCESS_KEY_ID", v.access_key_id)?.into(),
                secret_access_key: required("ZHICHENG_S3_SECRET_ACCESS_KEY", v.secret_access_key)?
                    .into(),
            }))
        }
        Some(other) => bail!("ZHICHENG_FILES_BACKEND must be local or s3, not {other:?}"),
    }
}

/// An `http://` endpoint on another machine: bytes and metadata would cross a network in clear.
fn plain_http_off_host(endpoint: &str) -> bool {
    let Some(rest) = endpoint.strip_prefix("http://") else {
        return false;
    };
    let host_port = rest.split('/').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    !(host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()))
}

/// A list of networks, separated by commas or spaces, that `var` gave; none when unset.
fn parse_networks(var: &str, list: Option<String>) -> anyhow::Result<Vec<Network>> {
    list.unwrap_or_default()
        .split([',', ' '])
        .filter(|p| !p.trim().is_empty())
        .map(|p| p.parse::<Network>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("{var}: {e}"))
}

fn parse_bool(var: &str, v: &str) -> anyhow::Result<bool> {
    match v {
        "1" | "true" | "on" | "yes" => Ok(true),
        "0" | "false" | "off" | "no" => Ok(false),
        _ => bail!("{var} must be true or false, not {v:?}"),
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        Settings::from_sources(FileSettings::default(), |k| map.get(k).cloned())
    }

    #[test]
    fn the_sqlite_map_is_off_unless_set_and_within_what_sqlite_maps() {
        assert_eq!(load(&[]).unwrap().sqlite_mmap_mib, 0);
        let s = load(&[("ZHICHENG_SQLITE_MMAP_MIB", "1024")]).unwrap();
        assert_eq!(s.sqlite_mmap_mib, 1024);
        let file = FileSettings {
            sqlite_mmap_mib: Some(256),
            ..FileSettings::default()
        };
        let s = Settings::from_sources(file, |_| None).unwrap();
        assert_eq!(s.sqlite_mmap_mib, 256);
        for bad in ["2048", "-1", "1G", ""] {
            let err = load(&[("ZHICHENG_SQLITE_MMAP_MIB", bad)])
                .err()
                .unwrap_or_else(|| panic!("{bad:?} was taken"));
            assert!(err.to_string().contains("0 to 2047"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn the_file_sets_the_log_format_and_inactive_days_under_the_variables() {
        let file = || FileSettings {
            log_format: Some("json".into()),
            inactive_days: Some(30),
            ..FileSettings::default()
        };
        let s = Settings::from_sources(file(), |_| None).unwrap();
        assert!(s.log_json);
        assert_eq!(s.inactive_days, 30);
        let s = Settings::from_sources(file(), |k| match k {
            "ZHICHENG_LOG_FORMAT" => Some("text".into()),
            "ZHICHENG_INACTIVE_DAYS" => Some("7".into()),
            _ => None,
        })
        .unwrap();
        assert!(!s.log_json);
        assert_eq!(s.inactive_days, 7);
        let d = load(&[]).unwrap();
        assert_eq!((d.inactive_days, d.log_json), (INACTIVE_DAYS, false));
    }

    #[test]
    fn defaults_are_local() {
        let s = load(&[]).unwrap();
        assert_eq!(s.mode, Mode::Dev);
        assert_eq!(s.front_listen.port(), 9000);
        assert_eq!(s.back_listen.port(), 8002);
        assert!(s.database_url.starts_with("sqlite://data/zhicheng.db"));
    }

    #[test]
    fn production_refuses_missing_key_and_test_switches() {
        let err = load(&[("ZHICHENG_ENV", "prod"), ("ZHICHENG_CAPTCHA", "off")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("ZHICHENG_MASTER_KEY"), "{err}");
        assert!(err.contains("ZHICHENG_CAPTCHA=off"), "{err}");
        assert!(err.contains("ZHICHENG_BACK_ALLOW"), "{err}");
        let ok = load(&[
            ("ZHICHENG_ENV", "prod"),
            ("ZHICHENG_MASTER_KEY", "x"),
            ("ZHICHENG_BACK_ALLOW", "10.20.0.0/16, 127.0.0.1"),
        ])
        .unwrap();
        assert!(ok.cookie_secure);
        assert_eq!(ok.back_allow.len(), 2);
    }

    #[test]
    fn back_office_networks() {
        let n = |s: &str| s.parse::<Network>().unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(n("10.20.0.0/16").contains(ip("10.20.255.1")));
        assert!(!n("10.20.0.0/16").contains(ip("10.21.0.1")));
        assert!(n("10.20.0.0/16").contains(ip("::ffff:10.20.3.4")));
        assert!(n("127.0.0.1").contains(ip("127.0.0.1")));
        assert!(!n("127.0.0.1").contains(ip("127.0.0.2")));
        assert!(n("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert!(n("fd00::/8").contains(ip("fd12::1")));
        assert!(!n("fd00::/8").contains(ip("10.0.0.1")));
        for bad in ["10.0.0.0/33", "10.0.0", "fd00::/129", "x/8", ""] {
            assert!(bad.parse::<Network>().is_err(), "{bad}");
        }
        let err = load(&[("ZHICHENG_BACK_ALLOW", "10.0.0.0/40")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("ZHICHENG_BACK_ALLOW"), "{err}");
        let s = load(&[("ZHICHENG_BACK_ALLOW", "10.0.0.0/8")]).unwrap();
        assert!(s.back_allows(ip("10.1.2.3")) && !s.back_allows(ip("192.168.0.1")));
        assert!(
            load(&[]).unwrap().back_allows(ip("192.168.0.1")),
            "any, in development"
        );
    }

    #[test]
    fn attachments_go_to_s3_only_when_fully_configured() {
        assert!(matches!(load(&[]).unwrap().files, FilesBackend::Local));
        let s3 = [
            ("ZHICHENG_FILES_BACKEND", "s3"),
            ("ZHICHENG_S3_BUCKET", "zc"),
            ("ZHICHENG_S3_ENDPOINT", "http://127.0.0.1:9100/"),
            ("ZHICHENG_S3_PREFIX", "/jinan/prod/"),
            ("ZHICHENG_S3_ACCESS_KEY_ID", "AKID"),
            ("ZHICHENG_S3_SECRET_ACCESS_KEY", "sekret"),
        ];
        let s = load(&s3).unwrap();
        let FilesBackend::S3(c) = &s.files else {
            panic!("not s3")
        };
        assert_eq!(c.bucket, "zc");
        assert_eq!(c.endpoint.as_deref(), Some("http://127.0.0.1:9100"));
        assert_eq!(
            (c.prefix.as_str(), c.region.as_str()),
            ("jinan/prod", S3_REGION)
        );
        let shown = format!("{s:?}");
        assert!(shown.contains("zc") && !shown.contains("sekret") && !shown.contains("AKID"));
        // The file works too, under the variables.
        let file = FileSettings {
            files_backend: Some("s3".into()),
            s3_bucket: Some("from-file".into()),
            s3_region: Some("cn-north-1".into()),
            s3_access_key_id: Some("k".into()),
            s3_secret_access_key: Some("s".into()),
            ..FileSettings::default()
        };
        let s = Settings::from_sources(file, |k| {
            (k == "ZHICHENG_S3_BUCKET").then(|| "from-env".to_owned())
        })
        .unwrap();
        let FilesBackend::S3(c) = &s.files else {
            panic!("not s3")
        };
        assert_eq!(
            (c.bucket.as_str(), c.region.as_str()),
            ("from-env", "cn-north-1")
        );
        assert_eq!((c.endpoint.as_deref(), c.prefix.as_str()), (None, ""));

        let without = |name: &str| {
            let vars: Vec<_> = s3.iter().copied().filter(|(k, _)| *k != name).collect();
            load(&vars).unwrap_err().to_string()
        };
        for name in [
            "ZHICHENG_S3_BUCKET",
            "ZHICHENG_S3_ACCESS_KEY_ID",
            "ZHICHENG_S3_SECRET_ACCESS_KEY",
        ] {
            let err = without(name);
            assert!(err.contains(name) && err.contains("s3"), "{err}");
        }
        let err = without("ZHICHENG_FILES_BACKEND");
        assert!(err.contains("ZHICHENG_FILES_BACKEND=s3"), "{err}");
        let with = |k: &str, v: &str| {
            let mut vars = s3.to_vec();
            vars.retain(|(n, _)| *n != k);
            vars.push((k, v));
            load(&vars)
        };
        assert!(with("ZHICHENG_FILES_BACKEND", "nfs").is_err());
        assert!(with("ZHICHENG_S3_ENDPOINT", "127.0.0.1:9100").is_err());
        for bad in ["a/../b", "a//b", "a_b", ".hidden", "a b"] {
            let err = with("ZHICHENG_S3_PREFIX", bad).unwrap_err().to_string();
            assert!(err.contains("ZHICHENG_S3_PREFIX"), "{bad}: {err}");
        }
        assert!(
            toml::from_str::<FileSettings>("s3_bucket = \"x\"\ns3_bukket = \"y\"").is_err(),
            "unknown keys are refused"
        );
    }

    #[test]
    fn production_wants_an_encrypted_line_to_a_remote_bucket() {
        let prod = |endpoint: &str| {
            load(&[
                ("ZHICHENG_ENV", "prod"),
                ("ZHICHENG_MASTER_KEY", "x"),
                ("ZHICHENG_BACK_ALLOW", "10.0.0.0/8"),
                ("ZHICHENG_FILES_BACKEND", "s3"),
                ("ZHICHENG_S3_BUCKET", "zc"),
                ("ZHICHENG_S3_ENDPOINT", endpoint),
                ("ZHICHENG_S3_ACCESS_KEY_ID", "k"),
                ("ZHICHENG_S3_SECRET_ACCESS_KEY", "s"),
            ])
        };
        let err = prod("http://10.1.2.3:9000").unwrap_err().to_string();
        assert!(err.contains("ZHICHENG_S3_ENDPOINT"), "{err}");
        for ok in [
            "https://s3.example.internal",
            "http://127.0.0.1:9000",
            "http://localhost:9000",
            "http://[::1]:9000",
        ] {
            assert!(prod(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn debug_never_prints_secrets() {
        let s = load(&[
            ("ZHICHENG_MASTER_KEY", "topsecret"),
            ("ZHICHENG_DATABASE_URL", "postgres://u:pw@h/db"),
        ])
        .unwrap();
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("topsecret") && !shown.contains("pw@"),
            "{shown}"
        );
    }
}
