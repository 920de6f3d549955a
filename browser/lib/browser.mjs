// Chromium (Debian's) through playwright-core, plus a screenshot helper.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
export const PHONE = { width: 360, height: 740 };

export const SCREENSHOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh context + page; navigation and locator waits default to 15 s. */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ locale: 'zh-CN', ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.setDefaultNavigationTimeout(15_000);
  return page;
}

/**
 * Full-page screenshots into browser/screenshots/<test>-<step>.png and <test>-<step>-phone.png,
 * and the checks every page must pass at both widths: axe-core finds nothing serious or
 * critical (WCAG 2.1 A/AA and best practice), and at phone width the page does not scroll
 * sideways and no link, button or field lies outside the screen.
 */
export async function shot(page, test, step) {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${test}-${step}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const where = `${test}-${step} (${page.url()})`;
  await assertAccessible(page, `${where} at ${page.viewportSize()?.width ?? '?'} px`);
  const desktop = page.viewportSize();
  if (desktop && desktop.width > PHONE.width) {
    await page.setViewportSize(PHONE);
    try {
      await assertFitsPhone(page, where);
      await assertAccessible(page, `${where} at ${PHONE.width} px`);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${test}-${step}-phone.png`), fullPage: true });
    } finally {
      await page.setViewportSize(desktop);
    }
  }
  return file;
}

/** axe-core on the page as it is: fails on any serious or critical violation, naming them. */
export async function assertAccessible(page, where) {
  const violations = await page.evaluate(async (source) => {
    if (!window.axe) (0, eval)(source);
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  }, AXE_SOURCE);
  assert.deepEqual(violations, [], `accessibility violations on ${where}`);
}

/** At phone width: no sideways scrolling of the page, and every visible control on screen. */
export async function assertFitsPhone(page, where) {
  const problems = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out = [];
    if (document.documentElement.scrollWidth > width + 1) {
      out.push(`the page is ${document.documentElement.scrollWidth} px wide on a ${width} px screen`);
    }
    for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')) {
      if (!el.checkVisibility({ visibilityProperty: true }) || el.closest('dialog:not([open])')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < -1 || r.right > width + 1) {
        out.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.value || el.name || '').trim().slice(0, 20)}" spans ${Math.round(r.left)}–${Math.round(r.right)} px`);
      }
    }
    return out.slice(0, 8);
  });
  assert.deepEqual(problems, [], `off-screen at ${PHONE.width} px on ${where}`);
}
