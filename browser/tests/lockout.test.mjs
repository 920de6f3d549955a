// Five wrong passwords lock the account; then even the right password is refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launch, newPage, shot } from '../lib/browser.mjs';
import { loginError, newPerson, registerPerson, submitLogin } from '../lib/flows.mjs';
import { startServer } from '../lib/server.mjs';

describe('login lockout', () => {
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

  it('locks the account after 5 wrong passwords and refuses the right one', async () => {
    const page = await newPage(browser);
    const p = newPerson();
    await registerPerson(page, server.front, p, 'lockout');

    for (let i = 1; i <= 5; i++) {
      await page.goto(`${server.front}/rsrc/`);
      await submitLogin(page, { kind: 'person', account: p.idNumber, password: `Wrong#${i}pass` });
      const msg = await loginError(page);
      if (i < 5) {
        assert.equal(msg, '账号或密码错误', `attempt ${i}`);
        if (i === 1) await shot(page, 'lockout', 'wrong-password');
      } else {
        assert.match(msg, /账号已锁定/, `attempt ${i}: ${msg}`);
        assert.match(msg, /请于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 后再试/, msg);
        await shot(page, 'lockout', 'locked');
      }
    }

    await page.goto(`${server.front}/rsrc/`);
    await submitLogin(page, { kind: 'person', account: p.idNumber, password: p.password });
    const msg = await loginError(page);
    assert.match(msg, /账号已锁定/, msg);
    assert.ok(!new URL(page.url()).pathname.startsWith('/rsrc/portal'), 'must not reach the portal');
    await shot(page, 'lockout', 'locked-right-password');
    await page.context().close();
  });
});
