// What billd's browser scripts (checkout.mjs, console.mjs) share: Chromium's launch, the test
// card, the JSON report and its deadline.

import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const STEP_MS = 20_000; // any one launch, navigation, click or read

export const CARD = { number: '4242 4242 4242 4242', expiry: '12/40', cvc: '123', name: 'Ada Lovelace' };

// Flags of a headless Chromium on a machine without a network but loopback: no GPU, no QUIC,
// no first-run UI, and none of Chromium's own connections (background networking, component
// updates, sync), which would be refused.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// check throws unless cond holds.
export function check(cond, message) {
  if (!cond) throw new Error(message);
}

// reporter returns report(code, error), which prints seen as one JSON line and exits with code,
// and arms the run's deadline: past runMs it reports code 2 (exiting kills the browser).
export function reporter(seen, runMs) {
  const report = (code, error) => {
    if (error) seen.error = String(error?.message ?? error).split('\n')[0];
    seen.ok = code === 0;
    process.stdout.write(JSON.stringify(seen) + '\n');
    process.exit(code);
  };
  setTimeout(() => report(2, `the run took longer than ${runMs} ms`), runMs).unref();
  return report;
}

// fillCard fills the sandbox checkout page's card form with the test card.
export async function fillCard(page) {
  await page.fill('#card-number', CARD.number);
  await page.fill('#card-expiry', CARD.expiry);
  await page.fill('#card-cvc', CARD.cvc);
  await page.fill('#card-name', CARD.name);
}

// withBrowser launches Debian's Chromium (BILLD_CHROMIUM overrides it; playwright-core downloads
// none) on a fresh profile, runs fn(context), and reports: 0 if fn returned, 1 with its error if
// it threw, after saving failureShot() (the page as it was then) if that names a path. The
// profile is removed at exit.
export async function withBrowser(seen, report, viewport, fn, failureShot) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'billd-chromium-'));
  process.on('exit', () => rmSync(userDataDir, { recursive: true, force: true }));
  let code = 0;
  let failure;
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.BILLD_CHROMIUM || '/usr/bin/chromium',
      headless: true, args: CHROMIUM_ARGS, timeout: STEP_MS, viewport,
    });
    await fn(context);
  } catch (err) {
    code = 1;
    failure = err;
    const [page, shot] = failureShot();
    if (await page?.screenshot({ path: shot, fullPage: true, timeout: 5_000 }).then(() => true, () => false)) {
      seen.screenshots.push(shot);
    }
  } finally {
    await context?.close().catch(() => {});
  }
  report(code, failure);
}
