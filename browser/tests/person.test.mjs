// 个人注册 (with the confirm step), login, portal → 专业技术职称 → 账号信息;
// a rejected registration; the registration page at phone width.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launch, newPage, shot } from '../lib/browser.mjs';
import { field, fillPersonForm, newPerson, portalToHome, registerPerson, submitLogin } from '../lib/flows.mjs';
import { withWrongCheckChar } from '../lib/ids.mjs';
import { startServer } from '../lib/server.mjs';

describe('个人 (person) registration and login', () => {
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

  it('registers through the confirm step, logs in and reaches 账号信息', async () => {
    const page = await newPage(browser);
    const p = newPerson();
    await page.goto(`${server.front}/rsrc/`);
    await page.getByRole('heading', { name: '用户登录' }).waitFor();
    await shot(page, 'person', 'login');

    await registerPerson(page, server.front, p, 'person');
    await submitLogin(page, { kind: 'person', account: p.idNumber, password: p.password });
    await portalToHome(page, { test: 'person', menuItem: '账号信息', userName: p.name });
    await page.context().close();
  });

  it('rejects a wrong ID check digit in Chinese and keeps the typed name', async () => {
    const page = await newPage(browser);
    const p = newPerson();
    p.idNumber = withWrongCheckChar(p.idNumber);
    await page.goto(`${server.front}/rsrc/register/person`);
    await fillPersonForm(page, p);
    await page.getByRole('button', { name: '立即注册', exact: true }).click();

    const err = page.locator('.err').filter({ hasText: '身份证号校验位不正确' });
    await err.waitFor();
    assert.equal((await err.innerText()).trim(), '身份证号校验位不正确，请核对后重新输入');
    assert.equal(await field(page, '姓名').inputValue(), p.name);
    assert.equal(await page.locator('#confirm-name').count(), 0, 'must not reach the confirm step');
    await shot(page, 'person', 'register-invalid');
    await page.context().close();
  });

  it('has no horizontal scroll on the registration page at phone width (390x844)', async () => {
    const page = await newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await page.goto(`${server.front}/rsrc/register/person`);
    await page.getByRole('button', { name: '立即注册', exact: true }).waitFor();
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    await shot(page, 'person', 'register-phone');
    assert.ok(scrollWidth <= 390, `scrollWidth ${scrollWidth} > 390`);
    await page.context().close();
  });
});
