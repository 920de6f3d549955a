// Nothing typed is lost: the timeout warning and 继续办理, a 保存 after the session ended
// (login again, back on the form, every value restored), a slow upload with its progress,
// a cancelled and a broken upload reported at the slot, and the keyboard's skip link.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launch, newPage, shot } from '../lib/browser.mjs';
import {
  clickAndLoad, createApplication, expectFlash, field, loginFront, newPerson, newUnit, openMenu,
  pickUnit, registerPerson, registerUnit, rowWith, submitLogin,
} from '../lib/flows.mjs';
import { startServer } from '../lib/server.mjs';

const T = 'resilience';

/** The session ends on the server's side: its cookie is gone. */
async function endSession(page) {
  await page.context().clearCookies({ name: 'zc_sid' });
}

/**
 * Presses Tab until the focused element reads `text` (at most 80 times), then Enter, and
 * waits for the page it opens: how a keyboard-only user follows a link.
 */
async function tabTo(page, text) {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const now = await page.evaluate(() => {
      const el = document.activeElement?.cloneNode(true);
      el?.querySelectorAll('[aria-hidden=true]').forEach((h) => h.remove());
      return (el?.textContent || '').trim();
    });
    if (now === text) {
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      return;
    }
  }
  assert.fail(`no focusable "${text}" within 80 Tab presses on ${page.url()}`);
}

