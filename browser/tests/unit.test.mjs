// 单位注册 (所属地区 济南市, confirm step), login with the credit code, 专业技术职称 → 单位信息.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launch, newPage, shot } from '../lib/browser.mjs';
import { expectConfirmStep, field, portalToHome, submitLogin } from '../lib/flows.mjs';
import { PASSWORD, randomCreditCode, randomHanzi, randomPhone } from '../lib/ids.mjs';
import { startServer } from '../lib/server.mjs';

describe('单位 (unit) registration and login', () => {
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

  it('registers a unit in 济南市, logs in and reaches 单位信息', async () => {
    const u = {
      name: `济南${randomHanzi(4)}科技有限公司`,
      creditCode: randomCreditCode({ region: '370100' }),
      contact: '王联系',
      phone: randomPhone(),
      password: PASSWORD,
    };
    const page = await newPage(browser);
    await page.goto(`${server.front}/rsrc/`);
    await page.getByRole('heading', { name: '用户登录' }).waitFor();
    await page.getByRole('link', { name: '单位注册', exact: true }).click();
    await page.waitForURL('**/rsrc/register/unit');

    await field(page, '单位名称').fill(u.name);
    await field(page, '统一社会信用代码').fill(u.creditCode);
    const chosen = await field(page, '所属地区').selectOption({ label: '济南市' });
    assert.deepEqual(chosen, ['370100']);
    await field(page, '联系人').fill(u.contact);
    await field(page, '联系电话').fill(u.phone);
    await field(page, '密码').fill(u.password);
    await field(page, '确认密码').fill(u.password);
    await shot(page, 'unit', 'register-form');
    await page.getByRole('button', { name: '立即注册', exact: true }).click();

    await expectConfirmStep(page);
    assert.equal((await page.locator('#confirm-name').innerText()).trim(), u.name);
    assert.equal((await page.locator('#confirm-code').innerText()).trim(), u.creditCode);
    await shot(page, 'unit', 'register-confirm');
    await page.getByRole('button', { name: '确认', exact: true }).click();

    await page.getByText('注册成功！').waitFor();
    await shot(page, 'unit', 'register-success');
    await page.getByRole('link', { name: '登录', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/rsrc/');
    await page.getByRole('heading', { name: '用户登录' }).waitFor();
    await shot(page, 'unit', 'login');

    await submitLogin(page, { kind: 'unit', account: u.creditCode, password: u.password });
    await portalToHome(page, { test: 'unit', menuItem: '单位信息', userName: u.name });
    await page.context().close();
  });
});
