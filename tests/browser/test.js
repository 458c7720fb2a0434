/* The search page and widget of cglu-searchd in Debian's chromium, driven
 * by puppeteer-core over the DevTools protocol (tests/browser/run.sh starts
 * the daemon on the corpus it makes and calls this).
 * Usage: node test.js BASE_URL SCREENSHOT_DIR
 *   BASE_URL  the daemon's HTTP root, e.g. http://127.0.0.1:40191/
 * Prints "ok - NAME" or "not ok - NAME: why" per test, then
 * "browser tests: N passed, N failed". Every wait is bounded. */
'use strict';
const http = require('http');
const path = require('path');
const puppeteer = require('puppeteer-core');

const BASE = process.argv[2];
const SHOTS = process.argv[3];
const WAIT = 5000; /* ms: any one wait for the page */
const NB = '\u00a0';
const COOP = 'coopération';
const HOSTILE1 = '<img src=x onerror=alert(1)>';
const HOSTILE2 = `"><script>alert(4)</script> & 'guillemets'`;
const HOSTILE3 = `<script>alert(6)</script> "citée" & 'x'`; /* a section */
const HOSTILE3_HREF = `?q=pi%C3%A8ge&${new URLSearchParams({ section: HOSTILE3 })}`;
/* Velloria's 10 dated pages, newest first (run.sh); the 11th has no date */
const DATES = ['2025-03-14', '2025-02-02', '2025-01-10', '2024-11-20', '2024-09-09', '2024-06-01',
  '2024-03-01', '2023-12-24', '2023-05-05', '2022-02-02'];

let passed = 0;
let failed = 0;
const problems = []; /* console errors, CSP violations, dialogs, failures */

const tally = () => console.log(`browser tests: ${passed} passed, ${failed} failed`);
const watchdog = setTimeout(() => {
  console.log('not ok - the whole run took more than 240 s');
  failed++;
  tally();
  process.exit(1);
}, 240000);

