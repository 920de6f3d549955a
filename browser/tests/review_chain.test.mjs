// The review chain across roles, through the pages only: the person applies to unit A; A reviews
// (通过), fails to report without a path, asks B for a 上报路径; B approves it; A reports; B marks
// 工作经历 不通过 and returns it; the person fixes only that module and resubmits; A approves and
// reports again; B asks the 济南市 bureau for 终审权限, a back-office operator grants it; B's 通过 is
// final; the person downloads the 转入表 PDF, whose serial the public verify page confirms.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launch, newPage, SCREENSHOT_DIR, shot } from '../lib/browser.mjs';
import {
  applyAndSubmit, clickAndLoad, expectFlash, field, loginFront, newPerson, newUnit,
  openMenu, pickUnit, registerPerson, registerUnit, rowWith, submitApplication,
} from '../lib/flows.mjs';
import { createAdmin, startServer } from '../lib/server.mjs';

const T = 'review';
const OPERATOR = { username: 'jnoperator', bureau: '济南市', role: 'operator', password: 'Oper#Strong2026' };

/** A page in its own browser context that accepts every confirm(). */
async function rolePage(browser) {
  const page = await newPage(browser, { acceptDownloads: true });
  page.on('dialog', (d) => d.accept());
  return page;
}

/** 外地调入审核 → the row of `personName` → 审核 (the review page). */
async function openReview(page, personName) {
  await openMenu(page, '外地调入审核');
  await page.getByRole('heading', { name: '外地调入审核' }).waitFor();
  const row = rowWith(page, personName);
  await clickAndLoad(page, row.getByRole('link', { name: '审核', exact: true }));
  await page.getByRole('heading', { name: '外地调入详细信息' }).waitFor();
}

/** On the review page: 通过 (confirm accepted) → 审核通过. */
async function approve(page) {
  await clickAndLoad(page, page.locator('.review-actions').getByRole('button', { name: '通过', exact: true }));
  await expectFlash(page, '审核通过');
}

/** 外地调入上报: ticks the person's row and presses 数据上报. */
async function report(page, personName) {
  await openMenu(page, '外地调入上报');
  await page.getByRole('heading', { name: '外地调入上报' }).waitFor();
  await page.getByRole('checkbox', { name: `选择${personName}`, exact: true }).check();
  await clickAndLoad(page, page.getByRole('button', { name: '数据上报', exact: true }));
}

