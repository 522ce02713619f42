// hostmind dashboard: a finding's explanation, rendered from the one structure every finding
// carries (summary, evidence ranked by score, named facts), and an audited action's. Opens in a
// side drawer; the URLs #finding/<id> and #action/<id> link to them.
'use strict';

(() => {
  const SERIES_ID = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?$/;

  HM.closeDrawer = () => {
    const drawer = document.getElementById('drawer');
    if (drawer.hidden) return;
    drawer.hidden = true;
    if (/^#(finding|action)\//.test(location.hash)) history.replaceState(null, '', '#' + HM.tab);
  };

  HM.severityBadge = (sev) => HM.el('span', {class: 'sev ' + sev}, sev);

  // Evidence whose subject is a series: a mini chart of it around the finding's time.
  const evidenceChart = async (subject, ts, findingId) => {
    if (!SERIES_ID.test(subject)) return null;
    const r = await HM.api('api/v1/series?id=' + encodeURIComponent(subject) + '&since=' + (ts - 15 * 60000));
    if (!r.ok) return null;
    const name = subject.split('{')[0];
    return HM.chart({name, points: r.data.points.length ? r.data.points : r.data.rollups.map((b) => [b.ts, b.mean]),
                     band: r.data.band, anomalies: [{ts, id: findingId, summary: 'this finding'}], mini: true});
  };

  const renderFinding = async (f) => {
    const silence = HM.has('/api/v1/silences', 'POST')
        ? HM.el('button', {type: 'button', onclick: () => HM.silenceLike(f)}, 'silence alerts like this') : null;
    const evidence = HM.el('ol', {class: 'evidence'});
    const maxScore = Math.max(1e-9, ...f.evidence.map((e) => Math.abs(e.score)));
    for (const e of f.evidence) {
      const li = HM.el('li', {},
          HM.el('div', {class: 'ev-head'}, HM.el('code', {}, e.subject),
                HM.el('span', {class: 'score'}, Number(e.score).toFixed(2))),
          HM.el('div', {class: 'bar'}, HM.el('span', {})),
          e.detail ? HM.el('div', {class: 'detail'}, e.detail) : null);
      li.querySelector('.bar span').style.width = (100 * Math.abs(e.score) / maxScore).toFixed(0) + '%';
      evidence.append(li);
      evidenceChart(e.subject, f.ts, f.id).then((chart) => { if (chart) li.append(chart); });
    }
    const facts = HM.el('table', {class: 'facts'});
    for (const [k, v] of Object.entries(f.facts || {})) facts.append(HM.el('tr', {}, HM.el('th', {}, k), HM.el('td', {}, v)));
    return HM.el('article', {class: 'explanation', 'data-finding': f.id},
        HM.el('div', {class: 'meta'}, HM.severityBadge(f.severity), HM.el('span', {class: 'kind'}, f.kind),
              HM.el('span', {class: 'muted'}, '#' + f.id + ' · ' + HM.fmt.time(f.ts) + ' (' + HM.fmt.ago(f.ts) + ')')),
        HM.el('h3', {class: 'summary'}, f.summary),
        HM.el('p', {}, 'subject ', HM.el('code', {}, f.subject), ' · score ', Number(f.score).toFixed(2)),
        HM.el('h4', {}, 'Why: the evidence, most responsible first'),
        f.evidence.length ? evidence : HM.el('p', {class: 'muted'}, 'no evidence recorded'),
        HM.el('h4', {}, 'Facts behind the summary'),
        Object.keys(f.facts || {}).length ? facts : HM.el('p', {class: 'muted'}, 'none'),
        silence,
        HM.el('details', {}, HM.el('summary', {}, 'as JSON (GET /api/v1/findings/' + f.id + ')'),
              HM.el('pre', {}, JSON.stringify(f, null, 2))));
  };

  HM.openFinding = async (id) => {
    const drawer = document.getElementById('drawer');
    const body = document.getElementById('drawer-body');
    drawer.hidden = false;
    body.replaceChildren(HM.el('p', {class: 'muted'}, 'loading finding ' + id + '…'));
    if (location.hash !== '#finding/' + id) history.replaceState(null, '', '#finding/' + id);
    const r = await HM.api('api/v1/findings/' + id);
    if (!r.ok) {
      body.replaceChildren(HM.el('p', {class: 'error'}, (r.data && r.data.error) || 'HTTP ' + r.status));
      return;
    }
    body.replaceChildren(await renderFinding(r.data));
  };

  // An action from the audit log: what changed, why, with which inputs (GET /api/v1/actions/<id>).
  HM.openAction = async (id) => {
    const drawer = document.getElementById('drawer');
    const body = document.getElementById('drawer-body');
    drawer.hidden = false;
    body.replaceChildren(HM.el('p', {class: 'muted'}, 'loading action ' + id + '…'));
    if (location.hash !== '#action/' + id) history.replaceState(null, '', '#action/' + id);
    const r = await HM.api('api/v1/actions/' + id);
    if (!r.ok) {
      body.replaceChildren(HM.el('p', {class: 'error'}, (r.data && r.data.error) || 'HTTP ' + r.status));
      return;
    }
    const a = r.data;
    const inputs = HM.el('table', {class: 'facts'});
    for (const [k, v] of Object.entries(a.inputs || {})) inputs.append(HM.el('tr', {}, HM.el('th', {}, k), HM.el('td', {}, v)));
    body.replaceChildren(HM.el('article', {class: 'explanation', 'data-action': a.id},
        HM.el('div', {class: 'meta'}, HM.el('span', {class: 'mode ' + a.status}, a.status), HM.el('span', {class: 'kind'}, a.actuator),
              HM.el('span', {class: 'muted'}, '#' + a.id + ' · ' + HM.fmt.time(a.ts) + ' (' + HM.fmt.ago(a.ts) + ') · mode ' + a.mode)),
        HM.el('h3', {class: 'summary'}, a.target + ': ' + a.knob + ' ' + a.old_value + ' → ' + a.new_value),
        HM.el('p', {}, a.reason),
        a.error ? HM.el('p', {class: 'error'}, a.error) : null,
        HM.el('h4', {}, 'Inputs to the decision'),
        Object.keys(a.inputs || {}).length ? inputs : HM.el('p', {class: 'muted'}, 'none'),
        HM.el('details', {}, HM.el('summary', {}, 'as text (hostmind explain action ' + a.id + ')'),
              HM.el('pre', {}, a.explanation || ''))));
  };

  // A silence for this finding's kind and subject, for the time asked.
  HM.silenceLike = async (f) => {
    const hours = prompt('Silence alerts of kind "' + f.kind + '" on "' + f.subject + '" for how many hours?', '4');
    if (!hours) return;
    const now = Date.now();
    const r = await HM.api('api/v1/silences', {method: 'POST', body: {
      matchers: [{name: 'kind', value: f.kind}, {name: 'subject', value: f.subject}],
      starts_at: now, ends_at: now + Number(hours) * 3600000, created_by: 'dashboard',
      comment: 'from finding #' + f.id}});
    alert(r.ok ? 'silenced until ' + HM.fmt.time(now + Number(hours) * 3600000) : 'refused: ' + ((r.data && r.data.error) || r.status));
  };
})();
