//! The 转入表 as a PDF, typeset by typst with a CJK font found on the system or configured.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Serialize;
use typst::foundations::{Dict, IntoValue};
use typst_as_lib::TypstEngine;
use typst_layout::PagedDocument;

const TEMPLATE: &str = include_str!("../../../templates/pdf/transfer.typ");

/// Where CJK fonts usually are on Debian-like systems, tried in order.
pub const DEFAULT_FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
];

/// A ready typesetter, or why there is none (told to the operator at start and on use).
pub struct Renderer {
    engine: Result<TypstEngine<typst_as_lib::TypstTemplateMainFile>, String>,
    recent: Mutex<Recent>,
}

/// Forms typeset in the last minute, by a digest of everything printed on them (the printing
/// minute included): the same facts make the same bytes, so a second download within the
/// minute is not typeset again. Bounded in time and number: these hold ID numbers.
#[derive(Default)]
struct Recent(HashMap<[u8; 32], (Instant, Arc<[u8]>)>);

/// How long a typeset form is kept, and how many at most.
const RECENT_FOR: Duration = Duration::from_secs(60);
const RECENT_MAX: usize = 64;

impl Recent {
    fn get(&mut self, key: &[u8; 32], now: Instant) -> Option<Arc<[u8]>> {
        self.0
            .retain(|_, (at, _)| now.duration_since(*at) < RECENT_FOR);
        self.0.get(key).map(|(_, pdf)| pdf.clone())
    }

    fn put(&mut self, key: [u8; 32], pdf: Arc<[u8]>, now: Instant) {
        if self.0.len() >= RECENT_MAX {
            self.0.clear();
        }
        self.0.insert(key, (now, pdf));
    }
}

/// The key of a form in [`Recent`]: the digest of its JSON, the text the template reads.
fn digest(json: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(json).into()
}

/// One review step on the form.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub unit: String,
    pub action: String,
    pub opinion: String,
    pub date: String,
}

/// Everything printed on a 转入表.
#[derive(Debug, Clone, Serialize)]
pub struct TransferForm {
    pub serial: String,
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub id_number: String,
    pub original_title: String,
    pub original_series: String,
    pub original_level: String,
    pub original_issuer: String,
    pub original_region: String,
    pub original_date: String,
    pub original_certificate: String,
    pub original_approval: String,
    pub series: String,
    pub level: String,
    pub title: String,
    pub specialty: String,
    pub declare_unit: String,
    pub work_unit: String,
    pub steps: Vec<Step>,
    pub final_unit: String,
    pub final_date: String,
    pub verify_url: String,
    pub printed: String,
}

impl Renderer {
    /// Loads the first font file that exists among `configured` then the defaults.
    pub fn new(configured: &[PathBuf]) -> Self {
        match load_font(configured) {
            Ok((path, bytes)) => {
                tracing::info!(font = %path.display(), "转入表 font loaded");
                let engine = TypstEngine::builder()
                    .main_file(TEMPLATE)
                    .fonts([bytes.as_slice()])
                    .build();
                Renderer {
                    engine: Ok(engine),
                    recent: Mutex::default(),
                }
            }
            Err(e) => {
                tracing::error!(
                    "no CJK font for the 转入表: {e:#}. Install fonts-wqy-microhei or set ZHICHENG_PDF_FONT to a .ttf/.ttc/.otf file"
                );
                Renderer {
                    engine: Err(format!("{e:#}")),
                    recent: Mutex::default(),
                }
            }
        }
    }

    pub fn is_ready(&self) -> bool {
        self.engine.is_ok()
    }

    /// The PDF of `form` if the same form was typeset within the last minute.
    pub fn recent(&self, form: &TransferForm) -> Option<Arc<[u8]>> {
        let json = serde_json::to_string(form).ok()?;
        self.recent.lock().ok()?.get(&digest(&json), Instant::now())
    }

    /// Typesets one form (CPU-heavy: call it through `infra::cpu::run`), and keeps it for
    /// [`Renderer::recent`].
    pub fn render(&self, form: &TransferForm) -> anyhow::Result<Arc<[u8]>> {
        let json = serde_json::to_string(form)?;
        let pdf: Arc<[u8]> = self.typeset(form, &json)?.into();
        if let Ok(mut recent) = self.recent.lock() {
            recent.put(digest(&json), pdf.clone(), Instant::now());
        }
        Ok(pdf)
    }

    /// Typesets `form`, whose JSON the template reads is `json`.
    fn typeset(&self, form: &TransferForm, json: &str) -> anyhow::Result<Vec<u8>> {
        let engine = self
            .engine
            .as_ref()
            .map_err(|e| anyhow::anyhow!("no CJK font available: {e}"))?;
        let qr = qrcode::QrCode::new(form.verify_url.as_bytes())
            .context("encoding the verification QR code")?;
        let svg = qr
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build();
        let mut inputs = Dict::new();
        inputs.insert("data".into(), json.into_value());
        inputs.insert("qr".into(), svg.into_value());
        let doc: PagedDocument = engine
            .compile_with_input(inputs)
            .output
            .map_err(|e| anyhow::anyhow!("typesetting the 转入表: {e:?}"))?;
        typst_pdf::pdf(&doc, &Default::default())
            .map_err(|e| anyhow::anyhow!("writing the PDF: {e:?}"))
    }
}

fn load_font(configured: &[PathBuf]) -> anyhow::Result<(PathBuf, Vec<u8>)> {
    let candidates: Vec<PathBuf> = configured
        .iter()
        .cloned()
        .chain(DEFAULT_FONTS.iter().map(PathBuf::from))
        .collect();
    for p in &candidates {
        if Path::new(p).is_file() {
            let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            return Ok((p.clone(), bytes));
        }
    }
    bail!(
        "none of these font files exists: {}",
        candidates
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::{RECENT_FOR, RECENT_MAX, Recent};

    #[test]
    fn a_typeset_form_is_kept_a_minute_and_the_number_kept_is_bounded() {
        let t0 = Instant::now();
        let pdf: Arc<[u8]> = Arc::from(&b"%PDF-1.7"[..]);
        let mut recent = Recent::default();
        recent.put([1; 32], pdf.clone(), t0);
        assert_eq!(
            recent.get(&[1; 32], t0 + Duration::from_secs(59)),
            Some(pdf.clone())
        );
        assert_eq!(
            recent.get(&[2; 32], t0),
            None,
            "another form is not this one"
        );
        assert_eq!(
            recent.get(&[1; 32], t0 + RECENT_FOR),
            None,
            "kept a minute only"
        );
        assert!(
            recent.0.is_empty(),
            "expired forms are dropped, not only hidden"
        );
        for i in 0..=RECENT_MAX {
            recent.put([i as u8; 32], pdf.clone(), t0);
        }
        assert!(recent.0.len() <= RECENT_MAX);
    }
}