describe('外地调入 review chain: person → unit A → unit B (终审) → 转入表', () => {
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

  it('goes through review, path, report, return, resubmit, final-review grant and verify', async (t) => {
    const unitA = newUnit('济南申报');
    const unitB = newUnit('济南主管');
    const person = newPerson();

    // Registration and the submitted application.
    const pp = await rolePage(browser);
    await registerUnit(pp, server.front, unitA, null);
    await registerUnit(pp, server.front, unitB, null);
    await registerPerson(pp, server.front, person, null);
    await loginFront(pp, server.front, person, 'person');
    await applyAndSubmit(pp, unitA);
    await shot(pp, T, 'person-submitted');

    // A: the menu group, the queue, the review page, 通过.
    const pa = await rolePage(browser);
    await loginFront(pa, server.front, unitA, 'unit');
    const menu = pa.getByRole('navigation', { name: '功能菜单' });
    const group = menu.locator('.menu-group').filter({ hasText: '职称认定和外地调入' });
    assert.equal(await group.count(), 1, 'the unit menu has the 职称认定和外地调入 group');
    await openMenu(pa, '外地调入审核');
    await pa.getByRole('heading', { name: '外地调入审核' }).waitFor();
    for (const label of ['姓名', '身份证号', '申报级别', '职称系列', '状态']) {
      await pa.locator('form.query-panel').getByLabel(label, { exact: true }).waitFor();
    }
    await pa.getByRole('button', { name: '查询', exact: true }).waitFor();
    await pa.getByRole('link', { name: '重置', exact: true }).waitFor();
    const queued = rowWith(pa, person.name);
    await queued.locator('.tag', { hasText: '待审核' }).waitFor();
    await shot(pa, T, 'a-queue');
    await clickAndLoad(pa, queued.getByRole('link', { name: '审核', exact: true }));
    await pa.getByRole('heading', { name: '外地调入详细信息' }).waitFor();
    const actions = pa.locator('.review-actions');
    await actions.getByRole('button', { name: '通过', exact: true }).waitFor();
    await actions.getByRole('button', { name: '退回', exact: true }).waitFor();
    assert.equal(await pa.locator('section.module summary', { hasText: '不通过' }).count(), 6, 'a 不通过 in each module header');
    assert.equal((await pa.locator('#full-id').innerText()).trim(), person.idNumber);
    await shot(pa, T, 'a-review');
    await approve(pa);
    await shot(pa, T, 'a-approved');

    // A: 数据上报 without a path is refused, naming the series and level.
    await report(pa, person.name);
    const problems = await pa.locator('#report-problems').innerText();
    for (const w of ['工程技术', '中级', '上报路径申请']) assert.ok(problems.includes(w), `"${w}" missing in: ${problems}`);
    await shot(pa, T, 'a-report-no-path');

    // A: 上报路径申请 → 新增 with B chosen in the picker.
    await openMenu(pa, '上报路径申请');
    await pa.getByRole('heading', { name: '上报路径申请' }).waitFor();
    const np = pa.locator('#new-path');
    await pickUnit(pa, field(np, '上级单位'), unitB.name, unitB.name.slice(4, 7), { test: T, step: 'a-path-picker' });
    await field(np, '职称系列').selectOption({ label: '工程技术' });
    await field(np, '职称级别').selectOption({ label: '中级' });
    await clickAndLoad(pa, np.getByRole('button', { name: '新增', exact: true }));
    await expectFlash(pa, '上报路径已提交');
    await rowWith(pa, unitB.name).locator('.tag', { hasText: '未生效' }).waitFor();
    await shot(pa, T, 'a-path-requested');

    // B: 上报路径审核 → 通过.
    const pb = await rolePage(browser);
    await loginFront(pb, server.front, unitB, 'unit');
    await openMenu(pb, '上报路径审核');
    await pb.getByRole('heading', { name: '上报路径审核' }).waitFor();
    const asked = rowWith(pb, unitA.name);
    await shot(pb, T, 'b-paths-review');
    await clickAndLoad(pb, asked.getByRole('button', { name: '通过', exact: true }));
    await expectFlash(pb, '审核完成');
    await shot(pb, T, 'b-path-decided');

    // A: 数据上报 now succeeds.
    await openMenu(pa, '上报路径申请');
    await rowWith(pa, unitB.name).locator('.tag', { hasText: '已生效' }).waitFor();
    await report(pa, person.name);
    await expectFlash(pa, '数据上报成功');
    await shot(pa, T, 'a-reported');

    // B: 工作经历 不通过 with an opinion, then 退回.
    await openReview(pb, person.name);
    const work = pb.locator('section#module-work');
    await work.locator('summary', { hasText: '不通过' }).click();
    await work.getByLabel('审核意见', { exact: true }).fill('工作经历需补充');
    await shot(pb, T, 'b-fail-work');
    await clickAndLoad(pb, work.getByRole('button', { name: '确定不通过', exact: true }));
    await expectFlash(pb, '已标记为不通过');
    await pb.locator('section#module-work .opinion', { hasText: '工作经历需补充' }).waitFor();
    await clickAndLoad(pb, pb.locator('.review-actions').getByRole('button', { name: '退回', exact: true }));
    await expectFlash(pb, '已退回申报人');
    await shot(pb, T, 'b-returned');

    // Person: only 工作经历 is editable; fix it and resubmit.
    await openMenu(pp, '外地调入资格确认');
    await clickAndLoad(pp, rowWith(pp, unitA.name).getByRole('link', { name: '详细', exact: true }));
    await pp.locator('section#module-work .opinion', { hasText: '工作经历需补充' }).waitFor();
    await shot(pp, T, 'person-returned');
    const save = (id) => pp.locator(`section#module-${id}`).getByRole('button', { name: '保存', exact: true });
    assert.equal(await save('work').isEnabled(), true, '工作经历 must be editable');
    for (const id of ['original', 'transfer', 'education']) {
      assert.equal(await save(id).count(), 0, `${id} must have no 保存`);
      await pp.locator(`section#module-${id} .module-head`).getByText('不可修改').waitFor();
    }
    await pp.locator('section#module-basic .module-head').getByText('不可修改').waitFor();
    await pp.locator('section#module-attachments .module-head').getByText('不可修改').waitFor();
    assert.equal(await pp.locator('section#module-attachments').getByRole('button', { name: '上传' }).count(), 0);
    await pp.locator('#f-post-0').fill('高级机械设计工程师');
    await clickAndLoad(pp, save('work'));
    await expectFlash(pp, '保存成功');
    assert.equal(await pp.locator('#f-post-0').inputValue(), '高级机械设计工程师');
    await submitApplication(pp, unitA.name);
    await shot(pp, T, 'person-resubmitted');

    // A: 通过 and 数据上报 again.
    await openReview(pa, person.name);
    await pa.getByRole('heading', { name: '历次审核意见' }).waitFor();
    await approve(pa);
    await report(pa, person.name);
    await expectFlash(pa, '数据上报成功');

    // B: 外地调入终审权限申请.
    await openMenu(pb, '上报路径申请');
    await clickAndLoad(pb, pb.getByRole('link', { name: '外地调入终审权限申请', exact: true }));
    await pb.getByRole('heading', { name: '外地调入终审权限申请' }).waitFor();
    await field(pb, '证书等级').selectOption({ label: '中级' });
    await field(pb, '所属机构').selectOption({ label: '济南市人力资源和社会保障局' });
    await clickAndLoad(pb, pb.getByRole('button', { name: '保存', exact: true }));
    await expectFlash(pb, '终审权限申请已提交');
    await shot(pb, T, 'b-grant-requested');

    // Back office: a 济南市 operator grants it.
    assert.match(createAdmin(server, OPERATOR), /created back-office user/);
    const po = await rolePage(browser);
    await po.goto(`${server.back}/sdmanager`);
    await field(po, '用户名').fill(OPERATOR.username);
    await field(po, '密码').fill(OPERATOR.password);
    await po.getByRole('button', { name: '登录', exact: true }).click();
    await po.waitForURL('**/sdmanager/home');
    const omenu = po.getByRole('navigation', { name: '功能菜单' });
    await omenu.locator('.menu-group').filter({ hasText: '权限管理' }).getByRole('link', { name: '外地调终审权限审核', exact: true }).click();
    await po.getByRole('heading', { name: '外地调终审权限审核' }).waitFor();
    const grantRow = rowWith(po, unitB.name);
    await grantRow.locator('.tag', { hasText: '待审核' }).waitFor();
    await shot(po, T, 'operator-grants');
    await clickAndLoad(po, grantRow.getByRole('button', { name: '通过', exact: true }));
    await expectFlash(po, '审核通过');
    await shot(po, T, 'operator-granted');

    // B: 通过 is now final.
    await openReview(pb, person.name);
    await approve(pb);
    await shot(pb, T, 'b-final');

    // Person: 终审通过 and the 转入表.
    await openMenu(pp, '外地调入资格确认');
    const done = rowWith(pp, unitA.name);
    await done.locator('.tag', { hasText: '终审通过' }).waitFor();
    await shot(pp, T, 'person-final');
    const link = done.getByRole('link', { name: '下载转入表', exact: true });
    const href = new URL(await link.getAttribute('href'), pp.url()).href;
    const res = await pp.context().request.get(href);
    assert.equal(res.status(), 200);
    const pdf = await res.body();
    assert.equal(pdf.subarray(0, 4).toString('latin1'), '%PDF');
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const pdfPath = path.join(SCREENSHOT_DIR, 'transfer-form.pdf');
    fs.writeFileSync(pdfPath, pdf);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', pdfPath, path.join(SCREENSHOT_DIR, 'transfer-form')]);
    const text = execFileSync('pdftotext', [pdfPath, '-'], { encoding: 'utf8' });
    assert.ok(text.includes(person.name), 'the 转入表 names the person');
    const serial = text.match(/ZR\d{8}-[0-9A-Z]{10}-[0-9A-F]{10}/)?.[0];
    assert.ok(serial, `no serial in the PDF text:\n${text}`);
    assert.match(text, new RegExp(`编号：\\s*${serial}`));

    // The public verify page, without a login.
    const pv = await newPage(browser);
    await pv.goto(`${server.front}/rsrc/verify/${serial}`);
    assert.equal((await pv.locator('#verdict').innerText()).trim(), '该转入表真实有效');
    // The public page masks the name (surname + *), and names the final-review unit.
    const verified = await pv.locator('.verify').innerText();
    assert.ok(verified.includes(person.name[0] + '**'), verified);
    assert.ok(!verified.includes(person.name), 'the full name must not be public');
    assert.ok(verified.includes(serial) && verified.includes(unitB.name), verified);
    await shot(pv, T, 'verify-ok');
    const last = serial.at(-1);
    const altered = serial.slice(0, -1) + (last === '0' ? '1' : '0');
    await pv.goto(`${server.front}/rsrc/verify/${altered}`);
    assert.match((await pv.locator('#verdict').innerText()).trim(), /^未查到该编号/);
    await shot(pv, T, 'verify-altered');
    for (const p of [pp, pa, pb, po, pv]) await p.context().close();
  });
});
