// hostmind dashboard: the sections. Each is one HM.section({...}) call (see app.js): the tab it
// sits on, the endpoint it needs, how it loads and how it renders. To show a new module, add a
// section here naming its route; agents without that route simply do not show it.
'use strict';

(() => {
  const el = HM.el, fmt = HM.fmt;
  const json = async (path) => {
    const r = await HM.api(path);
    if (!r.ok) throw new Error((r.data && r.data.error) || path + ': HTTP ' + r.status);
    return r.data;
  };
  const firstArray = (data) => Array.isArray(data) ? data : Object.values(data || {}).find(Array.isArray) || [];
  const isFinding = (row) => row && row.id !== undefined && row.summary !== undefined && row.severity !== undefined;
  const muted = (text) => el('p', {class: 'muted'}, text);

  // A table of any list the API returns: `columns` first when present, else the row's scalar
  // keys. Rows that are findings open their explanation on click.
  HM.table = (rows, columns) => {
    if (!rows.length) return muted('nothing yet');
    let cols = (columns || []).filter((c) => rows.some((r) => r[c.key || c] !== undefined)).map((c) => typeof c === 'string' ? {key: c} : c);
    if (!cols.length) {
      const keys = [];
      for (const r of rows.slice(0, 20))
        for (const [k, v] of Object.entries(r)) if (typeof v !== 'object' && !keys.includes(k)) keys.push(k);
      cols = keys.slice(0, 8).map((key) => ({key}));
    }
    const cell = (c, r) => {
      const v = r[c.key];
      if (c.fmt) return c.fmt(v, r);
      if (v !== null && typeof v === 'object') return JSON.stringify(v);
      if (/(^ts$|_at$|^first_seen$|^last_seen$|^time$)/.test(c.key) && typeof v === 'number' && v > 1e12) return fmt.time(v);
      if (c.key === 'severity') return HM.severityBadge(v);
      return v === undefined ? '' : String(v);
    };
    const table = el('table', {class: 'list'},
        el('thead', {}, el('tr', {}, cols.map((c) => el('th', {}, c.label || c.key.replace(/_/g, ' '))))));
    const body = el('tbody');
    for (const r of rows) {
      const tr = el('tr', isFinding(r) ? {class: 'link', 'data-finding': r.id, onclick: () => HM.openFinding(r.id)} : {},
                    cols.map((c) => el('td', {}, cell(c, r))));
      body.append(tr);
    }
    table.append(body);
    return table;
  };

  const findingColumns = [
    {key: 'severity'}, {key: 'summary', label: 'what'}, {key: 'kind'}, {key: 'subject'},
    {key: 'count', label: 'times'}, {key: 'ts', label: 'when', fmt: (v) => fmt.ago(v)}];

  // ---- overview ------------------------------------------------------------------------------
  HM.section({
    id: 'health', tab: 'overview', title: 'Host and agent health',
    load: () => HM.health(),
    render(body, h) {
      const up = h.collectors.filter((c) => c.up || !c.ran).length;
      body.append(el('div', {class: 'stats'},
          el('div', {}, el('b', {}, h.status), el('span', {}, 'status')),
          el('div', {}, el('b', {}, fmt.duration(h.uptime_s)), el('span', {}, 'agent uptime')),
          el('div', {}, el('b', {}, up + '/' + h.collectors.length), el('span', {}, 'collectors up')),
          el('div', {}, el('b', {}, h.pipeline.queue_depth + '/' + h.pipeline.queue_capacity), el('span', {}, 'queue')),
          el('div', {}, el('b', {}, h.pipeline.dropped_batches), el('span', {}, 'batches dropped')),
          el('div', {}, el('b', {}, fmt.number(h.store.series_in_memory)), el('span', {}, 'live series'))));
      const chips = el('div', {class: 'chips'});
      for (const c of h.collectors)
        chips.append(el('span', {class: 'chip ' + (c.up ? 'ok' : c.ran ? 'bad' : 'idle'),
                                 title: c.last_error || ('every ' + c.interval_s + ' s, ' + c.runs + ' runs')}, c.name));
      body.append(chips);
      for (const c of h.collectors.filter((c) => !c.up && c.ran))
        body.append(el('p', {class: 'error'}, c.name + ': ' + c.last_error));
    },
  });

  HM.section({
    id: 'actors', tab: 'overview', title: 'What the agent is doing',
    load: async () => ({h: await HM.health(), prefetch: HM.has('/api/v1/prefetch') ? await json('api/v1/prefetch') : null}),
    render(body, {h, prefetch}) {
      const rows = [{name: 'collection', mode: 'observe', detail: h.collectors.length + ' collectors, ' +
                     fmt.number(h.store.series_in_memory) + ' series'}];
      for (const a of h.actors || []) rows.push(a);
      if (prefetch)
        rows.push({name: 'prefetcher', mode: prefetch.mode, detail: prefetch.programs + ' programs learnt, tracer ' + prefetch.tracer +
                   (prefetch.hit_ratio !== undefined && prefetch.hit_ratio !== null ? ', hit ratio ' + (100 * prefetch.hit_ratio).toFixed(0) + '%' : '') +
                   (prefetch.degraded ? ' · ' + prefetch.degraded : '')});
      for (const t of (h.alerting && h.alerting.targets) || [])
        rows.push({name: 'alerts → ' + t.name, mode: t.state, detail: t.delivered + ' delivered, ' + t.queued + ' queued' +
                   (t.dropped ? ', ' + t.dropped + ' dropped' : '') + (t.last_error ? ' · ' + t.last_error : '')});
      body.append(HM.table(rows, [{key: 'name', label: 'actor'},
                                  {key: 'mode', fmt: (v) => el('span', {class: 'mode ' + v}, v)}, {key: 'detail'}]));
    },
  });

  // Open alerts: the alert groups when alert delivery runs, else the last 6 h of alerts.
  HM.openAlerts = async () => {
    if (HM.has('/api/v1/alerts/active')) return firstArray(await json('api/v1/alerts/active'));
    return firstArray(await json('api/v1/alerts?limit=50&since=' + (Date.now() - 6 * 3600000)));
  };

  HM.section({
    id: 'open-alerts', tab: 'overview', title: 'Open alerts', wide: true,
    load: () => HM.openAlerts(),
    render(body, alerts) {
      body.append(alerts.length ? HM.table(alerts, findingColumns) : muted('no open alerts'));
    },
  });

  // Metric anomaly onsets ({ts, series, score, view, observed, low, high}) and incidents.
  const onsetColumns = [{key: 'ts', label: 'when'}, {key: 'series', fmt: (v) => el('code', {}, v)}, {key: 'view'},
    {key: 'score', fmt: (v) => Number(v).toFixed(2)},
    {key: 'observed', fmt: (v, r) => fmt.value(String(r.series).split('{')[0], v)},
    {key: 'low', label: 'normal', fmt: (v, r) => fmt.value(String(r.series).split('{')[0], v) + ' – ' +
                                                 fmt.value(String(r.series).split('{')[0], r.high)}];
  HM.section({
    id: 'incidents', tab: 'overview', title: 'Incidents', needs: '/api/v1/incidents',
    load: async () => firstArray(await json('api/v1/incidents')),
    render(body, rows) {
      if (!rows.length) return body.append(muted('no incidents'));
      body.append(HM.table(rows, [{key: 'id'}, {key: 'open', fmt: (v) => v ? 'open' : 'closed'},
        {key: 'start', label: 'started', fmt: (v) => fmt.time(v)}, {key: 'last', label: 'last', fmt: (v) => fmt.ago(v)},
        {key: 'score', fmt: (v) => Number(v).toFixed(2)},
        {key: 'series', label: 'series, highest score first', fmt: (v) => (v || []).slice(0, 4).map((o) => o.series).join(', ') +
                                                           ((v || []).length > 4 ? ' … (' + v.length + ')' : '')}]));
    },
  });

  // ---- charts --------------------------------------------------------------------------------
  // Per series, what has been fetched; each poll asks only for what is newer (slow links).
  const cache = new Map();
  const fetchSeries = async (id, windowMs) => {
    const now = Date.now();
    let c = cache.get(id);
    if (!c || c.windowMs !== windowMs) c = {windowMs, points: [], rollups: [], band: [], anomalies: [], forecast: null, last: now - windowMs};
    const r = await HM.api('api/v1/series?id=' + encodeURIComponent(id) + '&since=' + (c.last + 1));
    if (!r.ok) return r.status === 404 ? null : c;
    const d = r.data;
    const cut = now - windowMs;
    const union = (old, add, key) => {
      const seen = new Set(old.map(key));
      return old.concat(add.filter((x) => !seen.has(key(x))));
    };
    const merge = (old, add, key) => union(old, add, key).filter((x) => key(x) >= cut);
    // The band is a step function in a few points: the step that began before the window's
    // start is carried to the start, so that sliding the window does not drop it.
    const steps = (rows) => {
      rows.sort((a, b) => a[0] - b[0]);
      const before = rows.filter((r) => r[0] < cut);
      const kept = rows.filter((r) => r[0] >= cut);
      return before.length ? [[cut, ...before[before.length - 1].slice(1)], ...kept] : kept;
    };
    c.points = merge(c.points, d.points || [], (p) => p[0]);
    c.rollups = merge(c.rollups, d.rollups || [], (b) => b.ts);
    c.band = steps(union(c.band, d.band || [], (b) => b[0]));
    c.anomalies = merge(c.anomalies, (d.anomalies || []).map((a) => Array.isArray(a) ? {ts: a[0], score: a[1]} : a), (a) => a.ts);
    if (d.forecast) c.forecast = d.forecast;
    const newest = [...c.points.map((p) => p[0]), ...c.rollups.map((b) => b.ts)];
    if (newest.length) c.last = Math.max(c.last, ...newest);
    cache.set(id, c);
    return c;
  };

  // Alerts about a series (subject or evidence), as chart marks.
  const marksFor = (id, alerts) => alerts
      .filter((a) => a.subject === id || (a.evidence || []).some((e) => e.subject === id))
      .map((a) => ({ts: a.ts, score: a.score, id: a.id, summary: a.summary}));

  // The forecast's first `ahead` ms (cut by interpolation): a day ahead would squash the window.
  const nearFuture = (forecast, ahead) => {
    const pts = (forecast && forecast.points) || [];
    if (!pts.length) return null;
    const until = pts[0][0] + ahead;
    const kept = pts.filter((p) => p[0] <= until);
    const next = pts.find((p) => p[0] > until);
    const prev = kept[kept.length - 1];
    if (next && prev) {
      const f = (until - prev[0]) / (next[0] - prev[0]);
      kept.push(prev.map((v, i) => (i ? v + f * (next[i] - v) : until)));
    }
    return {...forecast, points: kept};
  };

  HM.seriesChart = async (id, windowMs, alerts, mini) => {
    const c = await fetchSeries(id, windowMs);
    const name = id.split('{')[0];
    const head = el('div', {class: 'chart-head'}, el('code', {title: id}, id));
    if (!c) return el('div', {class: 'chart-box'}, head, muted('series gone'));
    // Raw points cover the in-memory window; older time comes from the rollups' means.
    const firstRaw = c.points.length ? c.points[0][0] : Infinity;
    const points = c.rollups.filter((b) => b.ts < firstRaw).map((b) => [b.ts, b.mean]).concat(c.points);
    const last = points.length ? points[points.length - 1][1] : null;
    head.append(el('b', {class: 'last'}, fmt.value(name, last)));
    const marks = c.anomalies.concat(marksFor(id, alerts));
    return el('div', {class: 'chart-box', 'data-series': id}, head,
              HM.chart({name, points, band: c.band, anomalies: marks, forecast: nearFuture(c.forecast, windowMs / 3), mini,
                        until: c.forecast ? undefined : Date.now(), onMarker: HM.openFinding}));
  };

  HM.seriesList = async () => {
    if (!HM.seriesCache || Date.now() - HM.seriesCache.at > 60000)
      HM.seriesCache = {at: Date.now(), list: (await json('api/v1/series?limit=20000')).series};
    return HM.seriesCache.list;
  };

  // A few vital series, chosen by name from whatever this host reports.
  HM.vitals = (list) => {
    const pick = (name, pred) => list.find((s) => s.name === name && (!pred || pred(s.labels)));
    return [
      pick('hostmind_cpu_utilization_ratio', (l) => l.mode === 'busy' && !/^\d+$/.test(l.cpu || '')),
      pick('hostmind_memory_used_ratio'),
      pick('hostmind_load1'),
      pick('hostmind_pressure_stall_ratio', (l) => l.resource === 'cpu'),
      pick('hostmind_disk_utilization_ratio'),
      pick('hostmind_network_receive_bytes_per_second', (l) => l.device !== 'lo'),
    ].filter(Boolean).map((s) => s.id);
  };

  const recentAlerts = async (sinceMs) => firstArray(await json('api/v1/alerts?limit=500&since=' + sinceMs));

  HM.section({
    id: 'vitals', tab: 'overview', title: 'Vitals (last 10 minutes)', wide: true,
    async load() {
      const [list, alerts] = await Promise.all([HM.seriesList(), recentAlerts(Date.now() - 600000)]);
      return Promise.all(HM.vitals(list).slice(0, 4).map((id) => HM.seriesChart(id, 600000, alerts, true)));
    },
    render(body, charts) { body.append(charts.length ? el('div', {class: 'grid'}, charts) : muted('no series yet')); },
  });

  const CHARTS_KEY = 'hostmind.charts';
  const WINDOWS = [['10m', 600000], ['1h', 3600000], ['6h', 6 * 3600000], ['24h', 86400000]];
  HM.chartState = {ids: JSON.parse(localStorage.getItem(CHARTS_KEY) || 'null'), windowMs: 600000};
  const saveCharts = () => localStorage.setItem(CHARTS_KEY, JSON.stringify(HM.chartState.ids));

  HM.section({
    id: 'charts', tab: 'metrics', title: 'Metrics', wide: true,
    controls(div) {
      const list = el('datalist', {id: 'series-ids'});
      const input = el('input', {type: 'search', list: 'series-ids', placeholder: 'add a series: type to search, Enter to add', size: 50});
      input.addEventListener('focus', async () => {
        if (list.children.length) return;
        for (const s of await HM.seriesList()) list.append(el('option', {value: s.id}));
      });
      input.addEventListener('keydown', (e) => {
        if (e.key !== 'Enter' || !input.value.trim()) return;
        HM.chartState.ids = [input.value.trim(), ...(HM.chartState.ids || []).filter((i) => i !== input.value.trim())];
        saveCharts();
        input.value = '';
        HM.loop();
      });
      const windows = el('span', {class: 'windows'});
      for (const [label, ms] of WINDOWS)
        windows.append(el('button', {type: 'button', class: ms === HM.chartState.windowMs ? 'on' : '', onclick: (e) => {
          HM.chartState.windowMs = ms;
          for (const b of windows.children) b.classList.toggle('on', b === e.target);
          HM.loop();
        }}, label));
      div.append(input, list, windows);
    },
    async load() {
      const list = await HM.seriesList();
      if (!HM.chartState.ids) HM.chartState.ids = HM.vitals(list);
      const alerts = await recentAlerts(Date.now() - HM.chartState.windowMs);
      return Promise.all(HM.chartState.ids.map(async (id) => {
        const box = await HM.seriesChart(id, HM.chartState.windowMs, alerts, false);
        box.querySelector('.chart-head').append(el('button', {type: 'button', class: 'remove', title: 'remove', onclick: () => {
          HM.chartState.ids = HM.chartState.ids.filter((i) => i !== id);
          saveCharts();
          HM.loop();
        }}, '×'));
        return box;
      }));
    },
    render(body, charts) { body.append(charts.length ? el('div', {class: 'grid'}, charts) : muted('no charts: add a series above')); },
  });

  // Forecasts: the metrics module's time to exhaustion (with its 90% interval) when it runs,
  // else the forecast findings.
  const eta = (s) => s === null || s === undefined ? '–' : fmt.duration(s);
  const amount = (r, v) => r.resource === 'inodes' ? fmt.number(v) : fmt.bytes(v);
  HM.section({
    id: 'forecasts', tab: 'metrics', title: 'Forecasts: what will run out, and when', wide: true,
    async load() {
      if (!HM.has('/api/v1/forecasts')) return {findings: firstArray(await json('api/v1/alerts?kind=forecast&limit=50'))};
      const eta = firstArray(await json('api/v1/forecasts?limit=30'));
      // The most urgent growing resources, drawn with the forecast ahead of their last hour.
      const drawn = eta.filter((r) => r.growing && r.series).slice(0, 2);
      return {eta, charts: await Promise.all(drawn.map((r) => HM.seriesChart(r.series, 3600000, [], false)))};
    },
    render(body, d) {
      if (d.findings) return body.append(d.findings.length ? HM.table(d.findings, findingColumns) : muted('nothing is running out'));
      if (!d.eta.length) return body.append(muted('no forecasts yet'));
      if (d.charts.length) body.append(el('div', {class: 'grid'}, d.charts));
      body.append(HM.table(d.eta, [{key: 'resource'}, {key: 'subject', fmt: (v) => el('code', {}, v)},
        {key: 'used', fmt: (v, r) => amount(r, v) + (r.limit ? ' of ' + amount(r, r.limit) : '')},
        {key: 'growth_per_hour', label: 'growth / h', fmt: (v, r) => r.growing ? amount(r, v) : 'not growing'},
        {key: 'eta_s', label: 'full in (90%)', fmt: (v, r) => v === null || v === undefined ? '–'
                                                     : eta(v) + ' (' + eta(r.eta_low_s) + ' – ' + eta(r.eta_high_s) + ')'},
        {key: 'alert', fmt: (v) => v && v !== 'none' ? HM.severityBadge(v) : ''}]));
    },
  });

  HM.section({
    id: 'anomalies', tab: 'metrics', title: 'Metric anomalies', wide: true, needs: '/api/v1/anomalies',
    load: () => json('api/v1/anomalies?limit=30'),
    render(body, d) {
      body.append(el('p', {class: 'muted'}, fmt.number(d.series_watched) + ' series watched, ' +
                     fmt.number(d.onsets_total) + ' onsets so far, threshold ' + Number(d.threshold).toFixed(2)));
      body.append(el('h4', {}, 'Anomalous now'), HM.table(d.anomalous || [], onsetColumns),
                  el('h4', {}, 'Recent onsets'), HM.table(d.recent || [], onsetColumns));
    },
  });

  // ---- alerts --------------------------------------------------------------------------------
  HM.section({
    id: 'alerts', tab: 'alerts', title: 'Alerts (warning and critical findings)', wide: true,
    load: async () => firstArray(await json('api/v1/alerts?limit=200')),
    render(body, rows) { body.append(HM.table(rows, findingColumns)); },
  });

  HM.section({
    id: 'silences', tab: 'alerts', title: 'Silences', needs: '/api/v1/silences',
    load: async () => firstArray(await json('api/v1/silences')),
    render(body, rows) {
      body.append(HM.table(rows, [
        {key: 'id'}, {key: 'matchers', fmt: (m) => m.map((x) => x.name + (x.regex ? '=~' : '=') + JSON.stringify(x.value)).join(', ')},
        {key: 'ends_at', label: 'until', fmt: (v) => fmt.time(v)}, {key: 'created_by', label: 'by'}, {key: 'comment'},
        {key: 'id', label: '', fmt: (id) => el('button', {type: 'button', onclick: async () => {
          const r = await HM.api('api/v1/silences/' + id, {method: 'DELETE'});
          if (!r.ok) alert('refused: ' + ((r.data && r.data.error) || r.status));
          HM.loop();
        }}, 'expire')}]));
    },
  });

  HM.section({
    id: 'delivery', tab: 'alerts', title: 'Alert delivery', needs: (hm) => hm.has('/api/v1/alerts/active'),
    load: () => HM.health(),
    render(body, h) {
      body.append(HM.table((h.alerting && h.alerting.targets) || [],
          ['name', 'state', 'queued', 'delivered', 'failed', 'dropped', {key: 'last_error', label: 'last error'}]));
    },
  });

  // ---- logs, security, jobs, actions, events -------------------------------------------------
  HM.section({
    id: 'templates', tab: 'logs', title: 'Log templates', wide: true, needs: '/api/v1/logs/templates',
    load: () => json('api/v1/logs/templates'),
    render(body, data) {
      const rows = data.templates || firstArray(data);
      body.append(el('p', {class: 'muted'}, fmt.number(data.lines) + ' lines, ' + fmt.number(data.templates_total) + ' templates' +
                     (data.learning ? ' (learning: no log findings yet)' : '')));
      const newest = rows.slice().sort((a, b) => b.first_seen - a.first_seen).slice(0, 10);
      const cols = [{key: 'id'}, {key: 'template', fmt: (v) => el('code', {}, v)}, {key: 'count', fmt: (v) => fmt.number(v)},
                    {key: 'per_minute', label: '/min', fmt: (v) => fmt.number(v)}, {key: 'origin'},
                    {key: 'first_seen', label: 'first seen', fmt: (v) => fmt.ago(v)}];
      body.append(el('h4', {}, 'Busiest'), HM.table(rows.slice(0, 25), cols), el('h4', {}, 'Newest'), HM.table(newest, cols));
    },
  });

  HM.section({
    id: 'log-anomalies', tab: 'logs', title: 'Log anomalies', needs: '/api/v1/logs/anomalies',
    load: () => json('api/v1/logs/anomalies?limit=50'),
    render(body, data) {
      const rows = data.anomalies || firstArray(data);
      body.append(HM.table(rows, findingColumns.concat([{key: 'facts', label: 'template', fmt: (v) => (v && v.template) || ''}])));
    },
  });

  const eventColumns = [{key: 'ts', label: 'when'}, {key: 'type'}, {key: 'source'}, {key: 'origin'}, {key: 'pid'},
                        {key: 'comm'}, {key: 'exe'}, {key: 'message'}];
  HM.section({
    id: 'log-events', tab: 'logs', title: 'Recent log lines', wide: true,
    load: async () => firstArray(await json('api/v1/events?type=log&limit=50')),
    render(body, rows) { body.append(HM.table(rows, eventColumns)); },
  });

  // File opens are left out: every exec reads ld.so.cache, they would drown the rest.
  const SENSOR_TYPES = ['exec', 'connect', 'accept', 'module', 'ptrace', 'cred'];
  const sensorWhat = (e) => {
    switch (e.type) {
      case 'exec': return (e.argv || []).join(' ') || e.exe;
      case 'connect': case 'accept': return e.local_addr + ':' + e.local_port + (e.type === 'connect' ? ' → ' : ' ← ') + e.remote_addr + ':' + e.remote_port;
      case 'cred': return e.call + ': uid ' + e.old_uid + ' → ' + e.uid + ', euid ' + e.old_euid + ' → ' + e.euid;
      case 'ptrace': return e.request + ' pid ' + e.target_pid;
      case 'module': return e.name || e.path || '';
      default: return '';
    }
  };
  HM.section({
    id: 'security-events', tab: 'security', title: 'Security events (the sensor: execs, connections, privilege changes, modules, ptrace)', wide: true,
    async load() {
      const lists = await Promise.all(SENSOR_TYPES.map(async (t) => firstArray(await json('api/v1/events?limit=40&type=' + t))));
      return lists.flat().sort((a, b) => b.ts - a.ts).slice(0, 80);
    },
    render(body, rows) {
      body.append(rows.length ? HM.table(rows, [{key: 'ts', label: 'when'}, {key: 'type'}, {key: 'pid'}, {key: 'uid'},
        {key: 'comm'}, {key: 'type', label: 'what', fmt: (v, r) => el('code', {}, sensorWhat(r))}])
                              : muted('no sensor events stored (security.sensor off, or eBPF unavailable: see the health tab)'));
    },
  });

  HM.section({
    id: 'security-findings', tab: 'security', title: 'Rule matches and new behaviour', wide: true,
    async load() {
      const [rules, behaviour] = await Promise.all([json('api/v1/alerts?kind=rule_match&limit=100'), json('api/v1/alerts?kind=behaviour&limit=100')]);
      return firstArray(rules).concat(firstArray(behaviour)).sort((a, b) => b.ts - a.ts);
    },
    render(body, rows) { body.append(rows.length ? HM.table(rows, findingColumns) : muted('no rule matches, no new behaviour')); },
  });

  HM.section({
    id: 'jobs', tab: 'jobs', title: 'Job queue', wide: true, needs: '/api/v1/jobs',
    load: () => json('api/v1/jobs?all=1'),
    render(body, data) {
      const q = data.queue || {};
      if (data.queue)
        body.append(el('p', {class: 'muted'}, q.policy + ': ' + q.queued + ' queued, ' + q.running + ' running, CPUs ' +
                       q.cpus_used + '/' + q.cpus + ', memory ' + fmt.bytes(q.mem_used_bytes || 0) + '/' + fmt.bytes(q.mem_bytes || 0)));
      const ms = (v) => v === null || v === undefined ? '' : fmt.duration(v / 1000);
      body.append(HM.table(data.jobs || firstArray(data), [{key: 'id'}, {key: 'state'}, {key: 'user'},
        {key: 'argv', label: 'command', fmt: (v) => el('code', {}, (v || []).join(' '))}, {key: 'cpus'},
        {key: 'submit_ts', label: 'submitted', fmt: (v) => v ? fmt.ago(v) : ''},
        {key: 'predicted_ms', label: 'predicted', fmt: (v, r) => ms(v) + (r.upper_ms ? ' (≤ ' + ms(r.upper_ms) + ')' : '')},
        {key: 'start_ts', label: 'ran', fmt: (v, r) => v ? ms((r.end_ts || Date.now()) - v) : ''},
        {key: 'exit_code', label: 'exit'}, {key: 'reason'}]));
    },
  });

  HM.section({
    id: 'actions', tab: 'actions', title: 'Action audit log', wide: true, needs: '/api/v1/actions',
    load: () => json('api/v1/actions?limit=200'),
    render(body, data) {
      const table = HM.table(firstArray(data), [{key: 'id'}, {key: 'ts', label: 'when'}, {key: 'actuator'}, {key: 'mode'},
        {key: 'status', fmt: (v) => el('span', {class: 'mode ' + v}, v)}, {key: 'target'}, {key: 'knob', fmt: (v) => el('code', {}, v)},
        {key: 'old_value', label: 'from'}, {key: 'new_value', label: 'to'}, {key: 'reason'}, {key: 'error'}]);
      for (const tr of table.querySelectorAll('tbody tr')) {
        const id = tr.firstChild.textContent;
        tr.classList.add('link');
        tr.dataset.action = id;
        tr.addEventListener('click', () => HM.openAction(id));
      }
      body.append(table);
    },
  });

  HM.section({
    id: 'alloc', tab: 'actions', title: 'Cgroup controller: workloads and their knobs', wide: true, needs: '/api/v1/alloc',
    load: () => json('api/v1/alloc'),
    render(body, d) {
      body.append(el('p', {class: 'muted'}, 'mode ' + d.mode + (d.batch_allowance_cores !== undefined && d.batch_allowance_cores !== null
                                                                ? ' · batch allowance ' + Number(d.batch_allowance_cores).toFixed(2) + ' cores' : '')));
      const pct = (v) => (100 * (v || 0)).toFixed(1) + '%';
      body.append(HM.table(d.workloads || [], [{key: 'name'}, {key: 'class'}, {key: 'path', fmt: (v) => el('code', {}, v)},
        {key: 'usage', label: 'CPU', fmt: (u) => fmt.number(u.cpu_cores) + ' cores'},
        {key: 'usage', label: 'stall cpu / mem', fmt: (u) => u.has_pressure ? pct(u.cpu_pressure) + ' / ' + pct(u.memory_pressure) : '–'},
        {key: 'usage', label: 'memory', fmt: (u) => fmt.bytes(u.memory_bytes || 0)},
        {key: 'knobs', fmt: (k) => Object.entries(k || {}).map(([n, v]) => n + '=' + v).join(' ')}]));
    },
  });

  HM.section({
    id: 'prefetch', tab: 'actions', title: 'Prefetcher: recent prefetches and what they saved', wide: true, needs: '/api/v1/prefetch',
    load: async () => ({state: await json('api/v1/prefetch'), jobs: firstArray(await json('api/v1/prefetch/jobs?limit=30'))}),
    render(body, {state, jobs}) {
      body.append(el('p', {class: 'muted'}, 'mode ' + state.mode + ' · tracer ' + state.tracer + ' · ' + state.programs + ' programs, ' +
                     state.launches_learnt + ' launches learnt · brought ' + fmt.bytes(state.brought_bytes || 0) + ', used ' +
                     fmt.bytes(state.hit_bytes || 0) + ', wasted ' + fmt.bytes(state.wasted_bytes || 0) +
                     (state.degraded ? ' · ' + state.degraded : '')));
      body.append(HM.table(jobs, [{key: 'id'}, {key: 'ts', label: 'when'}, {key: 'reason'}, {key: 'program', fmt: (v) => el('code', {}, v)},
        {key: 'reads'}, {key: 'bytes_planned', label: 'planned', fmt: (v) => fmt.bytes(v || 0)},
        {key: 'brought_bytes', label: 'brought in', fmt: (v) => fmt.bytes(v || 0)}, {key: 'hit_bytes', label: 'used', fmt: (v) => fmt.bytes(v || 0)},
        {key: 'hit_ratio', label: 'hit', fmt: (v, r) => r.final && v !== null && v !== undefined ? (100 * v).toFixed(0) + '%' : '…'}]));
    },
  });

  HM.section({
    id: 'events', tab: 'events', title: 'Recent events', wide: true,
    load: async () => firstArray(await json('api/v1/events?limit=100')),
    render(body, rows) { body.append(HM.table(rows, eventColumns)); },
  });
})();
