// hostmind dashboard: the core. Fetches the agent's API, keeps one polling loop, and renders the
// sections registered with HM.section() (sections.js). No dependencies, nothing fetched from
// anywhere but the agent that served this page.
//
// A section names the endpoint it needs; a section whose endpoint this agent does not serve
// (GET /api/v1 lists the routes) is left out, and a tab with no section left is hidden. So a
// module that adds a route and a section appears here with nothing else to change.
'use strict';

const HM = (window.HM = {
  sections: [],
  tabs: [
    ['overview', 'Overview'], ['metrics', 'Metrics'], ['alerts', 'Alerts'], ['logs', 'Logs'],
    ['security', 'Security'], ['jobs', 'Jobs'], ['actions', 'Actions'], ['events', 'Events'],
  ],
  routes: [],
  token: localStorage.getItem('hostmind.token') || '',
  tab: 'overview',
  pollMs: 2000,
  failures: 0,
  lastUpdate: 0,
  shared: {},  // data several sections use in one refresh (health, alerts)
});

// ---- DOM helpers -------------------------------------------------------------------------
// HM.el('div', {class: 'x', onclick: f}, 'text', child): text is always set as text, never HTML.
HM.el = (tag, attrs, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'title') e.title = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
};

HM.fmt = {
  time(ms) {
    const d = new Date(ms);
    const same = new Date().toDateString() === d.toDateString();
    return same ? d.toLocaleTimeString([], {hour12: false}) : d.toLocaleString([], {hour12: false});
  },
  ago(ms) {
    const s = Math.max(0, (Date.now() - ms) / 1000);
    if (s < 60) return Math.round(s) + ' s ago';
    if (s < 3600) return Math.round(s / 60) + ' min ago';
    if (s < 86400) return (s / 3600).toFixed(1) + ' h ago';
    return (s / 86400).toFixed(1) + ' d ago';
  },
  duration(s) {
    if (s < 60) return s.toFixed(s < 10 ? 1 : 0) + ' s';
    if (s < 3600) return (s / 60).toFixed(0) + ' min';
    if (s < 86400) return (s / 3600).toFixed(1) + ' h';
    return (s / 86400).toFixed(1) + ' d';
  },
  bytes(v) {
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let i = 0;
    while (Math.abs(v) >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return (Math.abs(v) >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)) + ' ' + u[i];
  },
  number(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return '–';
    const a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(1) + 'G';
    if (a >= 1e6) return (v / 1e6).toFixed(1) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(1) + 'k';
    if (a >= 100 || Number.isInteger(v)) return v.toFixed(0);
    if (a >= 1) return v.toFixed(2);
    return v.toPrecision(2);
  },
  // A value in the unit its series name says (Prometheus naming: _bytes, _ratio, _seconds).
  value(name, v) {
    if (v === null || v === undefined || Number.isNaN(v)) return '–';
    if (/_bytes(_per_second)?$/.test(name)) return HM.fmt.bytes(v) + (name.endsWith('_per_second') ? '/s' : '');
    if (/_ratio$/.test(name)) return (v * 100).toFixed(Math.abs(v) < 0.1 ? 1 : 0) + '%';
    if (/_seconds$/.test(name)) return HM.fmt.duration(v);
    return HM.fmt.number(v) + (name.endsWith('_per_second') ? '/s' : '');
  },
};

// ---- API -----------------------------------------------------------------------------------
// Resolves to {ok, status, data}; never throws for HTTP errors. status 0 = agent unreachable.
HM.api = async (path, options = {}) => {
  const headers = Object.assign({}, options.headers || {});
  if (HM.token) headers.Authorization = 'Bearer ' + HM.token;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {method: options.method || 'GET', headers, cache: 'no-store',
                             body: options.body === undefined ? undefined : JSON.stringify(options.body)});
  } catch (e) {
    return {ok: false, status: 0, data: {error: 'agent unreachable: ' + e.message}};
  }
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (res.status === 401) HM.needToken((data && data.error) || 'this agent wants a bearer token');
  return {ok: res.ok, status: res.status, data};
};

HM.needToken = (why) => {
  const btn = document.getElementById('token-button');
  btn.classList.add('attention');
  btn.title = why;
};

HM.askToken = () => {
  const t = prompt('Bearer token for this agent (http.token); empty to forget it:', HM.token);
  if (t === null) return;
  HM.token = t.trim();
  if (HM.token) localStorage.setItem('hostmind.token', HM.token);
  else localStorage.removeItem('hostmind.token');
  document.getElementById('token-button').classList.remove('attention');
  HM.start();
};

// True when the agent serves `method path` (GET /api/v1 lists route patterns as regexes).
HM.has = (path, method = 'GET') => HM.routes.some(
    (r) => r.method === method && new RegExp('^' + r.pattern + '$').test(path.split('?')[0]));

// ---- sections ------------------------------------------------------------------------------
// HM.section({id, tab, title, needs, wide, load(), render(body, data)}):
//   needs   a path, a list of paths (all needed), or a function of HM (true = available)
//   load    async, returns the data to render (use HM.shared for data other sections share)
//   render  fills `body` (a fresh <div> each time: render is idempotent)
//   controls optional, fills a <div> above the body once (inputs that must keep focus)
HM.section = (s) => HM.sections.push(Object.assign({wide: false}, s));

