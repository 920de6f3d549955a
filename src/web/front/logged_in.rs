//! What every handler of the applicant's and the units' pages starts from: the state, the
//! request context and the logged-in person or unit, taken by one extractor instead of three.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::app::{AppState, Caller, workflow};
use crate::error::{AppError, Result};
use crate::store::audit::Actor;
use crate::store::entities::{application, person, unit};
use crate::web::context::ReqCtx;
use crate::web::page::{Flash, Layout};
use crate::web::session::FrontUser;

/// One side of the front site, picked out of the session's user: a person or a unit.
pub trait Side: Sized {
    fn pick(user: &FrontUser) -> Option<Self>;
}

impl Side for person::Model {
    fn pick(user: &FrontUser) -> Option<Self> {
        match user {
            FrontUser::Person(p) => Some(p.clone()),
            FrontUser::Unit(_) => None,
        }
    }
}

impl Side for unit::Model {
    fn pick(user: &FrontUser) -> Option<Self> {
        match user {
            FrontUser::Unit(u) => Some(u.clone()),
            FrontUser::Person(_) => None,
        }
    }
}

/// Either side: for the pages every person and unit has (账号信息, 修改密码, 站内消息, 选择单位).
impl Side for FrontUser {
    fn pick(user: &FrontUser) -> Option<Self> {
        Some(user.clone())
    }
}

/// A request from a logged-in account of side `A`. The other side gets "not found": the
/// applicant's pages do not exist for a unit, nor the units' pages for a person.
pub struct LoggedIn<A> {
    pub state: AppState,
    pub ctx: ReqCtx,
    /// The person or the unit.
    pub account: A,
    /// The same account as the session knows it (for the page frame and the audit actor).
    pub user: FrontUser,
}

/// A logged-in person, on the applicant's pages.
pub type Person = LoggedIn<person::Model>;

/// A logged-in unit, on the units' pages.
pub type Unit = LoggedIn<unit::Model>;

/// A logged-in person or unit, on the pages both have.
pub type Member = LoggedIn<FrontUser>;

impl<A: Side> FromRequestParts<AppState> for LoggedIn<A> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let ctx = ReqCtx::from_request_parts(parts, state).await?;
        let user = FrontUser::from_request_parts(parts, state).await?;
        let account = A::pick(&user).ok_or(AppError::NotFound)?;
        Ok(LoggedIn {
            state: state.clone(),
            ctx,
            account,
            user,
        })
    }
}

impl<A> LoggedIn<A> {
    /// The caller of a use case: this account, from this client.
    pub fn caller(&self) -> Caller {
        self.ctx.caller(&self.state, &self.user)
    }

    /// This account as the audit log names it.
    pub fn actor(&self) -> Actor {
        self.user.actor(&self.state.dicts())
    }

    /// The frame of a page of this account's menu, with the header bell.
    pub async fn layout(&self, title: &str, active: &str, flash: Option<Flash>) -> Result<Layout> {
        Layout::front_with_bell(&self.state, &self.ctx, &self.user, title, active, flash).await
    }
}

impl Person {
    /// The person's own application `id`; anyone else's is "not found".
    pub async fn own(&self, id: &str) -> Result<application::Model> {
        workflow::own(&self.state, &self.account, id).await
    }
}

impl Unit {
    /// An application on this unit's chain, to read.
    pub async fn visible(&self, id: &str) -> Result<application::Model> {
        workflow::visible(&self.state, &self.account, id).await
    }

    /// An application this unit holds now, to act on.
    pub async fn held(&self, id: &str) -> Result<application::Model> {
        workflow::held(&self.state, &self.account, id).await
    }
}
