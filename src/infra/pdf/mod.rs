//! The 转入表 as a PDF, typeset by typst with a CJK font found on the system or configured.

use std::path::{Path, PathBuf};

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
                Renderer { engine: Ok(engine) }
            }
            Err(e) => {
                tracing::error!(
                    "no CJK font for the 转入表: {e:#}. Install fonts-wqy-microhei or set ZHICHENG_PDF_FONT to a .ttf/.ttc/.otf file"
                );
                Renderer {
                    engine: Err(format!("{e:#}")),
                }
            }
        }
    }

    pub fn is_ready(&self) -> bool {
        self.engine.is_ok()
    }

    /// Typesets one form.
    pub fn render(&self, form: &TransferForm) -> anyhow::Result<Vec<u8>> {
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
        inputs.insert("data".into(), serde_json::to_string(form)?.into_value());
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
