// The browser half of billd's console test (cmd/billd/console_browser_test.go runs it): a person
// using the web console at /console in headless Chromium driven by playwright-core.
//
//   node console.mjs <config.json>
//
// config.json: {"base": "http://127.0.0.1:port", "org": id, "account": id, "product": name,
// "quantity": n, "admin": {"id", "secret"}, "member": {"id", "secret"}, "invoice_org": id,
// "invoice_account": id, "invoice_id": id, "webhook_url": url, "out": dir}.
// It signs in wrongly and then as the platform admin, visits every page (a full-page screenshot of
// each, at desktop and phone width, into out), buys credits through the sandbox's checkout page
// (card 4242 4242 4242 4242), reads the balance and its chart before and after, downloads an
// invoice's PDF (out/invoice.pdf), adds a webhook endpoint through the webhooks page's form (and
// opens its delete confirmation), posts a form whose CSRF field
// was removed, and signs in as a member who opens an admin page. It prints one JSON line of what it
// saw: {"ok": true|false, "error": "...", ...}; it exits 0 if every check passed, 1 if one failed,
// 2 if the run went past its deadline. The Go test checks the figures against the API.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STEP_MS, check, fillCard, reporter, withBrowser } from './lib.mjs';

const RUN_MS = 110_000; // the whole run

const configPath = process.argv[2];
if (!configPath) {
  console.error('usage: node console.mjs <config.json>');
  process.exit(64);
}
const cfg = JSON.parse(readFileSync(configPath, 'utf8'));
const seen = { ok: false, screenshots: [], pages: {}, console_errors: [], page_errors: [] };

const report = reporter(seen, RUN_MS);

let page; // the page in use, for the failure screenshot

// shoot saves a full-page screenshot of page as out/<name>.png.
async function shoot(p, name) {
  const path = join(cfg.out, `${name}.png`);
  await p.screenshot({ path, fullPage: true });
  seen.screenshots.push(path);
}

// visit opens a console path, checks its status, records it and screenshots it at both widths.
async function visit(p, name, path, status = 200) {
  const res = await p.goto(cfg.base + path, { waitUntil: 'load' });
  seen.pages[name] = res?.status();
  check(res && res.status() === status, `GET ${path} answered ${res?.status()}, want ${status}`);
  await shoot(p, name);
  await p.setViewportSize({ width: 390, height: 844 });
  await shoot(p, `${name}-phone`);
  await p.setViewportSize({ width: 1200, height: 900 });
  return res;
}

// text returns the trimmed text of the first element matching selector, or null.
async function text(p, selector) {
  const el = p.locator(selector);
  return (await el.count()) ? (await el.first().innerText()).trim() : null;
}

// submit clicks a submit button and waits for the navigation it starts to load.
async function submit(p, selector) {
  const navigated = p.waitForEvent('framenavigated', { predicate: (f) => f === p.mainFrame() });
  await p.click(selector);
  await navigated;
  await p.waitForLoadState('load');
}

// signIn fills the sign-in form and submits it.
async function signIn(p, id, secret) {
  await p.goto(cfg.base + '/console/sign-in', { waitUntil: 'load' });
  await p.fill('#client_id', id);
  await p.fill('#client_secret', secret);
  const answered = p.waitForResponse((r) => r.url().endsWith('/console/sign-in') && r.request().method() === 'POST');
  await submit(p, 'button[type=submit]');
  return (await answered).status();
}

function watch(p) {
  p.on('console', (m) => { if (m.type() === 'error') seen.console_errors.push(m.text()); });
  p.on('pageerror', (e) => seen.page_errors.push(String(e)));
}

