//! `units`: employers and competent departments.

use sea_orm::entity::prelude::*;

account_entity!("units" {
    pub name: String,
    pub credit_code: String,
    pub region_code: String,
    pub contact_name: String,
    pub contact_phone_cipher: String,
    pub contact_phone_masked: String,
});