async function test(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${(e && e.stack) || e}`);
  }
}
function ok(cond, msg) {
  if (!cond) throw new Error(msg);
}
function eq(got, want, msg) {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  if (g !== w) throw new Error(`${msg}: got ${g}, want ${w}`);
}

/* A page whose problems are collected; js false: scripts disabled. */
async function open(browser, { js = true, viewport = { width: 1280, height: 800 }, label = '' } = {}) {
  const ctx = await browser.createBrowserContext();
  const page = await ctx.newPage();
  page.setDefaultTimeout(WAIT);
  page.setDefaultNavigationTimeout(2 * WAIT);
  await page.setViewport(viewport);
  await page.setJavaScriptEnabled(js);
  const where = () => `${label} ${page.url()}`;
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content.Security.Policy/i.test(m.text()))
      problems.push(`console ${m.type()} at ${where()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error at ${where()}: ${e.message}`));
  page.on('dialog', async (d) => {
    problems.push(`dialog "${d.message()}" at ${where()}: a script ran`);
    await d.dismiss().catch(() => {});
  });
  page.on('requestfailed', (r) => {
    /* aborted suggestions and searches are the widget's own doing */
    if (!/ERR_ABORTED/.test(r.failure()?.errorText || ''))
      problems.push(`request failed at ${where()}: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} at ${where()}: ${r.url()}`);
  });
  if (js)
    await page.evaluateOnNewDocument(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
      });
    });
  page.ctx = ctx;
  return page;
}

const text = (page, sel) => page.$eval(sel, (e) => e.textContent);
const texts = (page, sel) => page.$$eval(sel, (l) => l.map((e) => e.textContent));
const count = (page, sel) => page.$$eval(sel, (l) => l.length);
const search = (page) => page.evaluate(() => location.search);

/* Wait until the status line matches re (a string pattern). */
async function status(page, re) {
  try {
    await page.waitForFunction((r) => {
      const s = document.querySelector('#cglu-search .cglu-status');
      return s && new RegExp(r).test(s.textContent) && !document.querySelector('[aria-busy=true]');
    }, { timeout: WAIT }, re);
  } catch (e) {
    const s = await page.$eval('#cglu-search .cglu-status', (x) => x.textContent).catch(() => '?');
    throw new Error(`status "${s}" never matched /${re}/`);
  }
}
async function pos(page, want) {
  await page.waitForFunction((w) => document.querySelector('.cglu-pos')?.textContent === w,
    { timeout: WAIT }, want).catch(() => { throw new Error(`no "${want}"`); });
}
/* Type text into the emptied search field. */
async function typeQuery(page, s, delay = 20) {
  await page.click('#cglu-q', { count: 3 });
  await page.keyboard.press('Backspace');
  await page.keyboard.type(s, { delay });
}
async function submit(page, q, want) {
  await typeQuery(page, q, 0);
  await page.keyboard.press('Enter');
  await status(page, want);
}
/* A row of chips (langs, sections): their texts, the current one starred. */
const chips = (page, row) => page.$$eval(`.cglu-${row} .cglu-chip`,
  (l) => l.map((e) => (e.getAttribute('aria-current') === 'true' ? '*' : '') + e.textContent));
const hrefs = (page, sel) => page.$$eval(sel, (l) => l.map((e) => e.getAttribute('href')));
/* The rendered results once the sort toggle says `want`. */
async function sorted(page, want) {
  await page.waitForFunction((w) => document.querySelector('.cglu-sort .cglu-current')?.textContent === w &&
    !document.querySelector('[aria-busy=true]'), { timeout: WAIT }, want)
    .catch(() => { throw new Error(`the sort toggle never said "${want}"`); });
}
/* The number of renderings by the script so far. */
const renders = (page) => page.evaluate(() => performance.getEntriesByName('cglu-search:results').length);
async function rendered(page, n) {
  await page.waitForFunction((k) => performance.getEntriesByName('cglu-search:results').length >= k,
    { timeout: WAIT }, n).catch(() => { throw new Error(`fewer than ${n} renderings by the script`); });
}
async function listOpen(page) {
  await page.waitForSelector('#cglu-sugg:not([hidden]) [role=option]', { timeout: WAIT });
}

async function main() {
  ok(BASE && SHOTS, 'usage: node test.js BASE_URL SCREENSHOT_DIR');
  const args = ['--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args,
    protocolTimeout: 30000,
  });
  try {
    await run(browser);
  } finally {
    await browser.close().catch(() => {});
    server?.close();
  }
}

let server = null; /* the other site of the widget test */

async function run(browser) {
  let page = await open(browser, { label: 'main' });
  const suggests = [];
  page.on('request', (r) => { if (r.url().includes('/suggest?')) suggests.push(r.url()); });

  await test('the page without a query: French, CSP, enhanced by the script', async () => {
    const r = await page.goto(BASE, { waitUntil: 'load' });
    eq(r.status(), 200, 'status');
    const csp = r.headers()['content-security-policy'] || '';
    ok(/script-src 'self'/.test(csp) && /default-src 'none'/.test(csp), `CSP header: "${csp}"`);
    eq(await page.title(), 'Recherche', 'title');
    eq(await page.$eval('html', (e) => e.lang), 'fr', 'lang');
    await page.waitForSelector('#cglu-q[role=combobox]');
    eq(await page.$eval('#cglu-q', (e) => [e.getAttribute('aria-expanded'), e.getAttribute('aria-controls'),
      e.getAttribute('aria-autocomplete')]), ['false', 'cglu-sugg', 'list'], 'combobox attributes');
    eq(await page.$eval('#cglu-sugg', (e) => [e.getAttribute('role'), e.hidden]), ['listbox', true], 'listbox');
    eq(await page.$eval('label[for=cglu-q]', (e) => e.textContent.length > 0), true, 'label');
  });

  await test('suggestions while typing, debounced', async () => {
    suggests.length = 0;
    await typeQuery(page, 'gouv', 30);
    await listOpen(page);
    eq(await texts(page, '#cglu-sugg [role=option]'), ['gouvernements', 'gouvernance'], 'options');
    eq(await page.$eval('#cglu-q', (e) => e.getAttribute('aria-expanded')), 'true', 'aria-expanded');
    ok(suggests.length >= 1 && suggests.length < 4, `${suggests.length} /suggest requests for 4 keys typed 30 ms apart`);
    ok(suggests.every((u) => /limit=8/.test(u)), `limit=8 in ${suggests}`);
  });

  await test('suggestions: arrows move, Enter picks and searches', async () => {
    const act = () => page.$eval('#cglu-q', (e) => e.getAttribute('aria-activedescendant'));
    await page.keyboard.press('ArrowDown');
    eq(await act(), 'cglu-sugg-0', 'first ArrowDown');
    eq(await page.$eval('#cglu-sugg-0', (e) => e.getAttribute('aria-selected')), 'true', 'aria-selected');
    await page.keyboard.press('ArrowDown');
    eq(await act(), 'cglu-sugg-1', 'second ArrowDown');
    await page.keyboard.press('ArrowDown');
    eq(await act(), 'cglu-sugg-0', 'ArrowDown wraps');
    await page.keyboard.press('ArrowUp');
    eq(await act(), 'cglu-sugg-1', 'ArrowUp wraps');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await status(page, '^\\d+ résultats? \\(\\d+(,\\d+)? ms\\)$');
    eq(await page.$eval('#cglu-q', (e) => e.value), 'gouvernements', 'the field');
    eq(await page.$eval('#cglu-sugg', (e) => e.hidden), true, 'list closed');
    eq(await page.$eval('#cglu-q', (e) => [e.getAttribute('aria-expanded'), e.hasAttribute('aria-activedescendant')]),
      ['false', false], 'combobox closed');
    eq(await search(page), '?q=gouvernements', 'the address');
    eq(await page.title(), 'gouvernements – Recherche', 'title');
    const marks = await texts(page, '.cglu-snippet mark');
    ok(marks.length > 0 && marks.every((m) => /^gouvern/i.test(m)), `marks: ${marks}`); /* one stem */
    eq(await page.evaluate(() => document.activeElement.id), 'cglu-q', 'focus stays in the field');
  });

  await test('suggestions: Escape closes and keeps the text', async () => {
    await typeQuery(page, 'coop', 30);
    await listOpen(page);
    await page.keyboard.press('Escape');
    eq(await page.$eval('#cglu-sugg', (e) => e.hidden), true, 'list closed');
    eq(await page.$eval('#cglu-q', (e) => e.value), 'coop', 'the field');
  });

  await test('search: count, time, hits with marks, page 1 of 3', async () => {
    await submit(page, COOP, '^25 résultats \\(\\d+(,\\d+)? ms\\)$');
    eq(await count(page, '.cglu-hits > li'), 10, 'hits');
    eq(await page.$eval('.cglu-hits', (e) => e.start), 1, 'first rank');
    await pos(page, 'Page 1 sur 3');
    eq(await count(page, '.cglu-prev'), 0, 'no précédent on page 1');
    eq(await page.$eval('.cglu-next', (e) => e.getAttribute('href')), '?q=coop%C3%A9ration&page=2', 'suivant');
    eq(await search(page), '?q=coop%C3%A9ration', 'the address');
    const hit = await page.$eval('.cglu-hits > li', (li) => ({
      title: li.querySelector('h2 a').textContent,
      href: li.querySelector('h2 a').getAttribute('href'),
      url: li.querySelector('.cglu-url').textContent,
      marks: [...li.querySelectorAll('.cglu-snippet mark')].map((m) => m.textContent),
    }));
    ok(/^Fiche \d\d : coopération entre villes$/.test(hit.title), `title ${hit.title}`);
    eq(hit.url, hit.href, 'url shown');
    ok(hit.marks.length >= 1 && hit.marks.every((m) => m === COOP), `marks ${hit.marks}`);
  });

  await test('focus order: field, button, sort toggle, first hit', async () => {
    await page.focus('#cglu-q');
    await page.keyboard.press('Tab');
    eq(await page.evaluate(() => document.activeElement.className), 'cglu-button', 'after the field');
    await page.keyboard.press('Tab');
    eq(await page.evaluate(() => document.activeElement.closest('.cglu-sort') && document.activeElement.textContent),
      'date', 'then the sort toggle (one language, no section: no chips)');
    await page.keyboard.press('Tab');
    eq(await page.evaluate(() => document.activeElement.closest('.cglu-hits h2') !== null), true, 'then the first title');
  });

  await test('pagination: suivant to pages 2 and 3', async () => {
    await page.click('.cglu-next');
    await pos(page, 'Page 2 sur 3');
    eq(await search(page), '?q=coop%C3%A9ration&page=2', 'the address');
    eq(await page.$eval('.cglu-hits', (e) => e.start), 11, 'first rank');
    eq(await count(page, '.cglu-hits > li'), 10, 'hits');
    eq(await page.evaluate(() => document.activeElement.className), 'cglu-status', 'focus on the results');
    eq(await page.$eval('.cglu-prev', (e) => e.getAttribute('href')), '?q=coop%C3%A9ration', 'précédent');
    await page.click('.cglu-next');
    await pos(page, 'Page 3 sur 3');
    eq(await count(page, '.cglu-hits > li'), 5, 'hits on the last page');
    eq(await count(page, '.cglu-next'), 0, 'no suivant past the total');
  });

  await test('history: back and forward follow the searches', async () => {
    await page.evaluate(() => { window.samePage = 1; history.back(); });
    await pos(page, 'Page 2 sur 3');
    eq(await search(page), '?q=coop%C3%A9ration&page=2', 'back once');
    await page.evaluate(() => history.back());
    await pos(page, 'Page 1 sur 3');
    await page.evaluate(() => history.back());
    await status(page, 'résultats');
    eq(await page.$eval('#cglu-q', (e) => e.value), 'gouvernements', 'back to the search before');
    ok((await texts(page, '.cglu-hits h2')).length > 0, 'results');
    await page.evaluate(() => history.forward());
    await status(page, '^25 résultats');
    await page.evaluate(() => history.forward());
    await pos(page, 'Page 2 sur 3');
    eq(await page.evaluate(() => window.samePage), 1, 'no page load');
  });

  await test('typo tolerance: the corrected query answered, and said', async () => {
    await submit(page, 'gouvrenance', '^\\d+ résultats?');
    eq(await text(page, '.cglu-dym'), `Résultats pour${NB}«${NB}gouvernance${NB}»`, 'corrected');
    ok(await count(page, '.cglu-hits > li') > 0, 'hits');
  });

  await test('did you mean: a link to the corrected query', async () => {
    await submit(page, `gouvrenance OR ${COOP}`, '^\\d+ résultats?');
    eq(await text(page, '.cglu-dym'), `Essayez avec${NB}: gouvernance OR ${COOP}`, 'did you mean');
    eq(await page.$eval('.cglu-dym a', (e) => e.getAttribute('href')),
      `?q=gouvernance+OR+${encodeURIComponent(COOP)}`, 'its link');
    await page.click('.cglu-dym a');
    await status(page, '^\\d+ résultats?');
    eq(await page.$eval('#cglu-q', (e) => e.value), `gouvernance OR ${COOP}`, 'the field');
    eq(await search(page), `?q=gouvernance+OR+${encodeURIComponent(COOP)}`, 'the address');
  });

  await test('relaxed: the partial results notice', async () => {
    await submit(page, `${COOP} zzqxwvkj`, '^25 résultats');
    eq(await text(page, '.cglu-notice'), `Aucun document ne contient tous les mots${NB}: résultats partiels`, 'notice');
  });

  await test('hostile titles and urls are shown as text, nothing runs', async () => {
    await submit(page, 'piège', '^2 résultats');
    await hostileChecks(page);
  });

  await test('a daemon error is shown', async () => {
    /* a query longer than the daemon takes: an HTTP error with its JSON */
    await page.evaluate(() => {
      const i = document.getElementById('cglu-q');
      i.value = 'x'.repeat(9000);
      i.form.requestSubmit();
    });
    await page.waitForSelector('.cglu-error[role=alert]');
    const m = await text(page, '.cglu-error');
    ok(m.startsWith(`La recherche a échoué${NB}: `) && m.length > 25, `message "${m}"`);
    eq(await text(page, '.cglu-status'), '', 'no count');
    /* the 414 is expected here, not a problem */
    for (let i = problems.length - 1; i >= 0; i--)
      if (/HTTP 41\d|status of 41\d/.test(problems[i])) problems.splice(i, 1);
  });

  await test('screenshot: desktop', async () => {
    await page.goto(`${BASE}?q=velloria`, { waitUntil: 'load' });
    await status(page, 'résultats');
    await page.screenshot({ path: path.join(SHOTS, 'search-page.png') });
  });
  await page.ctx.close();

  await test('deep link: server-rendered results, enhanced', async () => {
    page = await open(browser, { label: 'deep link' });
    const r = await page.goto(`${BASE}?q=coop%C3%A9ration&page=2`, { waitUntil: 'load' });
    eq(r.status(), 200, 'status');
    await page.waitForSelector('#cglu-q[role=combobox]');
    eq(await page.$eval('#cglu-q', (e) => e.value), COOP, 'the field');
    await pos(page, 'Page 2 sur 3');
    eq(await page.$eval('.cglu-hits', (e) => e.start), 11, 'first rank');
    eq(await page.title(), 'coopération – Recherche', 'title');
    await page.evaluate(() => { window.samePage = 1; });
    await page.click('.cglu-prev');
    await pos(page, 'Page 1 sur 3');
    eq(await search(page), '?q=coop%C3%A9ration', 'the address');
    await page.evaluate(() => history.back());
    await pos(page, 'Page 2 sur 3');
    eq(await page.evaluate(() => window.samePage), 1, 'no page load');
    await page.ctx.close();
  });

  await test('chips: languages and sections with counts, the sort toggle, dates and languages of hits', async () => {
    page = await open(browser, { label: 'chips' });
    await page.goto(`${BASE}?q=velloria`, { waitUntil: 'load' });
    await page.waitForSelector('#cglu-q[role=combobox]');
    ok(/^11 résultats/.test(await text(page, '.cglu-status')), 'status');
    eq(await chips(page, 'langs'), ['*Toutes les langues 11', 'Français 5', 'English 3', 'Español 3'], 'languages');
    eq(await page.$$eval('.cglu-langs', (l) => l.map((e) => e.getAttribute('aria-label'))), ['Langues'], 'its name');
    eq(await hrefs(page, '.cglu-langs a'), ['?q=velloria&lang=fr', '?q=velloria&lang=en', '?q=velloria&lang=es'], 'links');
    eq(await chips(page, 'sections'), ['*Toutes les rubriques 11', 'about 4', 'action 4', 'mission 3'], 'sections');
    eq(await text(page, '.cglu-sort'), `Trier par${NB}: pertinence · date`, 'sort toggle');
    eq(await page.$eval('.cglu-sort [aria-current=true]', (e) => [e.tagName, e.textContent]), ['SPAN', 'pertinence'],
      'current order, not a link');
    const hits = await page.$$eval('.cglu-hits > li', (l) => l.map((li) => ({
      h2: li.querySelector('h2').lang, snip: li.querySelector('.cglu-snippet').lang,
      meta: li.querySelector('.cglu-meta')?.textContent, code: li.querySelector('.cglu-lang')?.textContent,
      time: li.querySelector('time')?.getAttribute('datetime') ?? null })));
    eq(hits.length, 10, 'hits');
    for (const h of hits) {
      ok(/^(\d{1,2}(er)? [a-zéû]+ \d{4} · )?(fr|en|es)$/.test(h.meta), `meta line "${h.meta}"`);
      eq([h.h2, h.snip], h.code === 'fr' ? ['', ''] : [h.code, h.code], `lang attributes of a hit in ${h.code}`);
    }
    ok(hits.some((h) => h.meta === '14 mars 2025 · fr' && h.time === '2025-03-14'), 'a date in French');
  });

  await test('chips: a click filters without reload, the address follows, back restores', async () => {
    await page.evaluate(() => { window.samePage = 1; });
    await page.click('.cglu-langs a[href$="lang=en"]');
    await status(page, '^3 résultats');
    eq(await search(page), '?q=velloria&lang=en', 'the address');
    eq(await chips(page, 'langs'), ['Toutes les langues', '*English 3'], 'languages: the chosen one, all without count');
    eq(await chips(page, 'sections'), ['*Toutes les rubriques 3', 'about 1', 'action 1', 'mission 1'], 'its sections');
    eq(await hrefs(page, '.cglu-sections a'), ['?q=velloria&lang=en&section=about', '?q=velloria&lang=en&section=action',
      '?q=velloria&lang=en&section=mission'], 'section links keep the language');
    eq(await page.$$eval('.cglu-hits h2', (l) => l.map((e) => e.lang)), ['en', 'en', 'en'], 'English hits');
    eq(await count(page, '.cglu-lang'), 0, 'one language: hits do not say it');
    eq(await page.evaluate(() => document.activeElement.className), 'cglu-status', 'focus on the results');
    await page.click('.cglu-sections a[href$="section=about"]');
    await status(page, '^1 résultat \\(');
    eq(await search(page), '?q=velloria&lang=en&section=about', 'two filters');
    eq(await chips(page, 'langs'), ['Toutes les langues', '*English 1'], 'languages');
    eq(await chips(page, 'sections'), ['Toutes les rubriques', '*about 1'], 'sections');
    eq(await hrefs(page, '.cglu-chip[href]'), ['?q=velloria&section=about', '?q=velloria&lang=en'],
      'each "all" drops its own filter only');
    eq(await text(page, '.cglu-hits h2'), 'Velloria, a port city', 'the hit');
    await page.evaluate(() => history.back());
    await status(page, '^3 résultats');
    eq(await search(page), '?q=velloria&lang=en', 'back once');
    eq(await chips(page, 'langs'), ['Toutes les langues', '*English 3'], 'languages back');
    await page.evaluate(() => history.back());
    await status(page, '^11 résultats');
    eq(await chips(page, 'langs'), ['*Toutes les langues 11', 'Français 5', 'English 3', 'Español 3'], 'all back');
    await page.evaluate(() => history.forward());
    await status(page, '^3 résultats');
    eq(await search(page), '?q=velloria&lang=en', 'forward');
    eq(await page.evaluate(() => window.samePage), 1, 'no page load');
  });

  await test('sort toggle: newest first, kept by chips and pages, undated last', async () => {
    await page.goto(`${BASE}?q=velloria`, { waitUntil: 'load' });
    await page.waitForSelector('#cglu-q[role=combobox]');
    await page.click('.cglu-sort a');
    await sorted(page, 'date');
    eq(await search(page), '?q=velloria&sort=date', 'the address');
    eq(await page.$$eval('.cglu-hits time', (l) => l.map((e) => e.getAttribute('datetime'))), DATES, 'newest first');
    eq(await text(page, '.cglu-meta'), '14 mars 2025 · fr', 'the first date');
    eq(await page.$eval('.cglu-next', (e) => e.getAttribute('href')), '?q=velloria&sort=date&page=2', 'suivant');
    eq((await hrefs(page, '.cglu-langs a'))[0], '?q=velloria&lang=fr&sort=date', 'chips keep the order');
    await page.click('.cglu-next');
    await pos(page, 'Page 2 sur 2');
    eq(await texts(page, '.cglu-hits h2'), ['Velloria, une histoire'], 'the undated page last');
    eq(await text(page, '.cglu-meta'), 'fr', 'no date');
    await page.click('.cglu-langs a[href*="lang=fr"]'); /* a chip: page 1 again */
    await status(page, '^5 résultats');
    eq(await search(page), '?q=velloria&lang=fr&sort=date', 'the address');
    eq(await page.$$eval('.cglu-hits time', (l) => l.map((e) => e.getAttribute('datetime'))),
      ['2025-03-14', '2024-11-20', '2024-03-01', '2023-05-05'], 'French pages, newest first');
    eq(await count(page, '.cglu-pages'), 0, 'one page');
    await page.click('.cglu-sort a');
    await sorted(page, 'pertinence');
    eq(await search(page), '?q=velloria&lang=fr', 'back to relevance');
  });

  await test('chips: the hostile section filters, as text', async () => {
    await page.goto(`${BASE}?q=pi%C3%A8ge`, { waitUntil: 'load' });
    await page.waitForSelector('#cglu-q[role=combobox]');
    await page.click(`.cglu-sections a[href="${HOSTILE3_HREF}"]`);
    await status(page, '^1 résultat \\(');
    eq(await search(page), HOSTILE3_HREF, 'the address');
    eq(await chips(page, 'sections'), ['Toutes les rubriques', `*${HOSTILE3} 1`], 'the chip');
    eq(await text(page, '.cglu-hits h2'), HOSTILE1, 'the hit');
    eq(await count(page, '#cglu-search script, #cglu-search [onerror]'), 0, 'no element from the section');
    await page.ctx.close();
  });

  await test('the script renders the markup the server renders', async () => {
    page = await open(browser, { label: 'same markup' });
    for (const q of [COOP, 'gouvrenance', `${COOP} zzqxwvkj`, 'piège', 'mission', 'velloria']) {
      await page.goto(`${BASE}?q=${encodeURIComponent(q)}`, { waitUntil: 'load' });
      await page.waitForSelector('#cglu-q[role=combobox]');
      const server = await markup(page);
      await page.evaluate(() => document.getElementById('cglu-q').form.requestSubmit());
      await page.waitForFunction(() => performance.getEntriesByName('cglu-search:results').length > 0, { timeout: WAIT });
      eq(await markup(page), server, `"${q}": the script's results`);
    }
    /* page 2, rendered by the script when history comes back to it */
    await page.goto(`${BASE}?q=coop%C3%A9ration&page=2`, { waitUntil: 'load' });
    await page.waitForSelector('#cglu-q[role=combobox]');
    const server = await markup(page);
    await page.click('.cglu-next');
    await pos(page, 'Page 3 sur 3');
    await page.evaluate(() => history.back());
    await pos(page, 'Page 2 sur 3');
    eq(await markup(page), server, 'page 2');
    /* filters from the address: a link the script follows, then back */
    for (const u of ['?q=velloria&lang=en&sort=date', '?q=velloria&section=About', '?q=velloria&lang=English',
      HOSTILE3_HREF, '?q=zzqxwvkj&lang=es']) {
      await page.goto(BASE + u, { waitUntil: 'load' });
      await page.waitForSelector('#cglu-q[role=combobox]');
      const server = await markup(page);
      ok(server.includes('cglu-filters'), `${u}: chips`);
      await page.click('.cglu-filters a');
      await rendered(page, 1);
      await page.evaluate(() => history.back());
      await rendered(page, 2);
      eq(await search(page), u, `${u}: the address`);
      eq(await markup(page), server, `${u}: the script's results`);
    }
    await page.ctx.close();
  });

  await test('the widget on another site (data-endpoint, deep link, CORS)', async () => {
    page = await open(browser, { label: 'widget' });
    /* The site: a server of its own on 127.0.0.1, another origin than the
     * daemon's (Chrome lets a public page reach a loopback address only
     * with the user's permission: a real site is not on loopback). */
    const js = await (await fetch(`${BASE}cglu-search.js`)).text();
    const css = await (await fetch(`${BASE}cglu-search.css`)).text();
    /* a.html links the daemon's style sheet itself; b.html lets the script do it */
    const site = (endpoint) => `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Site</title>${endpoint ? `<link rel="stylesheet" href="${BASE}cglu-search.css">` : ''}</head>
<body><h1>Un site</h1><div id="cglu-search"${endpoint ? ` data-endpoint="${endpoint}"` : ''}></div>
<script src="/cdn/js/cglu-search.js" defer></script></body></html>`;
    /* what the script's folder answers as an API (b.html: no data-endpoint) */
    const fake = JSON.stringify({ ok: true, query: 'gouvernance', total: 1, offset: 0, limit: 10, hits: [{
      rank: 1, id: 'x', title: 'Depuis le dossier du script', url: 'https://example.org/x', score: 1,
      snippet: '<mark>gouvernance</mark> &amp; &#233;t&#xE9; &eacute; &lt;i&gt;' }], took_ms: 0.04 });
    server = http.createServer((req, res) => {
      const u = new URL(req.url, 'http://x');
      if (u.pathname === '/favicon.ico') { res.writeHead(204); res.end(); return; }
      const [type, body] = u.pathname.startsWith('/site/') ? ['text/html; charset=utf-8', site(u.pathname === '/site/a.html' ? BASE : '')]
        : u.pathname === '/cdn/js/cglu-search.js' ? ['text/javascript', js]
          : u.pathname === '/cdn/js/cglu-search.css' ? ['text/css', css]
          : u.pathname === '/cdn/js/search' ? ['application/json', fake] : [null, 'not found'];
      res.writeHead(type ? 200 : 404, { 'Content-Type': type || 'text/plain' });
      res.end(body);
    });
    await new Promise((ok2, ko) => server.once('error', ko).listen(0, '127.0.0.1', ok2));
    const SITE = `http://127.0.0.1:${server.address().port}/`;
    const apiCalls = [];
    page.on('request', (r) => { if (/\/(search|suggest)\?/.test(r.url())) apiCalls.push(r.url()); });
    await page.goto(`${SITE}site/a.html?q=gouvernance&ref=nav`, { waitUntil: 'load' });
    await status(page, '^\\d+ résultats?');
    ok(apiCalls.length === 1 && apiCalls[0].startsWith(`${BASE}search?q=gouvernance&limit=10&offset=0`),
      `the API called: ${apiCalls}`);
    eq(await page.$eval('#cglu-q', (e) => e.value), 'gouvernance', 'the field');
    eq(await page.title(), 'Site', 'the site\'s title is left alone');
    eq(await page.$$eval('link[rel=stylesheet]', (l) => l.map((e) => e.href)), [`${BASE}cglu-search.css`],
      'the site\'s own link to the style sheet, no other');
    await submit(page, COOP, '^25 résultats');
    eq(await search(page), '?q=coop%C3%A9ration&ref=nav', 'the site\'s own parameters are kept');
    eq(await page.$eval('.cglu-next', (e) => e.getAttribute('href')), '?q=coop%C3%A9ration&ref=nav&page=2', 'suivant');
    await page.click('.cglu-next');
    await pos(page, 'Page 2 sur 3');
    await submit(page, 'piège', '^2 résultats');
    await hostileChecks(page);
    /* the filters of the site's address, and chips */
    apiCalls.length = 0;
    await page.goto(`${SITE}site/a.html?ref=nav&q=velloria&lang=en`, { waitUntil: 'load' });
    await status(page, '^3 résultats');
    eq(apiCalls, [`${BASE}search?q=velloria&limit=10&offset=0&lang=en&facets=lang%2Csection`], 'the API called');
    eq(await chips(page, 'langs'), ['Toutes les langues', '*English 3'], 'language chips');
    await page.evaluate(() => { window.samePage = 1; });
    await page.click('.cglu-langs a');
    await status(page, '^11 résultats');
    eq(await search(page), '?ref=nav&q=velloria', 'the site\'s parameter kept, the filter dropped');
    await page.click('.cglu-sort a');
    await sorted(page, 'date');
    eq(await search(page), '?ref=nav&q=velloria&sort=date', 'sorted by date');
    eq(await page.$$eval('.cglu-hits time', (l) => l.map((e) => e.getAttribute('datetime'))), DATES, 'newest first');
    await page.evaluate(() => history.back());
    await sorted(page, 'pertinence');
    eq(await search(page), '?ref=nav&q=velloria', 'back');
    eq(await page.evaluate(() => window.samePage), 1, 'no page load');
    /* without data-endpoint: the script's own folder */
    apiCalls.length = 0;
    await page.goto(`${SITE}site/b.html?q=gouvernance`, { waitUntil: 'load' });
    await status(page, '^1 résultat \\(0,04 ms\\)$');
    eq(apiCalls, [`${SITE}cdn/js/search?q=gouvernance&limit=10&offset=0&facets=lang%2Csection`], 'the API called');
    eq(await text(page, '.cglu-hits h2'), 'Depuis le dossier du script', 'the title');
    eq(await text(page, '.cglu-snippet'), 'gouvernance & été &eacute; <i>', 'entities decoded');
    eq(await texts(page, '.cglu-snippet mark'), ['gouvernance'], 'the mark');
    eq(await page.$$eval('link[rel=stylesheet]', (l) => l.map((e) => e.href)), [`${SITE}cdn/js/cglu-search.css`],
      'the style sheet linked by the script');
    eq(await page.$eval('.cglu-snippet mark', (e) => getComputedStyle(e).backgroundColor), 'rgb(255, 233, 138)',
      'styled');
    await page.ctx.close();
    server.close();
    server = null;
  });

  await test('without JavaScript: server-rendered results, pagination, form, did you mean', async () => {
    page = await open(browser, { js: false, label: 'no js' });
    await page.goto(`${BASE}?q=coop%C3%A9ration`, { waitUntil: 'load' });
    ok(/^25 résultats \(\d+(,\d+)? ms\)$/.test(await text(page, '.cglu-status')), 'status');
    eq(await count(page, '.cglu-hits > li'), 10, 'hits');
    ok((await texts(page, '.cglu-snippet mark')).every((m) => m === COOP), 'marks');
    eq(await page.$eval('#cglu-q', (e) => e.hasAttribute('role')), false, 'not enhanced');
    await Promise.all([page.waitForNavigation(), page.click('.cglu-next')]);
    eq(await search(page), '?q=coop%C3%A9ration&page=2', 'the address');
    eq(await text(page, '.cglu-pos'), 'Page 2 sur 3', 'page 2');
    eq(await page.$eval('.cglu-hits', (e) => e.start), 11, 'first rank');
    await Promise.all([page.waitForNavigation(), page.click('.cglu-next')]);
    eq(await count(page, '.cglu-hits > li'), 5, 'page 3');
    eq(await count(page, '.cglu-next'), 0, 'no suivant');
    await Promise.all([page.waitForNavigation(), page.click('.cglu-prev')]);
    eq(await text(page, '.cglu-pos'), 'Page 2 sur 3', 'back to page 2');
    await typeQuery(page, `gouvrenance OR ${COOP}`, 0);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    eq(await search(page), `?q=gouvrenance+OR+${encodeURIComponent(COOP)}`, 'the form');
    await Promise.all([page.waitForNavigation(), page.click('.cglu-dym a')]);
    eq(await page.$eval('#cglu-q', (e) => e.value), `gouvernance OR ${COOP}`, 'did you mean followed');
    ok(/résultats?/.test(await text(page, '.cglu-status')), 'results');
    await page.goto(`${BASE}?q=${encodeURIComponent(`${COOP} zzqxwvkj`)}`, { waitUntil: 'load' });
    eq(await count(page, '.cglu-notice'), 1, 'relaxed notice');
    await page.goto(`${BASE}?q=pi%C3%A8ge`, { waitUntil: 'load' });
    await hostileChecks(page);
    await page.ctx.close();
  });

  await test('without JavaScript: chips and the sort toggle are links, a bad filter is the page\'s error', async () => {
    page = await open(browser, { js: false, label: 'no js chips' });
    await page.goto(`${BASE}?q=velloria&utm_source=x`, { waitUntil: 'load' });
    ok(/^11 résultats/.test(await text(page, '.cglu-status')), 'status, utm_source ignored');
    eq(await chips(page, 'langs'), ['*Toutes les langues 11', 'Français 5', 'English 3', 'Español 3'], 'languages');
    eq(await chips(page, 'sections'), ['*Toutes les rubriques 11', 'about 4', 'action 4', 'mission 3'], 'sections');
    await Promise.all([page.waitForNavigation(), page.click('.cglu-langs a[href$="lang=en"]')]);
    eq(await search(page), '?q=velloria&lang=en', 'the address');
    ok(/^3 résultats/.test(await text(page, '.cglu-status')), 'English only');
    eq(await chips(page, 'langs'), ['Toutes les langues', '*English 3'], 'languages');
    await Promise.all([page.waitForNavigation(), page.click('.cglu-sort a')]);
    eq(await search(page), '?q=velloria&lang=en&sort=date', 'sorted');
    eq(await page.$$eval('.cglu-hits time', (l) => l.map((e) => e.getAttribute('datetime'))),
      ['2025-01-10', '2024-06-01', '2023-12-24'], 'newest first');
    await Promise.all([page.waitForNavigation(), page.click('.cglu-langs a')]);
    eq(await search(page), '?q=velloria&sort=date', 'every language, still by date');
    eq(await page.$$eval('.cglu-hits time', (l) => l.map((e) => e.getAttribute('datetime'))), DATES, 'newest first');
    eq(await page.$eval('.cglu-next', (e) => e.getAttribute('href')), '?q=velloria&sort=date&page=2', 'suivant');
    await page.goto(BASE + HOSTILE3_HREF, { waitUntil: 'load' });
    eq(await chips(page, 'sections'), ['Toutes les rubriques', `*${HOSTILE3} 1`], 'the hostile section');
    eq(await count(page, '#cglu-search script'), 0, 'as text');
    await page.goto(`${BASE}?q=velloria&lang=&section=&sort=`, { waitUntil: 'load' });
    ok(/^11 résultats/.test(await text(page, '.cglu-status')), 'empty values: no filter');
    await page.goto(`${BASE}?q=velloria&lang=xx`, { waitUntil: 'load' });
    eq(await text(page, '.cglu-error'),
      `La recherche a échoué${NB}: option lang takes a language code or name (fr, en, es, french...)`, 'a bad language');
    await page.goto(`${BASE}?q=velloria&sort=newest`, { waitUntil: 'load' });
    eq(await text(page, '.cglu-error'), `La recherche a échoué${NB}: option sort takes relevance or date`, 'a bad order');
    /* those two 400s are expected here, not problems */
    for (let i = problems.length - 1; i >= 0; i--)
      if (/HTTP 400 at no js chips/.test(problems[i]) || /status of 400/.test(problems[i])) problems.splice(i, 1);
    await page.ctx.close();
  });

  await test('phone: no horizontal scroll, a suggestion tapped; screenshot', async () => {
    page = await open(browser, {
      label: 'phone',
      viewport: { width: 360, height: 740, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
    });
    await page.goto(`${BASE}?q=velloria`, { waitUntil: 'load' });
    await page.waitForSelector('#cglu-q[role=combobox]');
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    ok(wide <= 360, `the page is ${wide} px wide on a 360 px screen`);
    await status(page, 'résultats');
    const small = await page.$$eval('.cglu-chip, .cglu-sort a', (l) => l.filter((e) => {
      const r = e.getBoundingClientRect();
      return r.height < 24 || r.right > 360;
    }).length);
    eq(small, 0, 'chips and toggle: 24 px high at least, on the screen');
    await page.screenshot({ path: path.join(SHOTS, 'search-page-phone.png') });
    await page.goto(`${BASE}?q=gouvernements`, { waitUntil: 'load' });
    await page.waitForSelector('#cglu-q[role=combobox]');
    await status(page, 'résultats');
    /* a suggestion picked by touch */
    await page.tap('#cglu-q');
    await page.keyboard.press('End');
    for (let i = 0; i < 'rnements'.length; i++) await page.keyboard.press('Backspace');
    await page.waitForSelector('#cglu-sugg-1');
    await page.tap('#cglu-sugg-1');
    await status(page, 'résultats');
    eq(await page.$eval('#cglu-q', (e) => e.value), 'gouvernance', 'picked by touch');
    eq(await search(page), '?q=gouvernance', 'the address');
    await page.ctx.close();
  });

  /* 19 871 bytes before the chips and the date sort (issue #14), 25 366
   * with them */
  await test('page weight: HTML of a results page + JS + CSS <= 25 600 bytes', async () => {
    const size = async (u) => Buffer.byteLength(await (await fetch(BASE + u)).text());
    const html = await size('?q=coop%C3%A9ration');
    const js = await size('cglu-search.js');
    const css = await size('cglu-search.css');
    console.log(`# page weight: HTML ${html} + JS ${js} + CSS ${css} = ${html + js + css} bytes`);
    ok(html + js + css <= 25600, `${html + js + css} bytes`);
  });

  await test('no console error, CSP violation, dialog or failed request', async () => {
    if (problems.length) throw new Error(`\n  ${problems.join('\n  ')}`);
  });
}

