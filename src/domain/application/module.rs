//! The modules of an application and which of them the applicant may edit.

use crate::domain::workflow::State;

/// The parts of an application; each can be failed separately by a reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Module {
    Basic,
    Original,
    Transfer,
    Education,
    Work,
    Attachments,
}

impl Module {
    pub const ALL: [Module; 6] = [
        Module::Basic,
        Module::Original,
        Module::Transfer,
        Module::Education,
        Module::Work,
        Module::Attachments,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Module::Basic => "basic",
            Module::Original => "original",
            Module::Transfer => "transfer",
            Module::Education => "education",
            Module::Work => "work",
            Module::Attachments => "attachments",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Module::Basic => "基本信息",
            Module::Original => "原职称信息",
            Module::Transfer => "调入信息",
            Module::Education => "学历信息",
            Module::Work => "工作经历",
            Module::Attachments => "附件材料",
        }
    }
}

/// Which modules the applicant may change: all in 未提交, the failed ones in 已退回, none otherwise.
pub fn editable(state: State, failed: &[Module], module: Module) -> bool {
    match state {
        State::Draft => true,
        State::Returned => failed.contains(&module),
        State::Pending | State::ToReport | State::Approved => false,
    }
}
