// A city operator's tour of the back office, through the pages only: two 济南市 units and a person
// whose application to unit A is submitted; unit B asks the 济南市 bureau for 终审权限. A 济南市
// 业务管理员 (role operator) logs in at /sdmanager, sees only the 权限管理 and 业务监管 menus, finds
// unit A under 单位查询 and corrects its name, grants B's request, reads 统计分析 (with the
// 职称系列 filter) and exports it to Excel, whose sheets and strings the test reads back.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launch, newPage, SCREENSHOT_DIR, shot } from '../lib/browser.mjs';
import {
  applyAndSubmit, clickAndLoad, expectFlash, field, loginFront, newPerson, newUnit, openMenu,
  registerPerson, registerUnit, rowWith,
} from '../lib/flows.mjs';
import { createAdmin, startServer } from '../lib/server.mjs';

const T = 'operator';
const OPERATOR = { username: 'jncityop', bureau: '济南市', role: 'operator', password: 'CityOp#Strong2026' };

/** A page in its own browser context that accepts every confirm() and every download. */
async function rolePage(browser) {
  const page = await newPage(browser, { acceptDownloads: true });
  page.on('dialog', (d) => d.accept());
  return page;
}

/** The xl/*.xml parts of an .xlsx (a zip), read with the `unzip` command: name → text. */
function xlsxParts(file) {
  const names = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const parts = {};
  for (const n of names.filter((n) => n.startsWith('xl/') && n.endsWith('.xml'))) {
    parts[n] = execFileSync('unzip', ['-p', file, n], { encoding: 'utf8', maxBuffer: 16 << 20 });
  }
  return parts;
}

