// A person goes from an empty account to 待审核 through the real pages: 外地调入资格确认 →
// 新增申报信息 (cascade 申报级别 → 申报职称 → 现从事专业, unit picker dialog) → 详细 (module
// forms, attachments, a refused file, the 诚信承诺) → 确定申报 → 查看进度.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launch, newPage, shot } from '../lib/browser.mjs';
import {
  clickAndLoad, createApplication, expectFlash, fillModules, loginFront, newPerson,
  newUnit, openMenu, registerPerson, registerUnit, REQUIRED_SLOTS, rowWith, TINY_PDF, uploadTo,
} from '../lib/flows.mjs';
import { startServer } from '../lib/server.mjs';

const T = 'application';

describe('外地调入资格确认: from an empty account to 待审核', () => {
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

  it('fills 基本信息 with the cascade and the unit picker, every module, uploads, and submits', async (t) => {
    const unit = newUnit('济南');
    const person = newPerson();
    const page = await newPage(browser);
    page.on('dialog', (d) => d.accept());

    await registerUnit(page, server.front, unit, T);
    await registerPerson(page, server.front, person, T);
    await loginFront(page, server.front, person, 'person');

    // 外地调入资格确认: empty list.
    await openMenu(page, '外地调入资格确认');
    await page.getByRole('heading', { name: '外地调入资格确认', exact: true }).waitFor();
    await page.getByRole('heading', { name: '我的申报信息', exact: true }).waitFor();
    await page.getByText('暂无申报信息').waitFor();
    await shot(page, T, 'list-empty');

    // 基本信息 → list (保存成功, 未提交).
    const row = await createApplication(page, { unit, phone: person.phone, test: T });
    assert.match(await row.innerText(), /工程师/);

    // 详细: 确定申报 on the bare application lists what is missing.
    await clickAndLoad(page, row.getByRole('link', { name: '详细', exact: true }));
    assert.match(new URL(page.url()).pathname, /^\/rsrc\/zc\/transfer\/[0-9a-f-]{36}$/);
    const detailUrl = page.url();
    await page.getByRole('heading', { name: '外地调入资格确认详细信息' }).waitFor();
    assert.equal((await page.locator('#app-state').innerText()).trim(), '未提交');
    assert.equal(await page.locator('#gaps').count(), 0);
    await shot(page, T, 'detail-empty');
    await page.getByLabel(/^本人承诺/).check();
    await clickAndLoad(page, page.getByRole('button', { name: '确定申报', exact: true }));
    const gaps = page.locator('#gaps');
    await gaps.waitFor();
    const gapText = await gaps.innerText();
    for (const m of ['原职称信息', '调入信息', '学历信息', '工作经历', '附件材料']) {
      assert.ok(gapText.includes(m), `gap list should name ${m}:\n${gapText}`);
    }
    await shot(page, T, 'detail-gaps');
    await page.goto(detailUrl);

    // The module forms, each with its own 保存.
    await fillModules(page);
    await shot(page, T, 'detail-modules-saved');

    // Attachments: a refused file first, then every required slot.
    await uploadTo(page, 'certificate', { name: 'evil.pdf', mimeType: 'application/pdf', buffer: Buffer.from('MZ not a pdf') });
    await page.getByText('仅支持PDF、JPG、PNG、GIF格式的文件').first().waitFor();
    await shot(page, T, 'upload-refused');
    await page.goto(detailUrl);
    assert.equal(await page.locator('#slot-certificate ul.files li').count(), 0, 'the refused file must not be stored');
    for (const slot of REQUIRED_SLOTS) {
      await uploadTo(page, slot, TINY_PDF);
      await expectFlash(page, '附件上传成功');
      await page.locator(`#slot-${slot} ul.files li`).filter({ hasText: 'x.pdf' }).waitFor();
    }
    await shot(page, T, 'detail-complete');

    // 确定申报 without the pledge, then with it.
    await clickAndLoad(page, page.getByRole('button', { name: '确定申报', exact: true }));
    await page.locator('#e-pledge').filter({ hasText: '请阅读并勾选诚信承诺' }).waitFor();
    await shot(page, T, 'pledge-missing');
    await page.getByLabel(/^本人承诺/).check();
    await clickAndLoad(page, page.getByRole('button', { name: '确定申报', exact: true }));
    await page.waitForURL((url) => url.pathname === '/rsrc/zc/transfer');
    await expectFlash(page, '申报已提交');
    const submitted = rowWith(page, unit.name);
    await submitted.locator('.tag', { hasText: '待审核' }).waitFor();
    assert.equal(await page.getByRole('link', { name: '新增申报信息' }).count(), 0, 'one open application at a time');
    await shot(page, T, 'list-submitted');

    // 查看进度: the timeline has 确定申报.
    await clickAndLoad(page, submitted.getByRole('link', { name: '查看进度', exact: true }));
    await page.getByRole('heading', { name: '申报进度' }).waitFor();
    const timeline = await page.locator('ol.timeline').innerText();
    assert.match(timeline, /新增申报信息/);
    assert.match(timeline, /确定申报/);
    await shot(page, T, 'progress');
    await page.context().close();
  });

  // 详细: saving one module must not silently throw away what was typed in another.
  it('asks before a save would lose edits typed in another module', async () => {
    const unit = newUnit('济南');
    const person = newPerson();
    const page = await newPage(browser);
    await registerUnit(page, server.front, unit, null);
    await registerPerson(page, server.front, person, null);
    await loginFront(page, server.front, person, 'person');
    await openMenu(page, '外地调入资格确认');
    const row = await createApplication(page, { unit, phone: person.phone, test: 'unsaved' });
    await clickAndLoad(page, row.getByRole('link', { name: '详细', exact: true }));
    const typed = page.locator('#module-original #f-approval_no');
    await typed.fill('鲁职改〔2019〕7号');
    const asked = [];
    page.once('dialog', (d) => { asked.push(d.message()); d.dismiss(); });
    await page.locator('#module-transfer').getByRole('button', { name: '保存', exact: true }).click();
    await page.waitForTimeout(300);
    assert.match(asked[0] ?? '(no question)', /原职称信息.*尚未保存的修改/);
    assert.equal(await typed.inputValue(), '鲁职改〔2019〕7号', 'still on the page, the text kept');
    // Saving the module that holds the edit asks nothing.
    page.once('dialog', (d) => { asked.push(d.message()); d.accept(); });
    await clickAndLoad(page, page.locator('#module-original').getByRole('button', { name: '保存', exact: true }));
    assert.equal(asked.length, 1, 'no question when saving the edited module itself');
    await page.context().close();
  });

  // The business pages are reached through the left menu, for people and for units.
  it('offers the business pages in the left menu (person and unit)', {
  }, async () => {
    const page = await newPage(browser);
    const person = newPerson();
    const unit = newUnit('济南');
    await registerPerson(page, server.front, person, null);
    await registerUnit(page, server.front, unit, null);
    const menu = page.getByRole('navigation', { name: '功能菜单' });

    await loginFront(page, server.front, person, 'person');
    const personItems = await menu.getByRole('link').allInnerTexts();
    await shot(page, T, 'menu-person');
    await page.getByRole('button', { name: '退出', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/rsrc/');

    await loginFront(page, server.front, unit, 'unit');
    const unitGroup = menu.locator('.menu-group').filter({ hasText: '职称认定和外地调入' });
    const unitItems = await unitGroup.getByRole('link').allInnerTexts();
    await shot(page, T, 'menu-unit');
    await page.context().close();

    assert.ok(personItems.includes('外地调入资格确认'), `person menu: ${personItems.join(' / ')}`);
    for (const item of ['外地调入审核', '外地调入上报', '上报路径申请', '上报路径审核']) {
      assert.ok(unitItems.includes(item), `unit menu group 职称认定和外地调入: ${unitItems.join(' / ') || '(missing)'}`);
    }
  });
});
