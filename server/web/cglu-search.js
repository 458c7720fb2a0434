/* cglu-search.js: the search box of cglu-search, on the daemon's page
 * (enhancing server/page.c's markup) or on a site that embeds
 * <div id="cglu-search"></div><script src="https://…/cglu-search.js" defer>
 * (API: this script's folder, or the div's data-endpoint="https://…/";
 * it links cglu-search.css from its folder unless data-css="none").
 * Server text goes in as text; only a snippet's <mark>s become tags. */
(() => {
'use strict';
const base = document.currentScript?.src || location.href;
const PAGE = 10, MAXP = 1001, NB = '\u00a0'; /* server/page.h */
const set = (e, at) => {
  for (const k in at) e.setAttribute(k, at[k]);
  return e;
};
const el = (tag, cls, text, at) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return set(e, at);
};
const qs = (o) => new URLSearchParams(o);
const on = (t, ev, f) => t.addEventListener(ev, f);
/* page.c's formats: 12 345 résultats (0,4 ms) */
const count = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
const ms = (t) => (t = +t || 0).toFixed(t < 0.095 ? 2 : t < 9.95 ? 1 : 0).replace('.', ',');
/* links: http:, https: or relative only (page.c: safe_url) */
const safe = (u) => !!u && !/[\0- \x7f]/.test(u) && (/^https?:\/\//i.test(u) || !/^[^/?#]*:/.test(u));
const ENT = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (t) => t.replace(/&(?:#(\d{1,7})|#x([\da-f]{1,6})|(amp|lt|gt|quot|apos));/gi, (m, d, h, n) => {
  if (n) return ENT[n.toLowerCase()];
  const c = d ? +d : parseInt(h, 16);
  return c > 0 && c < 0x110000 && (c < 0xd800 || c > 0xdfff) ? String.fromCodePoint(c) : '\ufffd';
});
/* a snippet as text nodes and <mark> elements, never innerHTML */
const snippet = (p, s) => {
  let cur = p;
  for (const x of s.split(/(<\/?mark>)/)) {
    if (x === '<mark>') cur = p.appendChild(el('mark'));
    else if (x === '</mark>') cur = p;
    else if (x) cur.append(decode(x));
  }
  return p;
};

const start = () => {
  const root = document.getElementById('cglu-search');
  if (!root || root.cglu) return;
  root.cglu = 1;
  let ep = (root.dataset.endpoint ? new URL(root.dataset.endpoint, location.href) : new URL('.', base)).href;
  if (!ep.endsWith('/')) ep += '/';
  if (root.dataset.css !== 'none' && !document.querySelector('link[href*="cglu-search.css"]'))
    document.head.append(el('link', null, null, { rel: 'stylesheet', href: new URL('cglu-search.css', base) }));
  let form = root.querySelector('.cglu-form');
  const own = !!form; /* the daemon's page, results rendered */
  if (!own) {
    form = el('form', 'cglu-form', null, { role: 'search' });
    const b = el('div', 'cglu-box');
    b.append(el('input', 'cglu-input', null, { id: 'cglu-q', type: 'search', name: 'q', autocomplete: 'off', spellcheck: 'false' }),
      el('button', 'cglu-button', 'Rechercher'));
    form.append(el('label', 'cglu-label', 'Rechercher dans les documents', { for: 'cglu-q' }), b);
    const r = el('div', 'cglu-results');
    r.append(el('p', 'cglu-status', null, { role: 'status' }));
    root.append(form, r);
  }
  const input = form.querySelector('input'), box = input.parentNode;
  const res = root.querySelector('.cglu-results'), status = res.firstElementChild;
  const add = (...e) => res.append(...e);
  status.tabIndex = -1;

  /* the address: ?q=...&page=N on this page's own url */
  const href = (q, page) => {
    const p = new URL(location.href).searchParams;
    p.set('q', q);
    page > 1 ? p.set('page', page) : p.delete('page');
    return '?' + p;
  };
  const parse = (u) => {
    const p = new URL(u, location.href).searchParams, n = +p.get('page');
    return [p.get('q') || '', Number.isInteger(n) && n >= 1 && n <= MAXP ? n : 1];
  };

  /* the results, as page.c renders them */
  const render = (q, page, j, err) => {
    res.removeAttribute('aria-busy');
    while (status.nextSibling) status.nextSibling.remove();
    status.textContent = '';
    status.removeAttribute('data-none');
    if (err != null) return add(el('p', 'cglu-error', `La recherche a échoué${NB}: ${err}`, { role: 'alert' }));
    if (!q) return;
    const total = j.total || 0, hits = j.hits || [];
    const last = total ? Math.min(Math.ceil(total / PAGE), MAXP) : 1;
    if (!total) status.setAttribute('data-none', '');
    status.textContent = total ? `${count(total)} résultat${total > 1 ? 's' : ''} (${ms(j.took_ms)} ms)` :
      `Aucun résultat pour «${NB}${q}${NB}».`;
    if (j.relaxed && total) add(el('p', 'cglu-notice', `Aucun document ne contient tous les mots${NB}: résultats partiels`));
    if (j.corrected) add(el('p', 'cglu-dym', `Résultats pour${NB}«${NB}${j.corrected}${NB}»`));
    if (j.suggestion) {
      const d = el('p', 'cglu-dym', `Essayez avec${NB}: `);
      d.append(el('a', null, j.suggestion, { href: href(j.suggestion, 1) }));
      add(d);
    }
    if (hits.length) {
      const ol = el('ol', 'cglu-hits', null, { start: hits[0].rank });
      for (const h of hits) {
        const li = el('li'), t = el('h2'), title = h.title || h.id || '(sans titre)';
        t.append(safe(h.url) ? el('a', null, title, { href: h.url }) : title);
        li.append(t);
        if (h.url) li.append(el('p', 'cglu-url', h.url));
        if (h.snippet) li.append(snippet(el('p', 'cglu-snippet'), h.snippet));
        ol.append(li);
      }
      add(ol);
    } else if (total) add(el('p', 'cglu-empty', 'Pas de résultats sur cette page.'));
    if (last < 2 && page < 2) return;
    const nav = el('nav', 'cglu-pages', null, { 'aria-label': 'Pages de résultats' });
    if (page > 1) nav.append(el('a', 'cglu-prev', '‹ Précédent', { rel: 'prev', href: href(q, Math.min(page - 1, last)) }));
    if (page <= last) nav.append(el('span', 'cglu-pos', `Page ${page} sur ${last}`));
    if (page < last) nav.append(el('a', 'cglu-next', 'Suivant ›', { rel: 'next', href: href(q, page + 1) }));
    add(nav);
  };

  /* searching: one request at a time, an older one aborted */
  let ctl = null, shown = '';
  const search = async (q, page, how) => {
    input.value = q = q.trim();
    close();
    shown = q + '\n' + page;
    if (how) {
      const u = new URL(location.href);
      u.search = href(q, page);
      if (!q) u.searchParams.delete('q');
      if (u.href !== location.href) history[how + 'State'](null, '', u);
    }
    if (own) document.title = (q ? q + ' – ' : '') + 'Recherche';
    ctl?.abort();
    const c = ctl = q ? new AbortController() : null;
    if (!c) return render();
    res.setAttribute('aria-busy', 'true');
    const slow = setTimeout(() => c.abort(), 15000);
    let j = null, err = '';
    try {
      const r = await fetch(ep + 'search?' + qs({ q, limit: PAGE, offset: (page - 1) * PAGE }), { signal: c.signal });
      j = await r.json().catch(() => null);
      err = r.ok && j?.ok === true ? null : j?.message || (r.ok ? 'réponse illisible' : 'erreur HTTP ' + r.status);
    } catch (e) { /* no answer */ }
    clearTimeout(slow);
    if (c !== ctl) return; /* a newer search took its place */
    ctl = null;
    render(q, page, j, c.signal.aborted || err === '' ? 'le service de recherche ne répond pas' : err);
    performance.mark?.('cglu-search:results', { detail: { q, page } });
  };

  on(form, 'submit', (e) => {
    e.preventDefault();
    search(input.value, 1, 'push');
  });
  on(res, 'click', async (e) => {
    const a = e.target.closest('.cglu-dym a, .cglu-pages a');
    if (!a || e.button || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    await search(...parse(a.getAttribute('href')), 'push');
    if (!a.closest('.cglu-pages')) return;
    status.focus({ preventScroll: true }); /* the keyboard starts over there */
    if (root.getBoundingClientRect().top < 0) root.scrollIntoView();
  });
  on(window, 'popstate', () => {
    const s = parse(location.href);
    if (s.join('\n') !== shown) search(...s);
  });

  /* suggestions: an ARIA combobox over /suggest */
  const list = el('ul', 'cglu-sugg', null, { id: 'cglu-sugg', role: 'listbox', 'aria-label': 'Suggestions' });
  list.hidden = true;
  box.append(list);
  set(input, { role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': false, 'aria-controls': 'cglu-sugg' });
  let timer = 0, sctl = null, words = [], active = -1, cut = 0;
  function close() {
    clearTimeout(timer);
    sctl?.abort();
    sctl = null;
    list.hidden = true;
    list.textContent = '';
    words = [];
    active = -1;
    input.setAttribute('aria-expanded', false);
    input.removeAttribute('aria-activedescendant');
  }
  const move = (i) => {
    const n = words.length;
    active = (i % n + n) % n;
    [...list.children].forEach((li, k) => {
      li.setAttribute('aria-selected', k === active);
      li.classList.toggle('cglu-active', k === active);
    });
    input.setAttribute('aria-activedescendant', 'cglu-sugg-' + active);
    list.children[active].scrollIntoView({ block: 'nearest' });
  };
  const pick = (i) => search(input.value.slice(0, cut) + words[i], 1, 'push');
  const suggest = async () => {
    const v = input.value, m = /[\p{L}\p{M}\p{N}]+$/u.exec(v);
    sctl?.abort();
    if (!m || document.activeElement !== input) return close();
    const c = sctl = new AbortController();
    let w = [];
    try {
      const j = await (await fetch(ep + 'suggest?' + qs({ q: m[0], limit: 8 }), { signal: c.signal })).json();
      if (j.ok) w = j.suggestions.filter((s) => s !== m[0]);
    } catch (e) { /* aborted, or no answer: no list */ }
    if (c !== sctl || input.value !== v) return;
    close();
    if (!w.length) return;
    words = w;
    cut = m.index;
    w.forEach((s, k) => {
      const li = el('li', null, s, { id: 'cglu-sugg-' + k, role: 'option', 'aria-selected': false });
      li.onmousedown = (e) => e.preventDefault(); /* the input keeps the focus */
      li.onclick = () => pick(k);
      list.append(li);
    });
    list.hidden = false;
    input.setAttribute('aria-expanded', true);
  };
  on(input, 'input', () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });
  on(input, 'keydown', (e) => {
    const k = e.key, open = !list.hidden;
    if (k === 'ArrowDown' || k === 'ArrowUp') {
      e.preventDefault();
      open ? move(k === 'ArrowDown' ? active + 1 : active < 0 ? -1 : active - 1) : suggest();
    } else if (open && (k === 'Escape' || (k === 'Enter' && active >= 0))) {
      e.preventDefault(); /* Escape would empty a search field */
      k === 'Enter' ? pick(active) : close();
    }
  });
  on(input, 'blur', close);

  /* a deep link ?q=...&page=N: the daemon's page has its results */
  const s = parse(location.href);
  shown = s.join('\n');
  if (!own && s[0]) search(...s);
};
document.readyState === 'loading' ? on(document, 'DOMContentLoaded', start) : start();
})();