/* The results' markup, the same whoever rendered it: whitespace between
 * blocks (the server's newlines), the time taken, and the attributes the
 * script adds to the status line left out. */
function markup(page) {
  return page.evaluate(() => {
    const c = document.querySelector('#cglu-search .cglu-results').cloneNode(true);
    for (const e of [c, ...c.querySelectorAll('ol, nav, div')])
      for (const n of [...e.childNodes]) if (n.nodeType === 3 && !n.data.trim()) n.remove();
    const s = c.querySelector('.cglu-status');
    s.removeAttribute('tabindex');
    s.textContent = s.textContent.replace(/\(\d+(,\d+)? ms\)/, '(T ms)');
    c.removeAttribute('aria-busy');
    return c.outerHTML;
  });
}

/* The results of "piège": two hostile titles, text only. */
async function hostileChecks(page) {
  const hits = await page.$$eval('.cglu-hits > li', (l) => l.map((li) => ({
    title: li.querySelector('.cglu-hits h2').textContent,
    link: li.querySelector('h2 a')?.getAttribute('href') ?? null,
    attrs: li.querySelector('h2 a')?.getAttributeNames() ?? null,
    url: li.querySelector('.cglu-url').textContent,
    snippet: li.querySelector('.cglu-snippet').textContent,
  })));
  hits.sort((a, b) => (a.title < b.title ? -1 : 1));
  eq(hits.map((h) => h.title), [HOSTILE2, HOSTILE1], 'titles as text');
  eq(hits[0].link, 'https://example.org/a"onmouseover="alert(5)', 'a quote stays in the href');
  eq(hits[0].attrs, ['href'], 'no attribute added');
  eq(hits[1].link, null, 'no javascript: link');
  eq(hits[1].url, 'javascript:alert(2)', 'its url as text');
  ok(hits[1].snippet.includes('<script>alert(3)</script> et <b>gras</b>'), `snippet text: ${hits[1].snippet}`);
  eq(await count(page, '#cglu-search img, #cglu-search script, #cglu-search b, #cglu-search [onerror]'), 0,
    'no element from the text');
  eq(await page.evaluate(() => [...document.querySelectorAll('.cglu-snippet *')].every((e) => e.tagName === 'MARK')),
    true, 'only marks in snippets');
  eq(await chips(page, 'sections'), ['*Toutes les rubriques 2', `${HOSTILE3} 1`, 'pièges 1'], 'a hostile section as text');
  const link = (await hrefs(page, '.cglu-sections a'))[0];
  ok(link.endsWith(`&${new URLSearchParams({ section: HOSTILE3 })}`), `its link ${link}`);
}

main().then(() => {
  clearTimeout(watchdog);
  tally();
  process.exit(failed ? 1 : 0);
}, (e) => {
  clearTimeout(watchdog);
  console.log(`not ok - the run stopped: ${(e && e.stack) || e}`);
  failed++;
  tally();
  process.exit(1);
});