async function run(ctx) {
  const acct = `/console/orgs/${cfg.org}/accounts/${cfg.account}`;
  ctx.setDefaultTimeout(STEP_MS);
  ctx.setDefaultNavigationTimeout(STEP_MS);
  page = ctx.pages()[0] ?? await ctx.newPage();
  watch(page);

  await visit(page, 'signin', '/console/sign-in');
  seen.signin_failed_status = await signIn(page, cfg.admin.id, 'not-the-secret');
  seen.signin_failed_problem = await text(page, '#problem');
  await shoot(page, 'signin-failed');
  check(seen.signin_failed_status === 401, `a wrong secret answered ${seen.signin_failed_status}, want 401`);

  seen.signin_status = await signIn(page, cfg.admin.id, cfg.admin.secret);
  check(page.url() === cfg.base + '/console/orgs', `after sign-in the browser is at ${page.url()}, want /console/orgs`);
  seen.role = await text(page, '#role');
  await visit(page, 'orgs', '/console/orgs');
  // Keyboard: the first Tab reaches the skip link, shown while it has the focus.
  await page.keyboard.press('Tab');
  seen.first_focus = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? null);
  await shoot(page, 'focus-skip-link');
  await visit(page, 'org', `/console/orgs/${cfg.org}`);
  await visit(page, 'account', acct);
  seen.balance_before = await text(page, '#balance');
  seen.chart_before = await page.locator('#balance-chart').innerHTML();
  await visit(page, 'journal', `${acct}/journal`);
  await visit(page, 'journal-filtered', `${acct}/journal?kind=grant&source=system.buy`);
  await visit(page, 'journal-bad-date', `${acct}/journal?from=yesterday`, 400);
  seen.bad_date_problem = await text(page, '#problem');
  await visit(page, 'payments', `${acct}/payments`);
  await visit(page, 'webhooks', `/console/orgs/${cfg.org}/webhooks`);
  await visit(page, 'clients', '/console/clients');
  await visit(page, 'catalog', '/console/catalog');

  // Buy credits: the console's form, the sandbox's checkout page, back to the account.
  await page.goto(cfg.base + acct, { waitUntil: 'load' });
  await page.selectOption('#product', cfg.product);
  await page.fill('#quantity', String(cfg.quantity));
  await submit(page, '#buy');
  seen.checkout_url = page.url();
  check(page.url().startsWith(cfg.base + '/checkout/'), `Buy credits landed on ${page.url()}, want the sandbox's checkout page`);
  await fillCard(page);
  await shoot(page, 'checkout');
  await page.click('#pay');
  await page.waitForURL((u) => u.pathname === acct && u.searchParams.get('done') === 'paid', { timeout: STEP_MS });
  await page.waitForLoadState('load');
  seen.after_payment_url = page.url();
  seen.notice = await text(page, '.notice');
  seen.balance_after = await text(page, '#balance');
  seen.chart_after = await page.locator('#balance-chart').innerHTML();
  await shoot(page, 'account-after-payment');
  await visit(page, 'journal-after-payment', `${acct}/journal`);
  await visit(page, 'payments-after-payment', `${acct}/payments`);

  // A webhook endpoint added through the form: its secret shown once, then listed.
  const hooks = `/console/orgs/${cfg.org}/webhooks`;
  await page.goto(cfg.base + hooks, { waitUntil: 'load' });
  await page.fill('#hook-url', cfg.webhook_url);
  await page.fill('#hook-description', 'billing events');
  await page.check('input[name=types][value="invoice.paid"]');
  await shoot(page, 'webhook-form');
  await submit(page, '#add-webhook button[type=submit]');
  seen.webhook_id = await text(page, '#new-id');
  seen.webhook_secret = await text(page, '#new-secret');
  await shoot(page, 'webhook-added');
  await visit(page, 'webhooks-listed', hooks);
  seen.webhooks_listed = await text(page, '#webhooks');
  await visit(page, 'webhook-delete', `${hooks}/${seen.webhook_id}/delete`);

  // An invoice of the invoiced account, downloaded as a PDF from its payments page.
  const invoiced = `/console/orgs/${cfg.invoice_org}/accounts/${cfg.invoice_account}`;
  await visit(page, 'invoices', `${invoiced}/payments`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`a[href$="/invoices/${cfg.invoice_id}/pdf"]`)]);
  seen.invoice_pdf = join(cfg.out, 'invoice.pdf');
  await download.saveAs(seen.invoice_pdf);
  await visit(page, 'invoiced-account', invoiced);

  // A form post without its CSRF field: the console refuses it.
  await page.goto(cfg.base + acct, { waitUntil: 'load' });
  await page.evaluate(() => document.querySelector('#controls input[name=csrf]').remove());
  const refused = page.waitForResponse((r) => r.url().endsWith('/controls') && r.request().method() === 'POST');
  await submit(page, '#controls button[type=submit]');
  seen.csrfless_status = (await refused).status();
  seen.csrfless_problem = await text(page, '#problem');
  await shoot(page, 'csrf-refused');
  check(seen.csrfless_status === 403, `a post without its CSRF field answered ${seen.csrfless_status}, want 403`);

  // Sign out; a member is refused an admin page.
  await submit(page, 'form[action="/console/sign-out"] button');
  seen.signed_out_url = page.url();
  await signIn(page, cfg.member.id, cfg.member.secret);
  seen.member_home = page.url();
  await visit(page, 'member-refused', '/console/clients', 403);
  seen.member_problem = await text(page, '#problem');
  check(seen.page_errors.length === 0, `a page threw: ${seen.page_errors[0]}`);
}

await withBrowser(seen, report, { width: 1200, height: 900 }, run, () => [page, join(cfg.out, 'failure.png')]);
