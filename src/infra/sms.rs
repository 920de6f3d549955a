//! Outgoing text messages behind one small interface. The default writes them to the log,
//! so that 找回密码 works without an SMS contract; tests capture them in memory.

use std::sync::Mutex;

pub trait SmsSender: Send + Sync + 'static {
    fn send(&self, phone: &str, text: &str);
}

/// Writes each message to the log under the `zhicheng::infra::sms` target.
pub struct LogSms;

impl SmsSender for LogSms {
    fn send(&self, phone: &str, text: &str) {
        tracing::info!(target: "zhicheng::infra::sms", to = %crate::domain::mask::mask(phone), %text, "SMS (log sender)");
    }
}

/// Keeps messages for tests to read.
#[derive(Default)]
pub struct MemorySms {
    pub sent: Mutex<Vec<(String, String)>>,
}

impl MemorySms {
    /// The newest message sent to `phone`.
    pub fn last_to(&self, phone: &str) -> Option<String> {
        self.sent
            .lock()
            .ok()?
            .iter()
            .rev()
            .find(|(p, _)| p == phone)
            .map(|(_, t)| t.clone())
    }
}

impl SmsSender for MemorySms {
    fn send(&self, phone: &str, text: &str) {
        if let Ok(mut v) = self.sent.lock() {
            v.push((phone.to_owned(), text.to_owned()));
        }
    }
}
