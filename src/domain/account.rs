//! Registration and password commands, parsed from raw form input.

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};
use time::Date;

use super::ids::{CitizenId, CreditCode, IdError, Phone};
use super::password::{PasswordContext, PasswordError, check_new_password};
use crate::messages::Msg;

/// Messages per form field, in the order the form shows them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<&'static str, Msg>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, msg: Msg) {
        self.0.entry(field).or_insert(msg);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.get(field).map(|m| m.text())
    }
    /// The parsed value, or `None` with its message recorded on `field`.
    pub fn check<T>(&mut self, field: &'static str, parsed: Result<T, Msg>) -> Option<T> {
        parsed.map_err(|m| self.add(field, m)).ok()
    }
    /// `Ok(value)` when no field failed.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

pub fn citizen_msg(e: IdError) -> Msg {
    match e {
        IdError::Empty => Msg::Required,
        IdError::Length => Msg::IdLength,
        IdError::Charset => Msg::IdCharset,
        IdError::CheckDigit => Msg::IdCheckDigit,
        IdError::BirthDate => Msg::IdBirthDate,
        IdError::Region => Msg::IdRegion,
    }
}

pub fn credit_msg(e: IdError) -> Msg {
    match e {
        IdError::Empty => Msg::Required,
        IdError::Length => Msg::CreditLength,
        IdError::Charset | IdError::Region | IdError::BirthDate => Msg::CreditCharset,
        IdError::CheckDigit => Msg::CreditCheckDigit,
    }
}

pub fn phone_msg(e: IdError) -> Msg {
    match e {
        IdError::Empty => Msg::Required,
        _ => Msg::PhoneInvalid,
    }
}

pub fn password_msg(e: PasswordError) -> Msg {
    match e {
        PasswordError::TooShort => Msg::PasswordTooShort,
        PasswordError::TooLong => Msg::PasswordTooLong,
        PasswordError::TooFewClasses => Msg::PasswordClasses,
        PasswordError::Common => Msg::PasswordCommon,
        PasswordError::ContainsPersonalData => Msg::PasswordPersonal,
        PasswordError::ContainsContextWord => Msg::PasswordContext,
        PasswordError::Mismatch => Msg::PasswordMismatch,
    }
}

/// A person's name: 1–30 characters of letters (any script), spaces and the middle dot.
pub fn parse_person_name(raw: &str) -> Result<String, Msg> {
    let canonical = super::text::canonical_name(raw);
    let s = canonical.trim();
    if s.is_empty() {
        return Err(Msg::Required);
    }
    let ok = s.chars().count() <= 30
        && s.chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '·' || c == '•');
    if ok {
        Ok(s.to_owned())
    } else {
        Err(Msg::NameInvalid)
    }
}

/// A unit's name: 2–100 printable characters in canonical form (look-alikes equal), inner
/// whitespace collapsed. Brackets are the full-width ones a registered Chinese name uses, so
/// 公司(分公司) and 公司（分公司） are one name.
pub fn parse_unit_name(raw: &str) -> Result<String, Msg> {
    let s = super::text::canonical_name(raw)
        .replace('(', "（")
        .replace(')', "）")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if s.is_empty() {
        return Err(Msg::Required);
    }
    let n = s.chars().count();
    if !(2..=100).contains(&n) || s.chars().any(char::is_control) {
        return Err(Msg::UnitNameInvalid);
    }
    Ok(s)
}

/// A bounded free-text field; `max` in characters.
pub fn parse_text(raw: &str, max: usize, required: bool) -> Result<String, Msg> {
    let s = raw.trim();
    if s.is_empty() && required {
        return Err(Msg::Required);
    }
    if s.chars().count() > max {
        return Err(Msg::TooLong);
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Msg::BadRequest);
    }
    Ok(s.to_owned())
}

/// Raw 个人注册 input, as typed.
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct PersonForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password2: String,
}

/// A valid person registration.
#[derive(Debug)]
pub struct NewPerson {
    pub name: String,
    pub id: CitizenId,
    pub phone: Phone,
    pub password: SecretString,
}