/** Opens 新增申报信息 and fills part of 基本信息 (no unit picked yet). */
async function halfFill(page, person) {
  await openMenu(page, '外地调入资格确认');
  await page.getByRole('link', { name: '新增申报信息', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/rsrc/zc/transfer/new');
  await field(page, '手机号').fill(person.phone);
  await field(page, '申报级别').selectOption({ label: '中级' });
  const title = field(page, '申报职称');
  await title.locator('option', { hasText: '工程师（工程技术）' }).first().waitFor({ state: 'attached' });
  await title.selectOption({ label: '工程师（工程技术）' });
  const specialty = field(page, '现从事专业');
  await specialty.locator('option', { hasText: '机械工程' }).first().waitFor({ state: 'attached' });
  await specialty.selectOption({ label: '机械工程' });
  await field(page, '申报方式').selectOption({ label: '省外调入' });
  await field(page, '职称获得年度').fill('2018');
}

/** The half-filled values are all there again. */
async function expectHalfFilled(page, person) {
  await page.locator('#draft-restored').filter({ hasText: '已恢复登录超时前填写的内容' }).waitFor();
  assert.equal(await field(page, '手机号').inputValue(), person.phone);
  assert.equal(await field(page, '职称获得年度').inputValue(), '2018');
  const selected = async (label) => field(page, label).evaluate((s) => s.selectedOptions[0]?.textContent.trim());
  // The cascade's options arrive after the level: wait until the restore has chosen them.
  await page.waitForFunction(() => document.querySelector('[data-cascade=specialty]')?.selectedOptions[0]?.textContent.includes('机械工程'));
  assert.equal(await selected('申报级别'), '中级');
  assert.equal(await selected('申报职称'), '工程师（工程技术）');
  assert.equal(await selected('现从事专业'), '机械工程');
  assert.equal(await selected('申报方式'), '省外调入');
}

describe('nothing typed is lost', () => {
  let server;
  let browser;
  const unit = newUnit('济南');
  const person = newPerson();

  before(async () => {
    server = await startServer();
    browser = await launch();
    const page = await newPage(browser);
    await registerUnit(page, server.front, unit);
    await registerPerson(page, server.front, person);
    await page.context().close();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('warns before the timeout, 继续办理 keeps the session, and after it ended the login restores the form', async () => {
    const page = await newPage(browser);
    await page.clock.install();
    await loginFront(page, server.front, person, 'person');
    await halfFill(page, person);

    await page.clock.fastForward('28:10');
    const dialog = page.locator('dialog#idle-dialog');
    await dialog.getByRole('heading', { name: '登录即将超时' }).waitFor();
    await shot(page, T, 'idle-warning');
    await dialog.getByRole('button', { name: '继续办理', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    // Idle again, past the limit: the page says so and keeps what was typed.
    await page.clock.fastForward('30:30');
    await dialog.getByRole('heading', { name: '登录已超时' }).waitFor();
    await shot(page, T, 'idle-expired');
    await endSession(page);
    await clickAndLoad(page, dialog.getByRole('link', { name: '重新登录', exact: true }));
    await page.getByRole('heading', { name: '用户登录' }).waitFor();
    await expectFlash(page, '登录已超时');
    await page.getByText('已暂存在本浏览器中').waitFor();
    await shot(page, T, 'login-after-timeout');
    await submitLogin(page, { kind: 'person', account: person.idNumber, password: person.password });
    await page.waitForURL((url) => url.pathname === '/rsrc/zc/transfer/new');
    await expectHalfFilled(page, person);
    await shot(page, T, 'restored');
    await page.context().close();
  });

  it('a 保存 after the session ended leads through the login back to the form, and then saves', async () => {
    const page = await newPage(browser);
    await loginFront(page, server.front, person, 'person');
    await halfFill(page, person);
    await endSession(page);
    await clickAndLoad(page, page.getByRole('button', { name: '保存', exact: true }));
    await page.getByRole('heading', { name: '用户登录' }).waitFor();
    await expectFlash(page, '登录已超时');
    assert.equal(await page.locator('input[name=next]').inputValue(), '/rsrc/zc/transfer/new');
    await submitLogin(page, { kind: 'person', account: person.idNumber, password: person.password });
    await page.waitForURL((url) => url.pathname === '/rsrc/zc/transfer/new');
    await expectHalfFilled(page, person);

    await pickUnit(page, field(page, '申报单位'), unit.name, unit.name.slice(2, 5));
    await page.locator('#f-is_work_unit-yes').check();
    await clickAndLoad(page, page.getByRole('button', { name: '保存', exact: true }));
    await page.waitForURL((url) => url.pathname === '/rsrc/zc/transfer');
    await expectFlash(page, '保存成功');
    await rowWith(page, unit.name).locator('.tag', { hasText: '未提交' }).waitFor();
    await page.context().close();
  });

  it('a slow upload shows its progress; a cancelled or broken one is reported at its slot, keeping the page', async () => {
    const page = await newPage(browser);
    page.on('dialog', (d) => d.accept());
    await loginFront(page, server.front, person, 'person');
    await openMenu(page, '外地调入资格确认');
    await clickAndLoad(page, rowWith(page, unit.name).getByRole('link', { name: '详细', exact: true }));

    // A 300 KB PDF over a line of 24 KB/s up: more than ten seconds of progress.
    const pdf = { name: 'scan.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(300 * 1024, 0x20), Buffer.from('\n%%EOF\n')]) };
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    const line = (up) => cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 80, downloadThroughput: 200 * 1024, uploadThroughput: up });
    await line(24 * 1024);

    await page.locator('#f-file-certificate').setInputFiles(pdf);
    await page.locator('#slot-certificate').getByRole('button', { name: '上传', exact: true }).click();
    const status = page.locator('#slot-certificate .upload-status');
    await status.locator('progress').waitFor();
    await page.waitForFunction(() => {
      const p = document.querySelector('#slot-certificate .upload-status progress');
      return p && p.value > 0 && p.value < p.max;
    }, null, { timeout: 20_000 });
    assert.match(await status.innerText(), /正在上传 scan\.pdf：\d+%（[\d.]+ MB \/ 0\.3 MB）/);
    await shot(page, T, 'upload-progress');
    await page.waitForURL((url) => url.searchParams.get('m') === 'uploaded', { timeout: 60_000 });
    await expectFlash(page, '附件上传成功');
    await page.locator('#slot-certificate ul.files li').filter({ hasText: 'scan.pdf' }).waitFor();
    const detail = page.url();

    // Something typed, unsaved, elsewhere on the page; then an upload cancelled half-way.
    const typed = page.locator('section#module-original').getByLabel(/^\*?职称名称$/);
    await typed.fill('高级工程师（未保存）');
    await page.locator('#f-file-approval').setInputFiles(pdf);
    await page.locator('#slot-approval').getByRole('button', { name: '上传', exact: true }).click();
    await page.locator('#slot-approval .upload-status progress').waitFor();
    await page.locator('#slot-approval').getByRole('button', { name: '取消上传', exact: true }).click();
    await page.locator('#slot-approval [role=alert]').filter({ hasText: '已取消上传' }).waitFor();

    // The line drops during an upload.
    await page.locator('#slot-approval').getByRole('button', { name: '上传', exact: true }).click();
    await page.locator('#slot-approval .upload-status progress').waitFor();
    await cdp.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const broken = page.locator('#slot-approval [role=alert]').filter({ hasText: '上传中断' });
    await broken.waitFor({ timeout: 20_000 });
    assert.equal(await broken.innerText(), "评审表或批文：上传中断：网络连接失败，请检查网络后重试");
    await shot(page, T, 'upload-broken');
    assert.equal(page.url(), detail, 'still the same page');
    assert.equal(await typed.inputValue(), '高级工程师（未保存）', 'what was typed stays');
    assert.equal(await page.locator('#slot-approval ul.files li').count(), 0);
    await line(-1);
    await page.context().close();
  });

  it('the keyboard starts at 跳到主要内容, and a reload puts the focus where the person was', async () => {
    const page = await newPage(browser);
    await page.goto(`${server.front}/rsrc/`);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), '跳到主要内容');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main');

    // Keyboard only: the account type, account, password, 登录.
    await page.keyboard.press('Tab');
    for (let i = 0; i < 12 && (await page.evaluate(() => document.activeElement.id)) !== 'f-account'; i++) {
      await page.keyboard.press('Tab');
    }
    await page.keyboard.type(person.idNumber);
    await page.keyboard.press('Tab');
    await page.keyboard.type(person.password);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    await page.waitForURL('**/rsrc/portal');

    // Still by keyboard: portal → 专业技术职称 → 外地调入资格确认 → 详细.
    await tabTo(page, '专业技术职称');
    await tabTo(page, '外地调入资格确认');
    await page.waitForURL((url) => url.pathname === '/rsrc/zc/transfer');
    await tabTo(page, '详细');
    await page.waitForURL((url) => /^\/rsrc\/zc\/transfer\/[0-9a-f-]{36}$/.test(url.pathname));
    for (let i = 0; i < 120 && (await page.evaluate(() => document.activeElement.id)) !== 'f-prev_employer'; i++) {
      await page.keyboard.press('Tab');
    }
    await page.keyboard.type('南京某机械有限公司');
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.hash === '#module-transfer');
    await expectFlash(page, '保存成功');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'module-transfer');
    assert.match(await page.title(), /^保存成功 - 外地调入资格确认（未提交）/);
    await page.context().close();
  });
});
