// Page flows shared by the tests: registration through the confirm step, and login.
import assert from 'node:assert/strict';
import { shot } from './browser.mjs';
import { PASSWORD, randomChineseName, randomCreditCode, randomHanzi, randomIdNumber, randomPhone } from './ids.mjs';

const exact = { exact: true };

/**
 * The form control whose <label for> reads `label`. Required fields' labels start with
 * `<span class="req" aria-hidden="true">*</span>`; playwright's getByLabel compares the label's
 * full text (aria-hidden included), so `getByLabel('姓名', { exact: true })` finds nothing.
 * Match the label text exactly, with that optional leading "*".
 */
export function field(page, label) {
  const escaped = label.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return page.getByLabel(new RegExp(`^\\*?${escaped}$`));
}

export function newPerson() {
  return { name: randomChineseName(), idNumber: randomIdNumber(), phone: randomPhone(), password: PASSWORD };
}

/** Fills the 个人注册 form (already open) and presses 立即注册. */
export async function fillPersonForm(page, p) {
  await field(page, '姓名').fill(p.name);
  await field(page, '身份证号').fill(p.idNumber);
  await field(page, '手机号').fill(p.phone);
  await field(page, '密码').fill(p.password);
  await field(page, '确认密码').fill(p.password2 ?? p.password);
}

/**
 * From the login page: 个人注册 → form → 立即注册 → confirm (checked) → 确认 → 注册成功！ → 登录.
 * Ends on the login page. Screenshots are named <test>-<step> (none when `test` is falsy).
 */
