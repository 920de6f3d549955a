// 访问令牌: a person creates an API token on the page, sees it once, calls the API with it,
// and revokes it (with the confirm step); a back-office operator does the same in the back
// office. Both pages at desktop and phone width.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launch, newPage, shot } from '../lib/browser.mjs';
import { clickAndLoad, field, loginFront, newPerson, registerPerson } from '../lib/flows.mjs';
import { createAdmin, startServer } from '../lib/server.mjs';

const T = 'tokens';
const OPERATOR = { username: 'tokenop', bureau: '济南市', role: 'operator', password: 'Bureau#Strong2026x' };

/** Fills and submits the 生成令牌 form; returns the secret shown once. */
async function createToken(page, name, scope) {
  await field(page, '名称').fill(name);
  await field(page, '权限').selectOption({ label: scope });
  await field(page, '有效期（天）').fill('30');
  await clickAndLoad(page, page.getByRole('button', { name: '生成令牌', exact: true }));
  const secret = await page.locator('#secret').inputValue();
  assert.match(secret, /^zc_[A-Za-z0-9_-]{20,}$/);
  return secret;
}

async function noSideScroll(page, width) {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= width, `scrollWidth ${scrollWidth} > ${width}`);
}

describe('访问令牌 (API tokens)', () => {
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

  it('a person creates a token, uses it once shown, and revokes it', async () => {
    const page = await newPage(browser);
    page.on('dialog', (d) => d.accept());
    const p = newPerson();
    await registerPerson(page, server.front, p);
    await loginFront(page, server.front, p, 'person');
    await page.getByRole('navigation', { name: '功能菜单' }).getByRole('link', { name: '访问令牌', exact: true }).click();
    await page.getByRole('heading', { name: '访问令牌', exact: true }).waitFor();
    await shot(page, T, 'person-empty');

    // An empty name is refused at the field, in Chinese, and nothing is created.
    await field(page, '名称').fill('');
    await clickAndLoad(page, page.getByRole('button', { name: '生成令牌', exact: true }));
    assert.equal(await field(page, '名称').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#secret').count(), 0);

    const secret = await createToken(page, '人事系统对接', '读写');
    await shot(page, T, 'person-created');
    const me = await fetch(`${server.front}/rsrc/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(me.status, 200);
    assert.equal((await me.json()).name, p.name);

    // Shown once: the list names it, never shows the secret again.
    await page.goto(page.url());
    assert.equal(await page.locator('#secret').count(), 0);
    assert.ok(!(await page.content()).includes(secret));
    const row = page.locator('tr').filter({ hasText: '人事系统对接' });
    await row.getByText('有效').waitFor();

    await clickAndLoad(page, row.getByRole('button', { name: '撤销', exact: true }));
    await page.locator('tr').filter({ hasText: '人事系统对接' }).getByText('已撤销').waitFor();
    const after = await fetch(`${server.front}/rsrc/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(after.status, 401);

    await page.setViewportSize({ width: 360, height: 780 });
    await noSideScroll(page, 360);
    await shot(page, T, 'person-phone');
    await page.context().close();
  });

  it('a back-office operator creates a read-only token for the bureau API', async () => {
    assert.match(createAdmin(server, OPERATOR), /created back-office user/);
    const page = await newPage(browser);
    await page.goto(`${server.back}/sdmanager`);
    await field(page, '用户名').fill(OPERATOR.username);
    await field(page, '密码').fill(OPERATOR.password);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.waitForURL('**/sdmanager/home');
    await page.getByRole('navigation', { name: '功能菜单' }).getByRole('link', { name: '访问令牌', exact: true }).click();
    await page.getByRole('heading', { name: '访问令牌', exact: true }).waitFor();
    const secret = await createToken(page, '市局业务系统', '只读');
    await shot(page, T, 'back-created');
    const grants = await fetch(`${server.back}/sdmanager/api/v1/grants`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(grants.status, 200);
    const write = await fetch(`${server.back}/sdmanager/api/v1/grants/00000000-0000-0000-0000-000000000000/decide`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve' }),
    });
    assert.equal(write.status, 403);
    assert.equal((await write.json()).message, '该访问令牌只读，不能办理此操作');
    await page.setViewportSize({ width: 360, height: 780 });
    await noSideScroll(page, 360);
    await shot(page, T, 'back-phone');
    await page.context().close();
  });
});