HM.available = (s) => {
  if (!s.needs) return true;
  if (typeof s.needs === 'function') return s.needs(HM);
  return [].concat(s.needs).every((p) => HM.has(p));
};

HM.sectionCard = (s) => {
  let card = s.card;
  if (!card) {
    const controls = HM.el('div', {class: 'controls'});
    if (s.controls) s.controls(controls);
    card = HM.el('section', {id: 'section-' + s.id, class: 'card' + (s.wide ? ' wide' : '')},
                 HM.el('h2', {}, s.title), controls, HM.el('div', {class: 'body'}, HM.el('p', {class: 'muted'}, 'loading…')));
    s.card = card;
  }
  return card;
};

HM.renderTab = () => {
  const main = document.getElementById('main');
  main.replaceChildren();
  for (const s of HM.sections) if (s.tab === HM.tab && HM.available(s)) main.append(HM.sectionCard(s));
  for (const a of document.querySelectorAll('#tabs a')) a.classList.toggle('active', a.dataset.tab === HM.tab);
};

HM.renderTabs = () => {
  const nav = document.getElementById('tabs');
  nav.replaceChildren();
  for (const [id, label] of HM.tabs) {
    if (!HM.sections.some((s) => s.tab === id && HM.available(s))) continue;
    nav.append(HM.el('a', {href: '#' + id, 'data-tab': id}, label));
  }
};

// Loads and renders every visible section of the current tab once.
HM.refresh = async () => {
  HM.shared = {};
  const visible = HM.sections.filter((s) => s.tab === HM.tab && HM.available(s));
  const header = HM.loadHeader();
  await Promise.all(visible.map(async (s) => {
    const card = s.card;
    if (!card) return;
    let body = HM.el('div', {class: 'body'});
    try {
      const data = await s.load();
      s.render(body, data);
    } catch (e) {
      body = HM.el('div', {class: 'body'}, HM.el('p', {class: 'error'}, String(e.message || e)));
    }
    card.querySelector('.body').replaceWith(body);
  }));
  return header;
};

// Health drives the header on every tab.
HM.health = async () => {
  if (!HM.shared.health) HM.shared.health = HM.api('api/v1/health');
  const r = await HM.shared.health;
  if (!r.ok) throw new Error((r.data && r.data.error) || 'health: HTTP ' + r.status);
  return r.data;
};

HM.loadHeader = async () => {
  const status = document.getElementById('status');
  try {
    const h = await HM.health();
    document.getElementById('host').textContent = h.hostname + ' · hostmind ' + h.version;
    status.textContent = h.status;
    status.className = 'pill ' + (h.status === 'ok' ? 'ok' : 'warn');
    HM.failures = 0;
    HM.lastUpdate = Date.now();
  } catch (e) {
    status.textContent = 'unreachable';
    status.className = 'pill bad';
    HM.failures++;
  }
};

// ---- the loop ------------------------------------------------------------------------------
// One refresh at a time; the next is scheduled after the last finished, slower after failures
// (up to 30 s) and paused while the page is hidden, so a slow link never piles up requests.
HM.loop = async () => {
  clearTimeout(HM.timer);
  if (document.hidden) return;
  if (HM.busy) {  // a refresh is running: run again as soon as it ends
    HM.again = true;
    return;
  }
  HM.busy = true;
  await HM.refresh();
  HM.busy = false;
  if (HM.again) {
    HM.again = false;
    HM.loop();
    return;
  }
  const live = document.getElementById('live');
  live.className = HM.failures ? 'stale' : 'fresh';
  live.title = HM.failures ? 'agent unreachable; retrying' : 'updated ' + HM.fmt.time(HM.lastUpdate);
  const delay = Math.min(30000, HM.pollMs * Math.pow(2, Math.min(HM.failures, 4)));
  HM.timer = setTimeout(HM.loop, delay);
};

HM.route = () => {
  const hash = decodeURIComponent(location.hash.slice(1));
  const m = /^(finding|action)\/(\d+)$/.exec(hash);
  if (m) {
    if (m[1] === 'finding') HM.openFinding(Number(m[2]));
    else HM.openAction(Number(m[2]));
    return;
  }
  const tab = HM.tabs.some(([id]) => id === hash) ? hash : 'overview';
  if (tab !== HM.tab || !document.getElementById('main').children.length) {
    HM.tab = tab;
    HM.renderTab();
    HM.loop();
  }
};

HM.start = async () => {
  const r = await HM.api('api/v1');
  HM.routes = r.ok ? r.data.routes : [];
  if (!r.ok) {
    document.getElementById('main').replaceChildren(HM.el('section', {class: 'card wide'},
        HM.el('h2', {}, 'cannot reach the agent'), HM.el('p', {class: 'error'}, (r.data && r.data.error) || 'HTTP ' + r.status)));
    HM.timer = setTimeout(HM.start, 5000);
    return;
  }
  HM.renderTabs();
  HM.renderTab();
  HM.route();
  HM.loop();
};

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('token-button').addEventListener('click', HM.askToken);
  document.getElementById('drawer-close').addEventListener('click', HM.closeDrawer);
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') HM.closeDrawer(); });
  document.addEventListener('visibilitychange', () => { if (!document.hidden) HM.loop(); });
  window.addEventListener('hashchange', HM.route);
  HM.start();
});
