// The browser half of billd's checkout test (cmd/billd/browser_test.go runs it): a customer on the
// sandbox's hosted checkout page, in headless Chromium driven by playwright-core.
//
//   node checkout.mjs <checkout-url> <pay|decline> <screenshot.png> [expected-amount]
//
// It opens the page, checks that #amount shows expected-amount (such as "15.00 USD") when given,
// fills the test card 4242 4242 4242 4242, 12/40, 123, saves a screenshot of the filled form beside
// the output (<screenshot>-filled.png), clicks Pay or Decline, waits for the navigation that the
// form's POST and its 303 redirect make, saves a full-page screenshot of where it landed and prints
// one JSON line of what it saw: {"ok": true|false, "error": "...", ...}. When a check fails it
// saves the page as it was then (<screenshot>-failure.png). It exits 0 if every check of the page
// passed, 1 if one failed, 2 if the run went past its deadline.
//
// The browser is Debian's /usr/bin/chromium (BILLD_CHROMIUM overrides it): playwright-core
// downloads none. Every wait has a deadline (STEP_MS), and the whole run too (RUN_MS).

import { STEP_MS, check, fillCard, reporter, withBrowser } from './lib.mjs';

const RUN_MS = 90_000; // the whole run

const [url, action, screenshot, expectedAmount] = process.argv.slice(2);
if (!url || !['pay', 'decline'].includes(action) || !screenshot) {
  console.error('usage: node checkout.mjs <checkout-url> <pay|decline> <screenshot.png> [expected-amount]');
  process.exit(64);
}

const seen = { ok: false, action, url, expected_amount: expectedAmount ?? null, screenshots: [],
  navigations: [], console_errors: [], page_errors: [] };

const report = reporter(seen, RUN_MS);

// readPage returns what the page shows: its HTTP-visible parts a customer reads.
async function readPage(page) {
  const text = async (selector) => {
    const el = page.locator(selector);
    return (await el.count()) ? (await el.first().innerText({ timeout: STEP_MS })).trim() : null;
  };
  return {
    url: page.url(),
    title: await text('h1'),
    amount: await text('#amount'),
    status: await text('#status'),
    status_failed: (await page.locator('#status.failed').count()) > 0,
    form_open: (await page.locator('#card-form').count()) > 0,
  };
}

// run is the customer's visit; it throws at the first check that fails.
async function run(context) {
  context.setDefaultTimeout(STEP_MS);
  context.setDefaultNavigationTimeout(STEP_MS);
  page = context.pages()[0] ?? await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') seen.console_errors.push(m.text()); });
  page.on('pageerror', (e) => seen.page_errors.push(String(e)));
  page.on('response', (r) => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) {
      seen.navigations.push({ method: r.request().method(), url: r.url(), status: r.status() });
    }
  });

  const opened = await page.goto(url, { waitUntil: 'load' });
  check(opened && opened.status() === 200, `GET ${url} answered ${opened?.status()}, want 200`);
  seen.before = await readPage(page);
  check(seen.before.form_open, 'the page shows no card form');
  if (expectedAmount) {
    check(seen.before.amount === expectedAmount, `#amount shows ${JSON.stringify(seen.before.amount)}, want ${JSON.stringify(expectedAmount)}`);
  }

  await fillCard(page);
  const filled = screenshot.replace(/(\.png)?$/, '-filled.png');
  await page.screenshot({ path: filled, fullPage: true });
  seen.screenshots.push(filled);

  // The POST answers 303 and the browser follows it: one committed navigation of the main frame,
  // then its load.
  const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
  await page.click(action === 'pay' ? '#pay' : '#decline');
  await navigated;
  await page.waitForLoadState('load');
  seen.after = await readPage(page);
  await page.screenshot({ path: screenshot, fullPage: true });
  seen.screenshots.push(screenshot);

  const posted = seen.navigations.find((n) => n.method === 'POST');
  check(posted && posted.status === 303, `the form's POST answered ${posted?.status}, want 303`);
  if (action === 'pay') {
    check(!seen.after.status_failed, `after Pay the page shows a failure: ${seen.after.status}`);
  } else {
    check(/declined/i.test(seen.after.status ?? ''), `after Decline #status is ${JSON.stringify(seen.after.status)}, want it to say declined`);
    check(seen.after.status_failed, 'after Decline #status is not shown as a failure');
    check(seen.after.form_open, 'after Decline the card form is gone: the customer cannot try again');
  }
  check(seen.page_errors.length === 0, `the page threw: ${seen.page_errors[0]}`);
}

let page;
await withBrowser(seen, report, { width: 1000, height: 800 }, run,
  () => [page, screenshot.replace(/(\.png)?$/, '-failure.png')]);
