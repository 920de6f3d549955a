//! Attachment slots and the files they accept.

/// Attachment slots; all but 其他附件 are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    Certificate,
    Approval,
    TransferProof,
    SocialInsurance,
    Diploma,
    Photo,
    Other,
}

impl Slot {
    pub const ALL: [Slot; 7] = [
        Slot::Certificate,
        Slot::Approval,
        Slot::TransferProof,
        Slot::SocialInsurance,
        Slot::Diploma,
        Slot::Photo,
        Slot::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Slot::Certificate => "certificate",
            Slot::Approval => "approval",
            Slot::TransferProof => "transfer_proof",
            Slot::SocialInsurance => "social_insurance",
            Slot::Diploma => "diploma",
            Slot::Photo => "photo",
            Slot::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Slot::Certificate => "原职称证书",
            Slot::Approval => "评审表或批文",
            Slot::TransferProof => "调动证明（调令、商调函或劳动合同）",
            Slot::SocialInsurance => "近六个月社保缴费明细",
            Slot::Diploma => "最高学历证书",
            Slot::Photo => "证件照",
            Slot::Other => "其他附件",
        }
    }

    pub fn required(self) -> bool {
        self != Slot::Other
    }
}

/// Files accepted as attachments, recognised by their first bytes, never by their name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    Gif,
}

impl FileKind {
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileKind::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileKind::Jpeg)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(FileKind::Png)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(FileKind::Gif)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Gif => "image/gif",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::Gif => "gif",
        }
    }
}

pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_FILES_PER_SLOT: usize = 10;

/// A file name safe to store and to offer back: canonical (no hidden bidirectional overrides),
/// no path, no control characters, bounded.
pub fn clean_file_name(raw: &str, kind: FileKind) -> String {
    let canonical = crate::domain::text::canonical_name(raw);
    let base = canonical.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | ':' | '*' | '?'))
        .take(80)
        .collect();
    let stem = cleaned
        .rsplit_once('.')
        .map_or(cleaned.as_str(), |(s, _)| s)
        .trim();
    let stem = if stem.is_empty() { "附件" } else { stem };
    format!("{stem}.{}", kind.extension())
}
