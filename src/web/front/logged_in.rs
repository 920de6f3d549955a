//! What every handler of the applicant's and the units' pages starts from: the state, the
//! request context and the logged-in person or unit, taken by one extractor instead of three.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::app::{AppState, Caller, workflow};
use crate::error::{AppError, Result};
use crate::store::audit::Actor;
use crate::store::entities::{application, person, unit};
use crate::web::context::ReqCtx;
use crate::web::extract::Posted;
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

/// How an account reaches the application a path names, to act on it.
pub trait Reach {
    type Side: Side + Send;
    fn load(
        me: &LoggedIn<Self::Side>,
        id: &str,
    ) -> impl Future<Output = Result<application::Model>> + Send;
}

/// The person's own application.
pub struct Own;

impl Reach for Own {
    type Side = person::Model;
    async fn load(me: &Person, id: &str) -> Result<application::Model> {
        me.own(id).await
    }
}

/// An application the unit holds now.
pub struct Held;

impl Reach for Held {
    type Side = unit::Model;
    async fn load(me: &Unit, id: &str) -> Result<application::Model> {
        me.held(id).await
    }
}

/// The path of a step: the application's `{id}`, or the `{id}` and one more segment (the
/// module, the file).
pub trait StepPath: DeserializeOwned + Send {
    type Rest: Send;
    fn split(self) -> (String, Self::Rest);
}

impl StepPath for String {
    type Rest = ();
    fn split(self) -> (String, ()) {
        (self, ())
    }
}

impl StepPath for (String, String) {
    type Rest = String;
    fn split(self) -> (String, String) {
        self
    }
}

/// A posted step on the application of the path's `{id}` (确定申报, 撤回, 删除, 通过, 退回,
/// a module saved or marked, a file removed): the account, the application as `R` reaches
/// it, the form, and the rest of the path `P`. The account, the path and the form are taken
/// in that order and the application is loaded last, as each handler did, so a request is
/// refused exactly as before.
pub struct Step<R: Reach, F, P: StepPath = String> {
    pub me: LoggedIn<R::Side>,
    pub a: application::Model,
    pub form: F,
    pub rest: P::Rest,
}

impl<R, F, P> FromRequest<AppState> for Step<R, F, P>
where
    R: Reach,
    F: DeserializeOwned + Send,
    P: StepPath,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let Posted(me, path, form) = Posted::<_, F, P>::from_request(req, state).await?;
        let (id, rest) = P::split(path);
        let a = R::load(&me, &id)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Step { me, a, form, rest })
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
