//! The one error type of the application. Handlers turn it into a page or a JSON body (see `web::error`).

use crate::domain::account::FieldErrors;
use crate::messages::Msg;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The object does not exist or is not the caller's (never say which).
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// The form token was missing or wrong (a stale page or a forged request).
    #[error("csrf token mismatch")]
    Csrf,
    /// Bad input, field by field.
    #[error("validation failed")]
    Validation(FieldErrors),
    /// The request conflicts with the current state (duplicate, already handled, locked …).
    #[error("conflict: {}", .0.code())]
    Conflict(Msg),
    #[error("request body too large")]
    TooLarge,
    #[error("too many requests")]
    TooManyRequests,
    /// Not logged in, or the session ended.
    #[error("unauthenticated")]
    Unauthenticated,
    /// Logged in with a one-time password that must be replaced first.
    #[error("password change required")]
    PasswordChangeRequired,
    /// Refused with a status of its own and a message (the API's token and request checks).
    #[error("refused with status {0}")]
    Status(u16, Msg),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        if contended(&e) {
            tracing::warn!(error = %e, "a write lost a lock contest and was rolled back");
            return AppError::Conflict(Msg::Contended);
        }
        AppError::Unexpected(anyhow::Error::new(e).context("database"))
    }
}

/// Whether the database rolled the statement back because of concurrent writers (and a new
/// attempt may succeed): a deadlock or serialization failure (SQLSTATE class 40, every
/// database), InnoDB's lock wait timeout (1205), SQLite's busy or locked database.
pub fn contended(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    let (DbErr::Exec(RuntimeErr::SqlxError(se))
    | DbErr::Query(RuntimeErr::SqlxError(se))
    | DbErr::Conn(RuntimeErr::SqlxError(se))) = e
    else {
        return false;
    };
    let Some(db) = se.as_database_error() else {
        return false;
    };
    let code = db.code().unwrap_or_default();
    // A five-character SQLSTATE; SQLite's numeric codes are shorter.
    (code.len() == 5 && code.starts_with("40"))
        || match code.as_ref() {
            // SQLite: SQLITE_BUSY and SQLITE_LOCKED with their extended codes.
            "5" | "6" | "261" | "262" | "517" => true,
            _ => db.message().contains("Lock wait timeout exceeded"),
        }
}

impl AppError {
    pub fn field(field: &'static str, msg: Msg) -> Self {
        let mut errs = FieldErrors::default();
        errs.add(field, msg);
        AppError::Validation(errs)
    }
}
