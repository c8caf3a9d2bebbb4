// Drives Debian's Chromium (headless, phone-sized) through the upload page:
// checks the file input is labelled and accepts photos/PDFs, uploads a file,
// and waits for the "received" status message.
//
//   node tests/browser/upload.mjs <page-url> <file-to-upload> <screenshot-path>
//
// CHROMIUM selects the browser binary (default /usr/bin/chromium).
// Exit 0 on success; on failure prints the error, saves <screenshot>-failed.png
// when it can, and exits 1.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium } from 'playwright-core';

const [url, file, shot] = process.argv.slice(2);
if (!url || !file || !shot) {
  console.error('usage: node tests/browser/upload.mjs <page-url> <file-to-upload> <screenshot-path>');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const ACCEPT = 'image/*,application/pdf';

mkdirSync(dirname(shot), { recursive: true });

let browser;
let page;
try {
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  const context = await browser.newContext({
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  page = await context.newPage();

  const response = await page.goto(url);
  if (!response || response.status() !== 200) {
    throw new Error(`GET ${url} answered ${response ? response.status() : 'no response'}, expected 200`);
  }

  // Accessibility basics: exactly one file input, reachable through its <label>.
  const input = page.locator('input[type=file]');
  if ((await input.count()) !== 1) throw new Error('expected exactly one input[type=file]');
  // input.labels covers both <label for=id> and a wrapping <label>.
  const labelText = await input.evaluate((el) => (el.labels && el.labels[0] ? el.labels[0].innerText.trim() : ''));
  if (!labelText) throw new Error('the file input has no associated <label>');
  const byLabel = page.getByLabel(labelText, { exact: true });
  if ((await byLabel.count()) !== 1 || !(await byLabel.evaluate((el) => el.type === 'file'))) {
    throw new Error(`getByLabel(${JSON.stringify(labelText)}) does not find the file input`);
  }
  const accept = ((await input.getAttribute('accept')) || '').split(',').map((t) => t.trim()).join(',');
  if (accept !== ACCEPT) throw new Error(`file input accept=${JSON.stringify(accept)}, expected ${JSON.stringify(ACCEPT)}`);

  // Upload: choose the file, press the Upload button, wait for the status message.
  await byLabel.setInputFiles(file);
  await page.getByRole('button', { name: /upload/i }).click();
  const status = page.locator('[role="status"]').filter({ hasText: /received/i }).first();
  await status.waitFor({ state: 'visible', timeout: 15_000 });
  const text = (await status.innerText()).replace(/\s+/g, ' ').trim();
  console.log(`STATUS: ${text}`);

  await page.screenshot({ path: shot, fullPage: true });
  await browser.close();
  process.exit(0);
} catch (err) {
  console.error(`upload check failed: ${err && err.message ? err.message : err}`);
  if (page) {
    const failed = shot.replace(/\.png$/i, '') + '-failed.png';
    await page
      .screenshot({ path: failed, fullPage: true })
      .then(() => console.error(`failure screenshot: ${failed}`))
      .catch(() => {});
  }
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
}
