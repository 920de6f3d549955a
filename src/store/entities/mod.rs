//! Table models for the tables the code reads and writes as whole rows.

/// The model of an account table (`persons`, `units`, `admins`): its id, its own columns
/// as given, then the columns every account table shares, as the first migration's
/// `account_columns` creates them: the password, the lockout and the lifecycle.
macro_rules! account_entity {
    ($table:literal { $($(#[$meta:meta])* pub $own:ident: $ty:ty,)* }) => {
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = $table)]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            $($(#[$meta])* pub $own: $ty,)*
            pub password_hash: String,
            pub failed_logins: i32,
            pub locked_until: Option<i64>,
            pub must_change_password: bool,
            pub disabled: bool,
            pub created_at: i64,
            pub updated_at: i64,
            pub last_login_at: Option<i64>,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}

        // In the order of the fields, as `SELECT` lists the columns of `Column::iter()`.
        $crate::store::local::from_cols!(Model =>
            id, $($own,)* password_hash, failed_logins, locked_until, must_change_password,
            disabled, created_at, updated_at, last_login_at
        );

        impl Model {
            /// What a login checks of this account.
            pub fn login_columns(self) -> $crate::store::entities::LoginColumns {
                $crate::store::entities::LoginColumns {
                    id: self.id,
                    password_hash: self.password_hash,
                    failed_logins: self.failed_logins,
                    locked_until: self.locked_until,
                    disabled: self.disabled,
                }
            }
        }
    };
}

/// The columns a login checks, which every account table has.
pub struct LoginColumns {
    pub id: uuid::Uuid,
    pub password_hash: String,
    pub failed_logins: i32,
    pub locked_until: Option<i64>,
    pub disabled: bool,
}

pub mod admin;
pub mod application;
pub mod person;
pub mod session;
pub mod unit;