/** Decodes the five predefined XML entities and numeric references. */
function xmlText(s) {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

describe('back office: a city operator (济南市 业务管理员)', () => {
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

  it("a city operator's tour: menu, 单位查询 and rename, 终审权限 grant, 统计分析 and export", async () => {
    const unitA = newUnit('济南甲方');
    const unitB = newUnit('济南乙方');
    const person = newPerson();

    // 1. Setup through the pages: two units, a submitted application to A, B's 终审权限 request.
    const pp = await rolePage(browser);
    await registerUnit(pp, server.front, unitA, null);
    await registerUnit(pp, server.front, unitB, null);
    await registerPerson(pp, server.front, person, null);
    await loginFront(pp, server.front, person, 'person');
    await applyAndSubmit(pp, unitA);

    const pb = await rolePage(browser);
    await loginFront(pb, server.front, unitB, 'unit');
    await openMenu(pb, '上报路径申请');
    await clickAndLoad(pb, pb.getByRole('link', { name: '外地调入终审权限申请', exact: true }));
    await pb.getByRole('heading', { name: '外地调入终审权限申请' }).waitFor();
    await field(pb, '证书等级').selectOption({ label: '中级' });
    await field(pb, '所属机构').selectOption({ label: '济南市人力资源和社会保障局' });
    await clickAndLoad(pb, pb.getByRole('button', { name: '保存', exact: true }));
    await expectFlash(pb, '终审权限申请已提交');

    // 2. The operator logs in; the menu has 权限管理 and 业务监管 only.
    assert.match(createAdmin(server, OPERATOR), /created back-office user/);
    const po = await rolePage(browser);
    await po.goto(`${server.back}/sdmanager`);
    await field(po, '用户名').fill(OPERATOR.username);
    await field(po, '密码').fill(OPERATOR.password);
    await po.getByRole('button', { name: '登录', exact: true }).click();
    await po.waitForURL('**/sdmanager/home');
    await po.getByRole('heading', { name: '职称后台', exact: true }).waitFor();
    const menu = po.getByRole('navigation', { name: '功能菜单' });
    const group = (title) => menu.locator('.menu-group').filter({ has: po.locator('.menu-title', { hasText: title }) });
    const groupLinks = async (title) => (await group(title).getByRole('link').allInnerTexts()).map((s) => s.trim());
    assert.deepEqual(await groupLinks('权限管理'), ['外地调终审权限审核']);
    const supervision = await groupLinks('业务监管');
    for (const label of ['单位查询', '申报人查询', '统计分析']) {
      assert.ok(supervision.includes(label), `业务监管 lacks ${label}: ${supervision.join('、')}`);
    }
    for (const label of ['后台用户管理', '审计日志', '字典管理']) {
      assert.equal(await menu.getByRole('link', { name: label, exact: true }).count(), 0, `an operator's menu must not have ${label}`);
    }
    await shot(po, T, 'home');

    // 3. 单位查询: two characters of A's name find A; its page; 更正单位名称.
    await clickAndLoad(po, menu.getByRole('link', { name: '单位查询', exact: true }));
    assert.equal(new URL(po.url()).pathname, '/sdmanager/units');
    await po.getByRole('heading', { name: '单位查询' }).waitFor();
    const query = po.getByLabel('单位名称或统一社会信用代码', { exact: true });
    await query.fill(unitA.name.slice(4, 6));
    await clickAndLoad(po, po.getByRole('button', { name: '查询', exact: true }));
    const found = rowWith(po, unitA.name);
    await found.waitFor();
    assert.ok((await found.innerText()).includes(unitA.creditCode), 'the row shows A’s credit code');
    await shot(po, T, 'unit-search');
    await clickAndLoad(po, found.getByRole('link', { name: '详细', exact: true }));
    await po.getByRole('heading', { name: unitA.name, exact: true, level: 1 }).waitFor();
    for (const h of ['更正单位名称', '上报路径', '外地调入终审权限']) {
      await po.getByRole('heading', { name: h, exact: true }).waitFor();
    }
    const renamed = `${unitA.name}（更名）`;
    assert.ok(renamed.length <= 100);
    await field(po, '新单位名称').fill(renamed);
    await field(po, '更正原因').fill('营业执照变更');
    await clickAndLoad(po, po.getByRole('button', { name: '保存', exact: true }));
    await expectFlash(po, '保存成功');
    await po.getByRole('heading', { name: renamed, exact: true, level: 1 }).waitFor();
    await shot(po, T, 'unit-renamed');
    await clickAndLoad(po, menu.getByRole('link', { name: '单位查询', exact: true }));
    await po.getByLabel('单位名称或统一社会信用代码', { exact: true }).fill(renamed);
    await clickAndLoad(po, po.getByRole('button', { name: '查询', exact: true }));
    await po.locator('table tbody tr td').getByText(renamed, { exact: true }).waitFor();

    // 4. 外地调终审权限审核: B's request 待审核 → 通过 → 已通过.
    await clickAndLoad(po, group('权限管理').getByRole('link', { name: '外地调终审权限审核', exact: true }));
    await po.getByRole('heading', { name: '外地调终审权限审核' }).waitFor();
    const grantRow = rowWith(po, unitB.name);
    await grantRow.locator('.tag', { hasText: '待审核' }).waitFor();
    await clickAndLoad(po, grantRow.getByRole('button', { name: '通过', exact: true }));
    await expectFlash(po, '审核通过');
    await rowWith(po, unitB.name).locator('.tag', { hasText: '已通过' }).waitFor();
    await shot(po, T, 'grants');

    // 5. 统计分析: cards, five tables with charts, the 职称系列 filter.
    await clickAndLoad(po, menu.getByRole('link', { name: '统计分析', exact: true }));
    assert.equal(new URL(po.url()).pathname, '/sdmanager/stats');
    await po.getByRole('heading', { name: '统计分析', level: 1 }).waitFor();
    assert.equal((await po.locator('#stat-total').innerText()).trim(), '1');
    const titles = ['按状态', '按职称系列', '按级别', '按地市', '按提交月份'];
    for (const title of titles) {
      const section = po.locator('section.card').filter({ has: po.getByRole('heading', { name: title, exact: true, level: 2 }) });
      assert.equal(await section.count(), 1, `one ${title} section`);
      assert.ok(await section.locator('table').count(), `${title} has a table`);
      assert.ok(await section.locator('svg.chart').count(), `${title} has an svg.chart`);
    }
    assert.ok((await rowWith(po, '济南市').count()) >= 1, '按地市 lists 济南市');
    await field(po, '职称系列').selectOption({ label: '工程技术' });
    await clickAndLoad(po, po.getByRole('button', { name: '查询', exact: true }));
    assert.ok(new URL(po.url()).searchParams.get('series'), 'the series filter is in the URL');
    assert.equal((await po.locator('#stat-total').innerText()).trim(), '1');
    await shot(po, T, 'stats');

    // 6. 导出Excel: the download, read back with unzip.
    const [download] = await Promise.all([
      po.waitForEvent('download'),
      po.getByRole('link', { name: '导出统计表', exact: true }).click(),
    ]);
    assert.match(download.suggestedFilename(), /\.xlsx$/);
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const xlsx = path.join(SCREENSHOT_DIR, 'statistics.xlsx');
    await download.saveAs(xlsx);
    assert.equal(fs.readFileSync(xlsx).subarray(0, 2).toString('latin1'), 'PK', 'an .xlsx is a zip');
    const parts = xlsxParts(xlsx);
    const workbook = parts['xl/workbook.xml'];
    assert.ok(workbook, `no xl/workbook.xml in ${Object.keys(parts).join(', ')}`);
    const sheets = [...workbook.matchAll(/<sheet\b[^>]*\bname="([^"]*)"/g)].map((m) => xmlText(m[1]));
    for (const name of ['按状态', '按地市']) assert.ok(sheets.includes(name), `sheet ${name} missing: ${sheets.join('、')}`);
    // Shared strings, plus inline strings in the worksheets, whichever the writer uses.
    const xmlWithText = [parts['xl/sharedStrings.xml'] ?? '', ...Object.entries(parts).filter(([n]) => n.startsWith('xl/worksheets/')).map(([, x]) => x)];
    const strings = xmlWithText.flatMap((x) => [...x.matchAll(/<t\b[^>]*>([^<]*)<\/t>/g)].map((m) => xmlText(m[1])));
    for (const s of ['待审核', '济南市']) assert.ok(strings.includes(s), `"${s}" not among the workbook's strings: ${strings.join('、')}`);

    for (const p of [pp, pb, po]) await p.context().close();
  });
});