export async function registerPerson(page, front, p, test) {
  await page.goto(`${front}/rsrc/`);
  await page.getByRole('heading', { name: '用户登录' }).waitFor();
  await page.getByRole('link', { name: '个人注册', exact: true }).click();
  await page.waitForURL('**/rsrc/register/person');
  await fillPersonForm(page, p);
  if (test) await shot(page, test, 'register-form');
  await page.getByRole('button', { name: '立即注册', exact: true }).click();

  await expectConfirmStep(page);
  assert.equal((await page.locator('#confirm-name').innerText()).trim(), p.name);
  assert.equal((await page.locator('#confirm-id').innerText()).trim(), p.idNumber);
  if (test) await shot(page, test, 'register-confirm');
  await page.getByRole('button', { name: '确认', exact: true }).click();

  await page.getByText('注册成功！').waitFor();
  if (test) await shot(page, test, 'register-success');
  await page.getByRole('link', { name: '登录', exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/rsrc/');
  await page.getByRole('heading', { name: '用户登录' }).waitFor();
}

/** After 立即注册: waits for the confirm step, or fails with the form's own error messages. */
export async function expectConfirmStep(page) {
  await page.locator('#confirm-name, .err').first().waitFor();
  const errors = await page.locator('.err').allInnerTexts();
  assert.deepEqual(errors, [], `registration form rejected the input at ${page.url()}`);
  await page.locator('#confirm-name').waitFor();
}

/** On the login page: picks the account type, types account and password, presses 登录. */
export async function submitLogin(page, { kind, account, password }) {
  await page.getByLabel(kind === 'unit' ? '单位' : '个人', exact).check();
  await field(page, '身份证号/统一社会信用代码').fill(account);
  await field(page, '密码').fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
}

/** Text of the login alert (#login-error) after a failed login. */
export async function loginError(page) {
  const el = page.locator('#login-error');
  await el.waitFor();
  return (await el.innerText()).trim();
}

/**
 * Logged in already: on /rsrc/portal, checks 专业技术职称, clicks it, checks the menu item
 * and the header name. Screenshots <test>-portal and <test>-home.
 */
export async function portalToHome(page, { test, menuItem, userName }) {
  await page.waitForURL('**/rsrc/portal');
  const icon = page.getByRole('link', { name: '专业技术职称' });
  await icon.waitFor();
  await shot(page, test, 'portal');
  await icon.click();
  await page.waitForURL((u) => u.pathname.startsWith('/rsrc/zc'));
  const menu = page.getByRole('navigation', { name: '功能菜单' });
  await menu.getByRole('link', { name: menuItem, exact: true }).waitFor();
  await menu.getByRole('link', { name: '修改密码', exact: true }).waitFor();
  await page.locator('header').filter({ hasText: userName }).waitFor();
  await page.getByRole('button', { name: '退出', exact: true }).waitFor();
  await shot(page, test, 'home');
}

// ---------------------------------------------------------------------------------------------
// Units, login, menu navigation, and the 外地调入资格确认 application (tests application / review_chain).

export function newUnit(prefix = '济南') {
  return {
    name: `${prefix}${randomHanzi(4)}科技有限公司`,
    creditCode: randomCreditCode({ region: '370100' }),
    contact: '王联系',
    phone: randomPhone(),
    password: PASSWORD,
  };
}

/** 单位注册 through the pages (所属地区 济南市 by default), ending on the login page. */
export async function registerUnit(page, front, u, test, { region = '济南市' } = {}) {
  await page.goto(`${front}/rsrc/`);
  await page.getByRole('link', { name: '单位注册', exact: true }).click();
  await page.waitForURL('**/rsrc/register/unit');
  await field(page, '单位名称').fill(u.name);
  await field(page, '统一社会信用代码').fill(u.creditCode);
  await field(page, '所属地区').selectOption({ label: region });
  await field(page, '联系人').fill(u.contact);
  await field(page, '联系电话').fill(u.phone);
  await field(page, '密码').fill(u.password);
  await field(page, '确认密码').fill(u.password);
  if (test) await shot(page, test, 'register-unit-form');
  await page.getByRole('button', { name: '立即注册', exact: true }).click();
  await expectConfirmStep(page);
  assert.equal((await page.locator('#confirm-name').innerText()).trim(), u.name);
  await page.getByRole('button', { name: '确认', exact: true }).click();
  await page.getByText('注册成功！').waitFor();
  await page.getByRole('link', { name: '登录', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/rsrc/');
}

/** Logs a person (`p.idNumber`) or unit (`u.creditCode`) in and opens 专业技术职称. */
export async function loginFront(page, front, who, kind) {
  await page.goto(`${front}/rsrc/`);
  await page.getByRole('heading', { name: '用户登录' }).waitFor();
  const account = kind === 'unit' ? who.creditCode : who.idNumber;
  await submitLogin(page, { kind, account, password: who.password });
  await page.waitForURL('**/rsrc/portal');
  await page.getByRole('link', { name: '专业技术职称' }).click();
  await page.waitForURL((url) => url.pathname.startsWith('/rsrc/zc'));
  await page.locator('header').filter({ hasText: who.name }).waitFor();
}

/** Where each business menu entry leads. */
export const MENU_HREF = {
  外地调入资格确认: '/rsrc/zc/transfer',
  外地调入审核: '/rsrc/zc/review',
  外地调入上报: '/rsrc/zc/report',
  上报路径申请: '/rsrc/zc/paths',
  上报路径审核: '/rsrc/zc/paths/review',
};

/** Menu entries that were expected in the left menu but missing (reported by the tests). */
/** Clicks `label` in the left menu (功能菜单); the entry must be there. */
export async function openMenu(page, label) {
  const href = MENU_HREF[label];
  const link = page.getByRole('navigation', { name: '功能菜单' }).getByRole('link', { name: label, exact: true });
  assert.ok(await link.count(), `the left menu has ${label}`);
  await link.click();
  await page.waitForURL((url) => url.pathname === href);
}

/** Clicks something that submits a form or follows a link, and waits for the next page. */
export async function clickAndLoad(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

/** The flash message (`.flash`) text, failing if it doesn't contain `expected`. */
export async function expectFlash(page, expected) {
  const flash = page.locator('main .flash').first();
  await flash.waitFor();
  const text = (await flash.innerText()).trim();
  assert.ok(text.includes(expected), `flash "${text}" does not contain "${expected}" at ${page.url()}`);
  return text;
}

/**
 * With a page holding #unit-dialog: clicks `input` (a readonly picker input), searches for
 * `query`, chooses the result whose name is `unitName`, presses 确定 and checks the input.
 */
export async function pickUnit(page, input, unitName, query, { test, step } = {}) {
  await input.click();
  const dialog = page.locator('dialog#unit-dialog');
  await dialog.waitFor({ state: 'visible' });
  await dialog.getByLabel('单位名称', { exact: true }).fill(query ?? unitName.slice(2, 6));
  await dialog.getByRole('button', { name: '查询', exact: true }).click();
  const radio = dialog.getByRole('radio', { name: `${unitName}（`, exact: false });
  await radio.waitFor();
  await radio.check();
  if (test) await shot(page, test, step ?? 'unit-picker');
  await dialog.getByRole('button', { name: '确定', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await input.inputValue(), unitName);
}

/** The row of a table whose text contains `text`. */
export function rowWith(page, text) {
  return page.locator('table tbody tr').filter({ hasText: text });
}

/**
 * On 外地调入资格确认 (list): 新增申报信息 → 基本信息 (cascade 中级 → 工程师（工程技术） →
 * 机械工程, unit picker, 是, 2018) → 保存. Ends on the list with 保存成功 and 未提交.
 */
export async function createApplication(page, { unit, phone, test }) {
  await page.getByRole('link', { name: '新增申报信息', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/rsrc/zc/transfer/new');
  await page.getByRole('heading', { name: '外地调入资格确认基本信息' }).waitFor();
  if (phone) await field(page, '手机号').fill(phone);

  await field(page, '申报级别').selectOption({ label: '中级' });
  const title = field(page, '申报职称');
  await title.locator('option', { hasText: '工程师（工程技术）' }).first().waitFor({ state: 'attached' });
  await title.selectOption({ label: '工程师（工程技术）' });
  const specialty = field(page, '现从事专业');
  await specialty.locator('option', { hasText: '机械工程' }).first().waitFor({ state: 'attached' });
  await specialty.selectOption({ label: '机械工程' });
  await field(page, '申报方式').selectOption({ label: '省外调入' });

  await pickUnit(page, field(page, '申报单位'), unit.name, unit.name.slice(2, 5), { test, step: 'basic-picker' });
  await page.locator('#f-is_work_unit-yes').check();
  await field(page, '职称获得年度').fill('2018');
  if (test) await shot(page, test, 'basic-filled');
  await clickAndLoad(page, page.getByRole('button', { name: '保存', exact: true }));

  await page.waitForURL((url) => url.pathname === '/rsrc/zc/transfer');
  await expectFlash(page, '保存成功');
  const row = rowWith(page, unit.name);
  await row.locator('.tag', { hasText: '未提交' }).waitFor();
  if (test) await shot(page, test, 'list-saved');
  return row;
}

/** Saves one module form (its own 保存) and expects 保存成功. */
async function saveModule(page, section) {
  await clickAndLoad(page, section.getByRole('button', { name: '保存', exact: true }));
  await expectFlash(page, '保存成功');
}

/** On the 详细 page: fills and saves 原职称信息, 调入信息, 学历信息 and 工作经历. */
export async function fillModules(page) {
  let s = page.locator('section#module-original');
  await field(s, '职称名称').fill('工程师');
  await field(s, '职称系列').selectOption({ label: '工程技术' });
  await field(s, '职称级别').selectOption({ label: '中级' });
  await field(s, '取得方式').selectOption({ label: '评审' });
  await field(s, '评审/发证机构').fill('江苏省工程技术中级评审委员会');
  await field(s, '批准文号').fill('苏职称〔2018〕12号');
  await field(s, '发证省份或系统').selectOption({ label: '江苏省' });
  await field(s, '证书编号').fill('JS2018000123');
  await field(s, '取得时间').fill('2018-06-30');
  await saveModule(page, s);

  s = page.locator('section#module-transfer');
  await field(s, '原工作单位').fill('南京某机械有限公司');
  await field(s, '原单位所在省份').selectOption({ label: '江苏省' });
  await field(s, '调入时间').fill('2024-03-01');
  await field(s, '调入方式').selectOption({ label: '调动' });
  await saveModule(page, s);

  s = page.locator('section#module-education');
  await clickAndLoad(page, s.getByRole('button', { name: '增加一条', exact: true }));
  s = page.locator('section#module-education');
  await page.locator('#f-school-0').fill('山东大学');
  await page.locator('#f-major-0').fill('机械设计制造及其自动化');
  await page.locator('#f-education-0').selectOption({ label: '大学本科' });
  await page.locator('#f-degree-0').selectOption({ label: '学士' });
  await page.locator('#f-graduated-0').fill('2012-07-01');
  await saveModule(page, s);

  s = page.locator('section#module-work');
  await clickAndLoad(page, s.getByRole('button', { name: '增加一条', exact: true }));
  s = page.locator('section#module-work');
  await page.locator('#f-from-0').fill('2012-07-15');
  await page.locator('#f-to-0').fill('');
  await page.locator('#f-employer-0').fill('南京某机械有限公司');
  await page.locator('#f-post-0').fill('机械设计工程师');
  await saveModule(page, s);
}

export const REQUIRED_SLOTS = ['certificate', 'approval', 'transfer_proof', 'social_insurance', 'diploma', 'photo'];
export const TINY_PDF = { name: 'x.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') };

/** Sets `file` on a slot's input and presses its 上传 button. */
export async function uploadTo(page, slot, file) {
  await page.locator(`#f-file-${slot}`).setInputFiles(file);
  await clickAndLoad(page, page.locator(`#slot-${slot}`).getByRole('button', { name: '上传', exact: true }));
}

/** Uploads a small PDF into every required slot, expecting 附件上传成功 each time. */
export async function uploadRequired(page) {
  for (const slot of REQUIRED_SLOTS) {
    await uploadTo(page, slot, TINY_PDF);
    await expectFlash(page, '附件上传成功');
    await page.locator(`#slot-${slot} ul.files li`).first().waitFor();
  }
}

/** Ticks the pledge, presses 确定申报, expects the list with 申报已提交 and 待审核. */
export async function submitApplication(page, unitName) {
  await page.getByLabel(/^本人承诺/).check();
  await clickAndLoad(page, page.getByRole('button', { name: '确定申报', exact: true }));
  await page.waitForURL((url) => url.pathname === '/rsrc/zc/transfer');
  await expectFlash(page, '申报已提交');
  await rowWith(page, unitName).locator('.tag', { hasText: '待审核' }).waitFor();
}

/** Person logged in, on any /rsrc/zc page: the whole application up to 待审核, without screenshots. */
export async function applyAndSubmit(page, unit) {
  await openMenu(page, '外地调入资格确认');
  const row = await createApplication(page, { unit });
  await clickAndLoad(page, row.getByRole('link', { name: '详细', exact: true }));
  await fillModules(page);
  await uploadRequired(page);
  await submitApplication(page, unit.name);
}
