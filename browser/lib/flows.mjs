// Page flows shared by the tests: registration through the confirm step, and login.
import assert from 'node:assert/strict';
import { shot } from './browser.mjs';
import { PASSWORD, randomChineseName, randomIdNumber, randomPhone } from './ids.mjs';

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
 * Ends on the login page. Screenshots are named <test>-<step>.
 */
export async function registerPerson(page, front, p, test) {
  await page.goto(`${front}/rsrc/`);
  await page.getByRole('heading', { name: '用户登录' }).waitFor();
  await page.getByRole('link', { name: '个人注册', exact: true }).click();
  await page.waitForURL('**/rsrc/register/person');
  await fillPersonForm(page, p);
  await shot(page, test, 'register-form');
  await page.getByRole('button', { name: '立即注册', exact: true }).click();

  await expectConfirmStep(page);
  assert.equal((await page.locator('#confirm-name').innerText()).trim(), p.name);
  assert.equal((await page.locator('#confirm-id').innerText()).trim(), p.idNumber);
  await shot(page, test, 'register-confirm');
  await page.getByRole('button', { name: '确认', exact: true }).click();

  await page.getByText('注册成功！').waitFor();
  await shot(page, test, 'register-success');
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
