//! The frame every page shares: header, left menu, breadcrumb, flash; and rendering.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use super::context::ReqCtx;
use super::session::{AdminUser, FrontUser};
use crate::domain::auth::{AdminRole, Realm};
use crate::domain::chain::Standing;
use crate::domain::workflow::State as WfState;
use crate::error::AppError;
use crate::messages::Msg;

pub struct MenuItem {
    pub label: &'static str,
    pub href: &'static str,
    pub active: bool,
}

pub struct MenuGroup {
    pub label: &'static str,
    pub items: Vec<MenuItem>,
}

pub struct Flash {
    pub ok: bool,
    pub text: &'static str,
}

/// Data the base templates need.
pub struct Layout {
    pub title: String,
    pub csrf: String,
    /// `/rsrc` or `/sdmanager`.
    pub base: &'static str,
    pub user_name: String,
    pub user_role: &'static str,
    pub menu: Vec<MenuGroup>,
    pub breadcrumb: Vec<String>,
    pub flash: Option<Flash>,
    /// Unread 站内消息; `None` where the header has no bell.
    pub unread: Option<i64>,
    /// Seconds a signed-in page may sit idle before the session ends (0 on public pages):
    /// app.js warns before then and offers to stay.
    pub idle_seconds: i64,
}

/// Messages that read as a success (green); everything else is red.
fn is_success(m: Msg) -> bool {
    matches!(
        m,
        Msg::CodeSent
            | Msg::TokenRevoked
            | Msg::TokenCreated
            | Msg::ResetDone
            | Msg::PasswordChanged
            | Msg::LoggedOut
            | Msg::AdminCreated
            | Msg::Saved
            | Msg::Submitted
            | Msg::Withdrawn
            | Msg::Deleted
            | Msg::Uploaded
            | Msg::FileRemoved
            | Msg::PathRequested
            | Msg::Decided
            | Msg::Approved
            | Msg::Returned
            | Msg::Reported
            | Msg::ModuleFailed
            | Msg::GrantRequested
            | Msg::Revoked
            | Msg::Unlocked
            | Msg::SessionsEnded
    )
}

/// The menu entries of a page whose current menu href is `active`.
fn menu_item(active: &str) -> impl Fn(&'static str, &'static str) -> MenuItem + '_ {
    move |label, href| MenuItem {
        label,
        href,
        active: href == active,
    }
}

/// Reads `?m=code` into a flash.
pub fn flash_from(code: Option<&str>) -> Option<Flash> {
    let m = Msg::from_code(code?)?;
    Some(Flash {
        ok: is_success(m),
        text: m.text(),
    })
}

impl Layout {
    /// Pages without a login (login, registration).
    pub fn public(ctx: &ReqCtx, title: &str, flash: Option<Flash>) -> Self {
        Layout {
            title: title.to_owned(),
            csrf: ctx.csrf.clone(),
            base: site_of(ctx.realm).0,
            user_name: String::new(),
            user_role: "",
            menu: Vec::new(),
            breadcrumb: Vec::new(),
            flash,
            unread: None,
            idle_seconds: 0,
        }
    }

    /// A front-site page with the person's or unit's menu; `active` is the current menu href.
    pub fn front(
        ctx: &ReqCtx,
        user: &FrontUser,
        title: &str,
        active: &str,
        flash: Option<Flash>,
    ) -> Self {
        let item = menu_item(active);
        let account = match user {
            FrontUser::Person(_) => "账号信息",
            FrontUser::Unit(_) => "单位信息",
        };
        let (business_label, business) = match user {
            FrontUser::Person(_) => (
                "专业技术职称",
                vec![item("外地调入资格确认", "/rsrc/zc/transfer")],
            ),
            FrontUser::Unit(_) => (
                "职称认定和外地调入",
                vec![
                    item("外地调入审核", "/rsrc/zc/review"),
                    item("外地调入上报", "/rsrc/zc/report"),
                    item("上报路径申请", "/rsrc/zc/paths"),
                    item("上报路径审核", "/rsrc/zc/paths/review"),
                ],
            ),
        };
        let menu = vec![
            MenuGroup {
                label: business_label,
                items: business,
            },
            MenuGroup {
                label: "账号管理",
                items: vec![
                    item(account, "/rsrc/zc/account"),
                    item("站内消息", "/rsrc/zc/messages"),
                    item("修改密码", "/rsrc/zc/password"),
                    item("访问令牌", "/rsrc/zc/tokens"),
                ],
            },
        ];
        let who = (user.name().to_owned(), user.role_label());
        Self::signed_in(ctx, Realm::Front, title, who, menu, flash)
    }

    /// `back` with the unread-message count for the header bell.
    pub async fn back_with_bell(
        state: &crate::app::AppState,
        ctx: &ReqCtx,
        user: &AdminUser,
        title: &str,
        active: &str,
        flash: Option<Flash>,
    ) -> Result<Self, AppError> {
        let subject = (crate::domain::auth::SubjectKind::Admin, user.admin.id);
        Self::back(ctx, user, title, active, flash)
            .with_bell(state, ctx, subject)
            .await
    }

