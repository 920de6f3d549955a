// Every page the other stories do not reach, opened as its users would and put through the
// same checks (axe-core, nothing serious, at 1280 and 360 px; nothing off-screen on a phone):
// 找回密码, an unknown 转入表 serial, 404, a person's and a unit's account pages, and each
// back-office role's pages.
import { after, before, describe, it } from 'node:test';
import { launch, newPage, shot } from '../lib/browser.mjs';
import { field, loginFront, newPerson, newUnit, registerPerson, registerUnit } from '../lib/flows.mjs';
import { createAdmin, startServer } from '../lib/server.mjs';

const T = 'pages';
const PASSWORD = 'Adm1n#Strong2026';

/** Opens `path` and waits for its heading; then the checks and screenshots. */
async function visit(page, base, path, heading, step) {
  await page.goto(`${base}${path}`);
  await page.getByRole('heading', { name: heading, exact: true }).first().waitFor();
  await shot(page, T, step);
}

async function backLogin(page, server, username) {
  await page.goto(`${server.back}/sdmanager`);
  await field(page, '用户名').fill(username);
  await field(page, '密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.waitForURL('**/sdmanager/home');
}

describe('every other page, at both widths', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('public pages: 找回密码, an unknown serial, a missing page', async () => {
    const page = await newPage(browser);
    await visit(page, server.front, '/rsrc/password/forgot', '找回密码', 'forgot');
    await visit(page, server.front, '/rsrc/verify/ZC2026000000000', '转入表真伪验证', 'verify-unknown');
    await page.goto(`${server.front}/rsrc/no-such-page`);
    await page.getByRole('heading', { name: '您访问的内容不存在' }).waitFor();
    await shot(page, T, 'not-found');
    await page.context().close();
  });

  it("a person's and a unit's own pages", async () => {
    const page = await newPage(browser);
    const person = newPerson();
    const unit = newUnit('青岛');
    await registerPerson(page, server.front, person);
    await registerUnit(page, server.front, unit, null, { region: '青岛市' });
    await loginFront(page, server.front, person, 'person');
    await visit(page, server.front, '/rsrc/zc/account', '账号信息', 'person-account');
    await visit(page, server.front, '/rsrc/zc/messages', '站内消息', 'person-messages');
    await visit(page, server.front, '/rsrc/zc/password', '修改密码', 'person-password');
    await page.context().close();

    const u = await newPage(browser);
    await loginFront(u, server.front, unit, 'unit');
    await visit(u, server.front, '/rsrc/zc/account', '单位信息', 'unit-account');
    await visit(u, server.front, '/rsrc/zc/report', '外地调入上报', 'unit-report');
    await visit(u, server.front, '/rsrc/zc/paths', '上报路径申请', 'unit-paths');
    await visit(u, server.front, '/rsrc/zc/paths/review', '上报路径审核', 'unit-paths-review');
    await visit(u, server.front, '/rsrc/zc/grants', '外地调入终审权限申请', 'unit-grants');
    await u.context().close();
  });

  it("each back-office role's pages", async () => {
    createAdmin(server, { username: 'sysadmin', bureau: '山东省', password: PASSWORD });
    createAdmin(server, { username: 'provop', bureau: '山东省', password: PASSWORD, role: 'operator' });
    createAdmin(server, { username: 'auditor', bureau: '山东省', password: PASSWORD, role: 'auditor' });

    const sys = await newPage(browser);
    await backLogin(sys, server, 'sysadmin');
    await visit(sys, server.back, '/sdmanager/admins/new', '新增后台用户', 'back-admin-new');
    await visit(sys, server.back, '/sdmanager/messages', '站内消息', 'back-messages');
    await visit(sys, server.back, '/sdmanager/password', '修改密码', 'back-password');
    await sys.context().close();

    const op = await newPage(browser);
    await backLogin(op, server, 'provop');
    await visit(op, server.back, '/sdmanager/units', '单位查询', 'back-units');
    await visit(op, server.back, '/sdmanager/persons', '申报人查询', 'back-persons');
    await visit(op, server.back, '/sdmanager/stats', '统计分析', 'back-stats');
    await visit(op, server.back, '/sdmanager/dicts', '字典管理', 'back-dicts');
    await visit(op, server.back, '/sdmanager/grants', '外地调终审权限审核', 'back-grants');
    await op.context().close();

    const au = await newPage(browser);
    await backLogin(au, server, 'auditor');
    await visit(au, server.back, '/sdmanager/audit', '审计日志', 'back-audit');
    await au.context().close();
  });
});
