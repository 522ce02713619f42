// hostmind dashboard: a small SVG time-series chart, drawn by hand (no library).
//
//   HM.chart({name, points, band, anomalies, forecast, mini, onMarker})
//     points     [[ts, value], ...]                 the series (decimated to the pixel width)
//     band       [[ts, low, high], ...]             the learned normal band (shaded)
//     anomalies  [{ts, score, id}, ...]             marked with a red rule and dot; click -> onMarker(id)
//     forecast   {points: [[ts, mid, low, high]]}   drawn ahead of now: dashed line + interval
// Returns a <figure>; its <svg> carries data-points/-band/-anomalies/-forecast counts (what was
// drawn), which the browser test reads.
'use strict';

(() => {
  const NS = 'http://www.w3.org/2000/svg';
  const svgEl = (tag, attrs) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  };

  // 1, 2 or 5 times a power of ten, giving about `count` ticks over [lo, hi].
  const niceTicks = (lo, hi, count) => {
    const raw = (hi - lo) / Math.max(1, count);
    const mag = Math.pow(10, Math.floor(Math.log10(raw || 1)));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
    const ticks = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
    return ticks;
  };

  // Keeps the first, min, max and last point of each pixel column, so spikes survive.
  const decimate = (points, t0, t1, width) => {
    if (points.length <= width * 2) return points;
    const out = [];
    let col = -1, bucket = [];
    const flush = () => {
      if (!bucket.length) return;
      let lo = bucket[0], hi = bucket[0];
      for (const p of bucket) { if (p[1] < lo[1]) lo = p; if (p[1] > hi[1]) hi = p; }
      const keep = [bucket[0], lo, hi, bucket[bucket.length - 1]].sort((a, b) => a[0] - b[0]);
      for (const p of keep) if (out[out.length - 1] !== p) out.push(p);
      bucket = [];
    };
    for (const p of points) {
      const c = Math.floor(((p[0] - t0) / Math.max(1, t1 - t0)) * width);
      if (c !== col) { flush(); col = c; }
      bucket.push(p);
    }
    flush();
    return out;
  };

  const pathOf = (pts, x, y) => pts.map((p, i) => (i ? 'L' : 'M') + x(p[0]).toFixed(1) + ' ' + y(p[1]).toFixed(1)).join('');
  // The closed area between `low` and `high` columns of rows [ts, ..., low, high].
  const areaOf = (rows, lo, hi, x, y) => {
    if (!rows.length) return '';
    const top = rows.map((r, i) => (i ? 'L' : 'M') + x(r[0]).toFixed(1) + ' ' + y(r[hi]).toFixed(1));
    const bottom = rows.slice().reverse().map((r) => 'L' + x(r[0]).toFixed(1) + ' ' + y(r[lo]).toFixed(1));
    return top.join('') + bottom.join('') + 'Z';
  };

  HM.chart = (opts) => {
    const mini = !!opts.mini;
    const W = mini ? 360 : 460, H = mini ? 110 : 170;
    const pad = {l: mini ? 46 : 58, r: 10, t: 10, b: mini ? 18 : 22};
    const name = opts.name || '';
    const points = (opts.points || []).filter((p) => Number.isFinite(p[1]));
    const band = (opts.band || []).filter((b) => Number.isFinite(b[1]) && Number.isFinite(b[2]));
    const forecast = (opts.forecast && opts.forecast.points) || [];
    const anomalies = opts.anomalies || [];

    const times = [...points.map((p) => p[0]), ...band.map((b) => b[0]), ...forecast.map((f) => f[0])];
    const svg = svgEl('svg', {viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img'});
    svg.dataset.points = points.length;
    svg.dataset.band = band.length;
    svg.dataset.anomalies = 0;
    svg.dataset.forecast = forecast.length;
    const fig = HM.el('figure', {class: 'chart' + (mini ? ' mini' : '')});
    if (!times.length) {
      fig.append(HM.el('p', {class: 'muted'}, 'no points yet'));
      return fig;
    }
    let t0 = Math.min(...times), t1 = Math.max(...times, opts.until || 0);
    if (t1 - t0 < 1000) { t0 -= 30000; t1 += 30000; }
    const values = [...points.map((p) => p[1]), ...band.flatMap((b) => [b[1], b[2]]),
                    ...forecast.flatMap((f) => [f[1], f[2], f[3]]).filter(Number.isFinite)];
    let v0 = Math.min(...values), v1 = Math.max(...values);
    if (v0 >= 0 && v0 < (v1 - v0) * 0.5) v0 = 0;  // anchor near-zero series at zero
    if (/_ratio$/.test(name)) { v0 = Math.min(0, v0); v1 = Math.max(v1, 0.01); }  // ratios read best from 0
    if (v1 - v0 < 1e-12) { v1 = v0 + (Math.abs(v0) || 1); }
    v1 += (v1 - v0) * 0.05;
    const x = (t) => pad.l + ((t - t0) / (t1 - t0)) * (W - pad.l - pad.r);
    const y = (v) => H - pad.b - ((v - v0) / (v1 - v0)) * (H - pad.t - pad.b);

    // Grid and axes.
    for (const v of niceTicks(v0, v1, mini ? 2 : 4)) {
      svg.append(svgEl('line', {x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), class: 'grid'}));
      const label = svgEl('text', {x: pad.l - 4, y: y(v) + 3, class: 'tick', 'text-anchor': 'end'});
      label.textContent = HM.fmt.value(name, v);
      svg.append(label);
    }
    const spanMin = (t1 - t0) / 60000;
    const stepMin = [1, 2, 5, 10, 15, 30, 60, 120, 360, 720, 1440].find((m) => spanMin / m <= (mini ? 3 : 6)) || 1440;
    for (let t = Math.ceil(t0 / (stepMin * 60000)) * stepMin * 60000; t <= t1; t += stepMin * 60000) {
      const label = svgEl('text', {x: x(t), y: H - 4, class: 'tick', 'text-anchor': 'middle'});
      const d = new Date(t);
      label.textContent = String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
      svg.append(label);
    }

    if (band.length) svg.append(svgEl('path', {d: areaOf(band, 1, 2, x, y), class: 'band'}));
    if (forecast.length) {
      const now = forecast[0][0];
      svg.append(svgEl('line', {x1: x(now), x2: x(now), y1: pad.t, y2: H - pad.b, class: 'now'}));
      const interval = forecast.filter((f) => Number.isFinite(f[2]) && Number.isFinite(f[3]));
      if (interval.length) svg.append(svgEl('path', {d: areaOf(interval, 2, 3, x, y), class: 'forecast-band'}));
      svg.append(svgEl('path', {d: pathOf(forecast.map((f) => [f[0], f[1]]), x, y), class: 'forecast'}));
    }
    const drawn = decimate(points, t0, t1, W);
    if (drawn.length) svg.append(svgEl('path', {d: pathOf(drawn, x, y), class: 'line'}));

    // Anomalies: a rule at the time, a dot on the series' value there.
    let marked = 0;
    for (const a of anomalies) {
      if (a.ts < t0 || a.ts > t1) continue;
      let near = null;
      for (const p of points) if (!near || Math.abs(p[0] - a.ts) < Math.abs(near[0] - a.ts)) near = p;
      const g = svgEl('g', {class: 'anomaly'});
      g.append(svgEl('line', {x1: x(a.ts), x2: x(a.ts), y1: pad.t, y2: H - pad.b}));
      g.append(svgEl('circle', {cx: x(a.ts), cy: near ? y(near[1]) : pad.t + 4, r: mini ? 3.5 : 4.5}));
      const tip = svgEl('title');
      tip.textContent = (a.summary || 'anomaly') + (a.score !== undefined ? ' (score ' + Number(a.score).toFixed(2) + ')' : '');
      g.append(tip);
      if (a.id && opts.onMarker) g.addEventListener('click', () => opts.onMarker(a.id));
      svg.append(g);
      marked++;
    }
    svg.dataset.anomalies = marked;

    // Hover: a crosshair and the nearest point's time and value.
    const cross = svgEl('line', {y1: pad.t, y2: H - pad.b, class: 'cross', visibility: 'hidden'});
    const readout = svgEl('text', {x: W - pad.r, y: pad.t + 10, class: 'readout', 'text-anchor': 'end'});
    const hit = svgEl('rect', {x: pad.l, y: pad.t, width: W - pad.l - pad.r, height: H - pad.t - pad.b, class: 'hit'});
    hit.addEventListener('mousemove', (ev) => {
      const box = svg.getBoundingClientRect();
      const t = t0 + ((ev.clientX - box.left) * (W / box.width) - pad.l) / (W - pad.l - pad.r) * (t1 - t0);
      let near = null;
      for (const p of points) if (!near || Math.abs(p[0] - t) < Math.abs(near[0] - t)) near = p;
      if (!near) return;
      cross.setAttribute('x1', x(near[0]));
      cross.setAttribute('x2', x(near[0]));
      cross.setAttribute('visibility', 'visible');
      readout.textContent = HM.fmt.time(near[0]) + '  ' + HM.fmt.value(name, near[1]);
    });
    hit.addEventListener('mouseleave', () => { cross.setAttribute('visibility', 'hidden'); readout.textContent = ''; });
    svg.append(cross, readout, hit);
    // The hit area sits on top; anomaly marks must stay clickable above it.
    for (const g of svg.querySelectorAll('g.anomaly')) svg.append(g);

    fig.append(svg);
    if (!mini) {
      const legend = HM.el('figcaption', {class: 'legend'},
          HM.el('span', {class: 'key line'}, 'value'),
          band.length ? HM.el('span', {class: 'key band'}, 'learned normal') : HM.el('span', {class: 'muted'}, 'no learned band yet'),
          marked ? HM.el('span', {class: 'key anomaly'}, marked + ' anomal' + (marked > 1 ? 'ies' : 'y')) : null,
          forecast.length ? HM.el('span', {class: 'key forecast'}, 'forecast') : null);
      fig.append(legend);
    }
    return fig;
  };
})();