    /// `front` with the unread-message count for the header bell.
    pub async fn front_with_bell(
        state: &crate::app::AppState,
        ctx: &ReqCtx,
        user: &FrontUser,
        title: &str,
        active: &str,
        flash: Option<Flash>,
    ) -> Result<Self, AppError> {
        Self::front(ctx, user, title, active, flash)
            .with_bell(state, ctx, (user.kind(), user.id()))
            .await
    }

    /// A back-office page; menu entries depend on the role.
    pub fn back(
        ctx: &ReqCtx,
        user: &AdminUser,
        title: &str,
        active: &str,
        flash: Option<Flash>,
    ) -> Self {
        let item = menu_item(active);
        let mut system = vec![item("首页", "/sdmanager/home")];
        if user.role == AdminRole::System {
            system.push(item("后台用户管理", "/sdmanager/admins"));
        }
        system.push(item("站内消息", "/sdmanager/messages"));
        system.push(item("修改密码", "/sdmanager/password"));
        system.push(item("访问令牌", "/sdmanager/tokens"));
        let mut menu = Vec::new();
        match user.role {
            AdminRole::Operator => {
                menu.push(MenuGroup {
                    label: "权限管理",
                    items: vec![item("外地调终审权限审核", "/sdmanager/grants")],
                });
                menu.push(MenuGroup {
                    label: "业务监管",
                    items: vec![
                        item("单位查询", "/sdmanager/units"),
                        item("申报人查询", "/sdmanager/persons"),
                        item("统计分析", "/sdmanager/stats"),
                    ],
                });
                if user.admin.bureau_code == crate::domain::auth::PROVINCE_CODE {
                    menu.push(MenuGroup {
                        label: "基础数据",
                        items: vec![item("字典管理", "/sdmanager/dicts")],
                    });
                }
            }
            AdminRole::Auditor => menu.push(MenuGroup {
                label: "安全审计",
                items: vec![item("审计日志", "/sdmanager/audit")],
            }),
            AdminRole::System => {}
        }
        menu.push(MenuGroup {
            label: "系统管理",
            items: system,
        });
        let who = (
            format!("{}（{}）", user.admin.display_name, user.admin.username),
            user.role.label(),
        );
        Self::signed_in(ctx, Realm::Back, title, who, menu, flash)
    }

    /// A page of a signed-in user `(name, role)`: the breadcrumb starts at the site, and
    /// app.js warns before the realm's idle timeout.
    fn signed_in(
        ctx: &ReqCtx,
        realm: Realm,
        title: &str,
        (user_name, user_role): (String, &'static str),
        menu: Vec<MenuGroup>,
        flash: Option<Flash>,
    ) -> Self {
        let (base, site) = site_of(realm);
        Layout {
            title: title.to_owned(),
            csrf: ctx.csrf.clone(),
            base,
            user_name,
            user_role,
            breadcrumb: vec![site.to_owned(), title.to_owned()],
            menu,
            flash,
            unread: None,
            idle_seconds: realm.idle_timeout().whole_seconds(),
        }
    }

    /// The layout with the user's unread-message count for the header bell.
    pub(crate) async fn with_bell(
        mut self,
        state: &crate::app::AppState,
        ctx: &ReqCtx,
        subject: (crate::domain::auth::SubjectKind, uuid::Uuid),
    ) -> Result<Self, AppError> {
        let known = ctx.bell.get().filter(|b| b.subject == subject);
        self.unread = Some(match known {
            Some(b) => b.unread,
            None => crate::store::notices::unread(&state.db.conn, subject).await?,
        });
        Ok(self)
    }
}

impl super::session::Signed<AdminUser> {
    /// The layout of a back-office page under the menu entry `(title, active)`, with the
    /// header bell and the flash that `?m=` names.
    pub async fn layout(
        &self,
        title: &str,
        active: &str,
        m: Option<&str>,
    ) -> Result<Layout, AppError> {
        let flash = flash_from(m);
        Layout::back_with_bell(&self.state, &self.ctx, &self.user, title, active, flash).await
    }
}

/// Renders a template to a response, or an error page if rendering fails.
pub fn render<T: Template>(t: &T) -> Result<Response, AppError> {
    t.render()
        .map(|html| Html(html).into_response())
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("rendering a template: {e}")))
}

/// Renders with a status (422 for a form with errors).
pub fn render_status<T: Template>(
    status: axum::http::StatusCode,
    t: &T,
) -> Result<Response, AppError> {
    render(t).map(|r| (status, r).into_response())
}

/// A site's base path and its name in the breadcrumb.
fn site_of(realm: Realm) -> (&'static str, &'static str) {
    match realm {
        Realm::Front => ("/rsrc", "专业技术职称"),
        Realm::Back => ("/sdmanager", "职称后台"),
    }
}

/// A state shown as its coloured tag, on either site: the label and the colour always go
/// together.
pub struct Tag {
    pub label: &'static str,
    pub colour: &'static str,
}

impl From<WfState> for Tag {
    fn from(st: WfState) -> Self {
        Tag {
            label: st.label(),
            colour: st.colour(),
        }
    }
}

impl Tag {
    /// A 上报路径's standing.
    pub fn path(s: Standing) -> Self {
        Tag {
            label: s.path_label(),
            colour: s.colour(),
        }
    }

    /// A 终审权限's standing.
    pub fn grant(s: Standing) -> Self {
        Tag {
            label: s.grant_label(),
            colour: s.colour(),
        }
    }
}
