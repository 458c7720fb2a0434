/* page_timing: how long the search page takes in a real browser (Debian's
 * chromium, driven by tests/browser's puppeteer-core), against a running
 * cglu-searchd --http. A benchmark, not a test: it prints figures.
 *
 *   node bench/page_timing.js URL [--searches N] [--deep N] [--queries FILE]
 *   URL: the daemon's HTTP root (http://127.0.0.1:7879/). N: 30 searches
 *   and 10 deep links by default; queries: bench/queries.txt, in turn.
 *
 * 1. Searches typed on the page (the form submitted by the widget): from
 *    the /search request being sent to its results being in the DOM, i.e.
 *    to the widget's performance mark "cglu-search:results". The request's
 *    phases come from the DevTools protocol (Network.requestWillBeSent,
 *    responseReceived (its response.timing: headers received),
 *    loadingFinished timestamps, one clock); the mark is
 *    placed on that clock through the request's own Resource Timing entry
 *    (its startTime is the same instant as requestWillBeSent).
 * 2. Deep links /?q=...: from the navigation's start to the results being
 *    in the DOM (server-rendered: parsed at domInteractive), painted
 *    (first-contentful-paint), and enhanced by the script (DOMContentLoaded,
 *    which waits for the deferred script).
 * The browser's HTTP cache is disabled; the daemon's answer cache is not
 * (a query seen before is answered from it: use more queries than N to
 * measure the engine every time). */
'use strict';
const fs = require('fs');
const path = require('path');
const puppeteer = require(path.join(__dirname, '../tests/browser/node_modules/puppeteer-core'));

function usage(msg) {
  if (msg) console.error(`page_timing: ${msg}`);
  console.error('usage: node bench/page_timing.js URL [--searches N] [--deep N] [--queries FILE]');
  process.exit(2);
}

const opt = { searches: 30, deep: 10, queries: path.join(__dirname, 'queries.txt') };
let url = null;
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--searches' || a === '--deep') {
    const n = Number(process.argv[++i]);
    if (!Number.isInteger(n) || n < 0 || n > 10000) usage(`${a} takes a whole number from 0 to 10000`);
    opt[a.slice(2)] = n;
  } else if (a === '--queries') {
    opt.queries = process.argv[++i] || usage('--queries takes a file');
  } else if (!url && /^https?:\/\//.test(a)) {
    url = a.endsWith('/') ? a : `${a}/`;
  } else {
    usage(`unknown argument "${a}"`);
  }
}
if (!url) usage('no URL');
const queries = fs.readFileSync(opt.queries, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
if (!queries.length) usage(`no query in ${opt.queries}`);

/* nearest-rank percentile of sorted values */
const pct = (v, p) => v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))];
function line(label, values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return `${label}: no sample`;
  return `${label.padEnd(44)} median ${pct(v, 50).toFixed(2).padStart(7)} ms   p95 ${pct(v, 95).toFixed(2).padStart(7)} ms   (n=${v.length})`;
}

async function searches(page, cdp) {
  const reqs = new Map(); /* requestId -> CDP timestamps (seconds) */
  cdp.on('Network.requestWillBeSent', (e) => {
    if (/\/search\?/.test(e.request.url)) reqs.set(e.requestId, { sent: e.timestamp });
  });
  cdp.on('Network.responseReceived', (e) => {
    const r = reqs.get(e.requestId);
    /* the headers' arrival: the response's own timing (the event's
     * timestamp is when it was dispatched, after the body at times) */
    const t = e.response.timing;
    if (r) r.resp = t ? t.requestTime + t.receiveHeadersEnd / 1000 : e.timestamp;
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = reqs.get(e.requestId);
    if (r) r.done = e.timestamp;
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('#cglu-q[role=combobox]', { timeout: 10000 });
  const total = [], wait = [], body = [], render = [];
  let errors = 0;
  for (let i = 0; i < opt.searches; i++) {
    const q = queries[i % queries.length];
    reqs.clear();
    await page.evaluate((s) => {
      performance.clearMarks('cglu-search:results');
      performance.clearResourceTimings();
      const input = document.getElementById('cglu-q');
      input.value = s;
      input.form.requestSubmit();
    }, q);
    const h = await page.waitForFunction((s) => {
      const m = performance.getEntriesByName('cglu-search:results').find((x) => x.detail && x.detail.q === s);
      const r = performance.getEntriesByType('resource').find((x) => x.name.includes('/search?'));
      return m && r && { mark: m.startTime, start: r.startTime, error: !!document.querySelector('.cglu-error') };
    }, { timeout: 15000, polling: 'raf' }, q);
    const { mark, start, error } = await h.jsonValue();
    await h.dispose();
    errors += error;
    /* the CDP events may reach us a little after the page drew */
    let r;
    for (let k = 0; k < 100 && !((r = [...reqs.values()][0]) && r.done); k++)
      await new Promise((res) => setTimeout(res, 10));
    total.push(mark - start);
    if (r && r.done) {
      wait.push((r.resp - r.sent) * 1000);
      body.push((r.done - r.resp) * 1000);
      render.push(mark - (start + (r.done - r.sent) * 1000));
    }
  }
  console.log(line('search: request sent -> results in DOM', total));
  console.log(line('  request sent -> response headers (CDP)', wait));
  console.log(line('  response headers -> body loaded (CDP)', body));
  console.log(line('  body loaded -> results in DOM (mark)', render));
  if (errors) console.log(`  (${errors} of them showed an error)`);
}

async function deepLinks(page) {
  const dom = [], paint = [], ready = [], ttfb = [];
  for (let i = 0; i < opt.deep; i++) {
    const q = queries[i % queries.length];
    await page.goto(`${url}?q=${encodeURIComponent(q)}`, { waitUntil: 'load' });
    await page.waitForSelector('#cglu-q[role=combobox]', { timeout: 10000 });
    const t = await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0];
      const p = performance.getEntriesByName('first-contentful-paint')[0];
      return { ttfb: n.responseStart, dom: n.domInteractive, ready: n.domContentLoadedEventEnd, paint: p ? p.startTime : NaN };
    });
    ttfb.push(t.ttfb);
    dom.push(t.dom);
    paint.push(t.paint);
    ready.push(t.ready);
  }
  console.log(line('deep link /?q=: navigation -> first byte', ttfb));
  console.log(line('  navigation -> results in DOM (parsed)', dom));
  console.log(line('  navigation -> results painted (FCP)', paint));
  console.log(line('  navigation -> enhanced (DOMContentLoaded)', ready));
}

(async () => {
  const args = ['--disable-dev-shm-usage', '--no-first-run'];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args, protocolTimeout: 30000,
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(15000);
    await page.setViewport({ width: 1280, height: 800 });
    const cdp = await page.createCDPSession();
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    console.log(`page_timing: ${url}, ${await browser.version()}, ${opt.searches} searches and ${opt.deep} deep links over ${queries.length} queries`);
    if (opt.searches) await searches(page, cdp);
    if (opt.deep) await deepLinks(page);
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(`page_timing: ${(e && e.stack) || e}`);
  process.exit(1);
});
