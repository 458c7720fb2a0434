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
/* page.c's names of languages, and dates: 14 mars 2025, 1er avril 2025 */
const LANGS = new Map([['fr', 'Français'], ['en', 'English'], ['es', 'Español']]);
const MONTHS = 'janvier février mars avril mai juin juillet août septembre octobre novembre décembre'.split(' ');
const day = (d) => {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(d);
  return !m || m[2] < 1 || m[2] > 12 || m[3] < 1 || m[3] > 31 ? d :
    el('time', null, `${+m[3]}${m[3] == 1 ? 'er' : ''} ${MONTHS[m[2] - 1]} ${m[1]}`, { datetime: d });
};
/* a facet's values, most frequent first, then in byte order (the engine's) */
const values = (j, k) => Object.entries(j.facets?.[k] || {}).filter((e) => e[0])
  .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : +(a[0] > b[0])));
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

  /* the address: ?q=…&lang=…&section=…&sort=date&page=N on this page's own
   * url (page.c: put_href); a search s is {q, page, lang, section, sort} */
  const F = ['lang', 'section', 'sort'];
  const href = (s, page) => {
    const p = new URL(location.href).searchParams;
    p.set('q', s.q);
    for (const k of [...F, 'page']) p.delete(k);
    for (const k of F) if (s[k]) p.append(k, s[k]);
    if (page > 1) p.append('page', page);
    return '?' + p;
  };
  const parse = (u) => {
    const p = new URL(u, location.href).searchParams, n = +p.get('page');
    return { q: p.get('q') || '', page: Number.isInteger(n) && n >= 1 && n <= MAXP ? n : 1,
      lang: p.get('lang') || '', section: p.get('section') || '', sort: /^date$/i.test(p.get('sort')) ? 'date' : '' };
  };
  const key = (s) => F.reduce((a, k) => a + '\n' + s[k], s.q + '\n' + s.page);
  /* the filters as the daemon read them (a code, a key): a chosen facet
   * counts that value only */
  const norm = (s, j) => {
    const one = (k) => { const v = Object.keys(j.facets?.[k] || {}); return v.length === 1 ? v[0] : null; };
    return { ...s, lang: s.lang && (one('lang') ?? s.lang.toLowerCase().split(/[-_]/)[0]),
      section: s.section && (one('section') ?? s.section.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ')) };
  };

  /* the chips and the sort toggle (page.c: put_filters) */
  const chip = (cur, label, n, to) => {
    const li = el('li'), c = cur ? el('span', 'cglu-chip cglu-current', label, { 'aria-current': true }) :
      el('a', 'cglu-chip', label, { href: href(to, 1) });
    if (n != null) c.append(' ', el('span', 'cglu-count', count(n)));
    li.append(c);
    return li;
  };
  const filters = (s, j, total) => {
    const d = el('div', 'cglu-filters');
    for (const [k, cls, name, all, label] of [['lang', 'cglu-langs', 'Langues', 'Toutes les langues', (v) => LANGS.get(v) || v],
      ['section', 'cglu-sections', 'Rubriques', 'Toutes les rubriques', (v) => v]]) {
      const v = values(j, k), act = s[k];
      if (!act && !(v.length > 1 || (v.length === 1 && v[0][1] < total))) continue;
      const ul = el('ul', 'cglu-chips ' + cls, null, { 'aria-label': name });
      ul.append(chip(!act, all, act ? null : total, { ...s, [k]: '' }));
      for (const [x, n] of v) ul.append(chip(x === act, label(x), n, { ...s, [k]: x }));
      if (act && !v.some((e) => e[0] === act)) ul.append(chip(1, label(act)));
      d.append(ul);
    }
    if (total > 1 || s.sort) {
      const p = el('p', 'cglu-sort', `Trier par${NB}: `);
      ['', 'date'].forEach((o, i) => {
        const t = o || 'pertinence';
        if (i) p.append(' · ');
        p.append(s.sort === o ? el('span', 'cglu-current', t, { 'aria-current': true }) : el('a', null, t, { href: href({ ...s, sort: o }, 1) }));
      });
      d.append(p);
    }
    if (d.firstChild) add(d);
  };

  /* the results, as page.c renders them */
  const render = (s, j, err) => {
    res.removeAttribute('aria-busy');
    while (status.nextSibling) status.nextSibling.remove();
    status.textContent = '';
    status.removeAttribute('data-none');
    if (err != null) return add(el('p', 'cglu-error', `La recherche a échoué${NB}: ${err}`, { role: 'alert' }));
    if (!s?.q) return;
    s = norm(s, j);
    const { q, page } = s, total = j.total || 0, hits = j.hits || [];
    const mixed = Object.keys(j.facets?.lang || {}).length > 1;
    const last = total ? Math.min(Math.ceil(total / PAGE), MAXP) : 1;
    if (!total) status.setAttribute('data-none', '');
    status.textContent = total ? `${count(total)} résultat${total > 1 ? 's' : ''} (${ms(j.took_ms)} ms)` :
      `Aucun résultat pour «${NB}${q}${NB}».`;
    if (j.relaxed && total) add(el('p', 'cglu-notice', `Aucun document ne contient tous les mots${NB}: résultats partiels`));
    if (j.corrected) add(el('p', 'cglu-dym', `Résultats pour${NB}«${NB}${j.corrected}${NB}»`));
    if (j.suggestion) {
      const d = el('p', 'cglu-dym', `Essayez avec${NB}: `);
      d.append(el('a', null, j.suggestion, { href: href({ ...s, q: j.suggestion }, 1) }));
      add(d);
    }
    if (total || s.lang || s.section || s.sort) filters(s, j, total);
    if (hits.length) {
      const ol = el('ol', 'cglu-hits', null, { start: hits[0].rank });
      for (const h of hits) {
        /* another language than the page's: said to screen readers */
        const la = /^[a-z]{2,3}$/.test(h.lang) && h.lang !== 'fr' ? { lang: h.lang } : null;
        const li = el('li'), t = el('h2', null, null, la), title = h.title || h.id || '(sans titre)';
        t.append(safe(h.url) ? el('a', null, title, { href: h.url }) : title);
        li.append(t);
        if (h.url) li.append(el('p', 'cglu-url', h.url));
        const hl = mixed && h.lang;
        if (h.date || hl) {
          const m = el('p', 'cglu-meta');
          if (h.date) m.append(day(h.date));
          if (h.date && hl) m.append(' · ');
          if (hl) m.append(el('span', 'cglu-lang', h.lang));
          li.append(m);
        }
        if (h.snippet) li.append(snippet(el('p', 'cglu-snippet', null, la), h.snippet));
        ol.append(li);
      }
      add(ol);
    } else if (total) add(el('p', 'cglu-empty', 'Pas de résultats sur cette page.'));
    if (last < 2 && page < 2) return;
    const nav = el('nav', 'cglu-pages', null, { 'aria-label': 'Pages de résultats' });
    if (page > 1) nav.append(el('a', 'cglu-prev', '‹ Précédent', { rel: 'prev', href: href(s, Math.min(page - 1, last)) }));
    if (page <= last) nav.append(el('span', 'cglu-pos', `Page ${page} sur ${last}`));
    if (page < last) nav.append(el('a', 'cglu-next', 'Suivant ›', { rel: 'next', href: href(s, page + 1) }));
    add(nav);
  };

  /* searching: one request at a time, an older one aborted */
  let ctl = null, shown = '';
  const search = async (s, how) => {
    const q = input.value = s.q.trim(), page = s.page || 1;
    s = { lang: '', section: '', sort: '', ...s, q, page };
    close();
    shown = key(s);
    if (how) {
      const u = new URL(location.href);
      u.search = href(s, page);
      if (!q) u.searchParams.delete('q');
      if (u.href !== location.href) history[how + 'State'](null, '', u);
    }
    if (own) document.title = (q ? q + ' – ' : '') + 'Recherche';
    ctl?.abort();
    const c = ctl = q ? new AbortController() : null;
    if (!c) return render();
    const f = {};
    for (const k of F) if (s[k]) f[k] = s[k];
    res.setAttribute('aria-busy', 'true');
    const slow = setTimeout(() => c.abort(), 15000);
    let j = null, err = '';
    try {
      const r = await fetch(ep + 'search?' + qs({ q, limit: PAGE, offset: (page - 1) * PAGE, ...f, facets: 'lang,section' }), { signal: c.signal });
      j = await r.json().catch(() => null);
      err = r.ok && j?.ok === true ? null : j?.message || (r.ok ? 'réponse illisible' : 'erreur HTTP ' + r.status);
    } catch (e) { /* no answer */ }
    clearTimeout(slow);
    if (c !== ctl) return; /* a newer search took its place */
    ctl = null;
    render(s, j, c.signal.aborted || err === '' ? 'le service de recherche ne répond pas' : err);
    performance.mark?.('cglu-search:results', { detail: { q, page } });
  };

  on(form, 'submit', (e) => {
    e.preventDefault();
    search({ q: input.value }, 'push'); /* a new query: no filter */
  });
  on(res, 'click', async (e) => {
    const a = e.target.closest('.cglu-dym a, .cglu-pages a, .cglu-filters a');
    if (!a || e.button || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    await search(parse(a.getAttribute('href')), 'push');
    if (a.closest('.cglu-dym')) return;
    status.focus({ preventScroll: true }); /* the keyboard starts over there */
    if (root.getBoundingClientRect().top < 0) root.scrollIntoView();
  });
  on(window, 'popstate', () => {
    const s = parse(location.href);
    if (key(s) !== shown) search(s);
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
  const pick = (i) => search({ q: input.value.slice(0, cut) + words[i] }, 'push');
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

  /* a deep link ?q=…&page=N (and filters): the daemon's page has its results */
  const s = parse(location.href);
  shown = key(s);
  if (!own && s.q) search(s);
};
document.readyState === 'loading' ? on(document, 'DOMContentLoaded', start) : start();
})();