impl PersonForm {
    pub fn parse(&self, today: Date) -> Result<NewPerson, FieldErrors> {
        let mut errs = FieldErrors::default();
        let name = errs.check("name", parse_person_name(&self.name));
        let id = errs.check(
            "id_number",
            CitizenId::parse(&self.id_number, today).map_err(citizen_msg),
        );
        let phone = errs.check("phone", Phone::parse(&self.phone).map_err(phone_msg));
        let ctx = PasswordContext {
            id_number: id.as_ref().map(|i| i.as_str()),
            birth_digits: id.as_ref().map(|i| i.birth_digits()),
            ..Default::default()
        };
        check_password_fields(&mut errs, &self.password, &self.password2, &ctx);
        match (name, id, phone) {
            (Some(name), Some(id), Some(phone)) if errs.is_empty() => Ok(NewPerson {
                name,
                id,
                phone,
                password: SecretString::from(self.password.clone()),
            }),
            _ => Err(errs),
        }
    }
}

/// Raw 单位注册 input, as typed: `region` is a code of `/rsrc/api/v1/dict/regions`.
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct UnitForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password2: String,
}

/// A valid unit registration; `region` still has to be checked against the dictionary.
#[derive(Debug)]
pub struct NewUnit {
    pub name: String,
    pub credit_code: CreditCode,
    pub region: String,
    pub contact: String,
    pub contact_phone: Phone,
    pub password: SecretString,
}

impl UnitForm {
    pub fn parse(&self, known_region: impl Fn(&str) -> bool) -> Result<NewUnit, FieldErrors> {
        let mut errs = FieldErrors::default();
        let name = errs.check("name", parse_unit_name(&self.name));
        let code = errs.check(
            "credit_code",
            CreditCode::parse(&self.credit_code).map_err(credit_msg),
        );
        if !known_region(self.region.trim()) {
            errs.add("region", Msg::RegionUnknown);
        }
        let contact = errs.check("contact", parse_person_name(&self.contact));
        let phone = errs.check(
            "contact_phone",
            Phone::parse(&self.contact_phone).map_err(phone_msg),
        );
        let ctx = PasswordContext {
            credit_code: code.as_ref().map(|c| c.as_str()),
            ..Default::default()
        };
        check_password_fields(&mut errs, &self.password, &self.password2, &ctx);
        match (name, code, contact, phone) {
            (Some(name), Some(credit_code), Some(contact), Some(contact_phone))
                if errs.is_empty() =>
            {
                Ok(NewUnit {
                    name,
                    credit_code,
                    region: self.region.trim().to_owned(),
                    contact,
                    contact_phone,
                    password: SecretString::from(self.password.clone()),
                })
            }
            _ => Err(errs),
        }
    }
}

/// Checks a new password and its repetition, recording a problem on the field it belongs
/// to: a mismatch on the repetition (`password2`), anything else on `password`.
fn check_password_fields(
    errs: &mut FieldErrors,
    password: &str,
    repeat: &str,
    ctx: &PasswordContext<'_>,
) {
    if let Err(e) = check_new_password(password, repeat, ctx) {
        let field = if e == PasswordError::Mismatch {
            "password2"
        } else {
            "password"
        };
        errs.add(field, password_msg(e));
    }
}

/// Checks a replacement password for an account with the given personal context.
pub fn parse_new_password(
    password: &str,
    repeat: &str,
    ctx: &PasswordContext<'_>,
) -> Result<SecretString, FieldErrors> {
    let mut errs = FieldErrors::default();
    check_password_fields(&mut errs, password, repeat, ctx);
    errs.finish(|| SecretString::from(password.to_owned()))
}

/// Keeps `ExposeSecret` in scope for callers hashing the password.
pub fn expose(p: &SecretString) -> &str {
    p.expose_secret()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn person_form_reports_every_bad_field() {
        let form = PersonForm {
            id_number: "370102199001011234".into(),
            password: "short".into(),
            ..Default::default()
        };
        let errs = form.parse(date!(2026 - 11 - 26)).unwrap_err();
        assert_eq!(errs.0.get("name"), Some(&Msg::Required));
        assert_eq!(errs.0.get("id_number"), Some(&Msg::IdCheckDigit));
        assert_eq!(errs.0.get("phone"), Some(&Msg::Required));
        assert_eq!(errs.0.get("password"), Some(&Msg::PasswordTooShort));
    }

    #[test]
    fn names() {
        assert!(parse_person_name("张三").is_ok());
        assert!(parse_person_name("阿依古丽·买买提").is_ok());
        assert_eq!(parse_person_name("<script>"), Err(Msg::NameInvalid));
        assert_eq!(
            parse_unit_name("  山东   大学 "),
            Ok("山东 大学".to_owned())
        );
        assert_eq!(parse_unit_name("山"), Err(Msg::UnitNameInvalid));
    }
}
