// Back office: the first admin from the CLI, password login at /sdmanager, 后台用户管理.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launch, newPage, shot } from '../lib/browser.mjs';
import { field } from '../lib/flows.mjs';
import { createAdmin, startServer } from '../lib/server.mjs';

const ADMIN = { username: 'sysadmin', bureau: '山东省', password: 'Adm1n#Strong2026' };

describe('back office (/sdmanager)', () => {
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

  it('logs the CLI-created admin in and lists it under 后台用户管理', async () => {
    const out = createAdmin(server, ADMIN);
    assert.match(out, /created back-office user/);

    const page = await newPage(browser);
    await page.goto(`${server.back}/sdmanager`);
    await page.getByRole('heading', { name: '职称后台登录' }).waitFor();
    await shot(page, 'admin', 'login');
    await field(page, '用户名').fill(ADMIN.username);
    await field(page, '密码').fill(ADMIN.password);
    await page.getByRole('button', { name: '登录', exact: true }).click();

    await page.waitForURL('**/sdmanager/home');
    await page.getByRole('heading', { name: '职称后台', exact: true }).waitFor();
    await page.getByRole('main').getByText(ADMIN.username, { exact: true }).waitFor();
    await shot(page, 'admin', 'home');

    await page.getByRole('navigation', { name: '功能菜单' }).getByRole('link', { name: '后台用户管理', exact: true }).click();
    await page.getByRole('heading', { name: '后台用户管理' }).waitFor();
    await page.getByRole('link', { name: '新增', exact: true }).waitFor();
    const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: ADMIN.username, exact: true }) });
    await row.waitFor();
    assert.equal(await row.count(), 1);
    assert.match(await row.innerText(), /山东省/);
    await shot(page, 'admin', 'users');
    await page.context().close();
  });
});
