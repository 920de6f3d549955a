//! `persons`: individual applicants. The ID number is stored only encrypted, hashed and masked.

use sea_orm::entity::prelude::*;

account_entity!("persons" {
    pub name: String,
    pub id_cipher: String,
    pub id_hash: String,
    pub id_masked: String,
    pub sex: String,
    pub birth_date: String,
    pub phone_cipher: String,
    pub phone_masked: String,
});
