// nianbao dashboard: reads the embedded JSON, draws with Chart.js. All text goes in through
// textContent or attribute setters, never innerHTML, so names and titles from the web stay text.
'use strict';
(function () {
  const D = JSON.parse(document.getElementById('nianbao-data').textContent);
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === 'style') e.style.cssText = v; else if (k === 'class') e.className = v; else e.setAttribute(k, String(v));
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c === null || c === undefined ? '' : String(c)));
    return e;
  };
  // Only relative links and http(s) URLs become links: a javascript: URL from a crawled page stays text.
  const safeHref = (h) => (typeof h === 'string' && (/^https?:\/\//i.test(h) || !/^[a-z][a-z0-9+.-]*:/i.test(h)) ? h : null);
  const link = (href, text, title) => {
    const h = safeHref(href);
    return h ? el('a', { href: h, title, target: '_blank', rel: 'noopener' }, text) : el('span', { title }, text);
  };
  const kinds = Object.fromEntries(D.statusKinds.map((k) => [k.key, k]));
  const agencyById = Object.fromEntries(D.agencies.map((a) => [a.id, a]));
  const fmt = (n) => (n === null || n === undefined ? '' : Number(n).toLocaleString('zh-CN'));

  $('asof').textContent = `截至 as of ${D.asOf} · ${D.agencies.length} 个机构 agencies · 生成 generated ${D.generatedAt}`;

  // ---- filters
  const uniq = (xs) => [...new Set(xs.filter((x) => x !== null && x !== undefined))].sort();
  const fill = (sel, values, label) => { for (const v of values) sel.append(el('option', { value: v }, label ? label(v) : v)); };
  fill($('f-year'), D.years.slice().reverse());
  fill($('f-region'), uniq(D.agencies.map((a) => a.province)));
  fill($('f-level'), uniq(D.agencies.map((a) => a.level)));
  fill($('f-kind'), uniq(D.agencies.map((a) => a.kind)));
  const dueYear = Number(D.asOf.slice(0, 4)) - 1;
  $('f-year').value = String(D.years.includes(dueYear) ? dueYear : D.years[D.years.length - 1]);
  const matches = (a) =>
    (!$('f-region').value || a.province === $('f-region').value) &&
    (!$('f-level').value || a.level === $('f-level').value) &&
    (!$('f-kind').value || a.kind === $('f-kind').value);

  for (const k of D.statusKinds) {
    $('legend').append(el('span', {}, el('span', { class: 'badge', style: `background:${k.color}` }, k.key), ' ', k.meaning));
  }

  let charts = {};
  const draw = (id, config) => { if (charts[id]) charts[id].destroy(); charts[id] = new Chart($(id), config); };

  function render() {
    const year = $('f-year').value;
    const shown = new Set(D.agencies.filter(matches).map((a) => a.id));
    const rows = (D.status[year] || []).filter((r) => shown.has(r.id));

    // cards
    const counts = Object.fromEntries(D.statusKinds.map((k) => [k.key, 0]));
    for (const r of rows) counts[r.status]++;
    $('cards').replaceChildren(
      el('div', { class: 'card', 'data-status': 'agencies' }, el('div', { class: 'n' }, rows.length), el('div', { class: 'k' }, '机构 agencies')),
      ...D.statusKinds.map((k) => el('div', { class: 'card', 'data-status': k.key, title: k.meaning, style: `border-left:4px solid ${k.color}` },
        el('div', { class: 'n' }, counts[k.key]), el('div', { class: 'k' }, k.key))),
    );
    $('cov-caption').textContent = `${year} 年度报告`;

    // status by year, stacked
    draw('chart-years', {
      type: 'bar',
      data: {
        labels: D.years.map(String),
        datasets: D.statusKinds.map((k) => ({
          label: k.key, backgroundColor: k.color,
          data: D.years.map((y) => (D.status[y] || []).filter((r) => shown.has(r.id) && r.status === k.key).length),
        })),
      },
      options: { animation: false, maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    });

    // lateness distribution for the year
    const late = rows.filter((r) => r.status === 'late');
    const buckets = D.latenessBuckets.map(() => 0);
    for (const r of late) buckets[D.latenessBuckets.findIndex((b) => b.max === null || r.daysLate <= b.max)]++;
    $('late-caption').textContent = `${year}: ${late.length} 份逾期 late` +
      (late.length ? `, 中位数 median ${median(late.map((r) => r.daysLate))} 天 days` : '');
    draw('chart-late', {
      type: 'bar',
      data: { labels: D.latenessBuckets.map((b) => b.label + ' 天'), datasets: [{ label: 'reports', data: buckets, backgroundColor: kinds.late.color }] },
      options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });

    // agencies × years grid
    const thead = $('coverage').tHead;
    thead.replaceChildren(el('tr', {}, el('th', {}, '机构 agency'), el('th', {}, '地区 region'), el('th', {}, '层级 level'), ...D.years.map((y) => el('th', {}, y))));
    const tbody = $('coverage').tBodies[0];
    const idx = {};
    for (const y of D.years) idx[y] = Object.fromEntries((D.status[y] || []).map((r) => [r.id, r]));
    tbody.replaceChildren(...D.agencies.filter(matches).map((a) => el('tr', { 'data-agency': a.id },
      el('td', {}, a.name), el('td', {}, a.regionCode || ''), el('td', {}, a.level || ''),
      ...D.years.map((y) => {
        const r = idx[y][a.id];
        if (!r) return el('td', {});
        const text = r.status === 'late' ? `late ${r.daysLate}d` : r.status;
        const badge = link(r.href || r.url, text, r.title ? `${r.title}\n${r.evidence}` : r.evidence);
        badge.className = 'badge';
        badge.style.background = kinds[r.status].color;
        return el('td', { 'data-year': y, 'data-status': r.status }, badge);
      }))));

    renderChecks(shown);
  }

  function median(xs) {
    const s = xs.slice().sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  }

  // ---- one agency's totals over the years
  const withValues = uniq(D.values.map((v) => v.id));
  fill($('f-agency'), withValues, (id) => (agencyById[id] ? agencyById[id].name : id));
  function renderAgency() {
    const id = $('f-agency').value;
    const vals = D.values.filter((v) => v.id === id);
    const palette = ['#1565c0', '#2e7d32', '#ef6c00', '#6a1b9a', '#c62828', '#00838f'];
    draw('chart-agency', {
      type: 'line',
      data: {
        labels: vals.map((v) => String(v.year)),
        datasets: D.figures.map((f, i) => ({ label: f.label, data: vals.map((v) => v.figures[f.key]), borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length], spanGaps: false })),
      },
      options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
    });
    $('agency-values').tHead.replaceChildren(el('tr', {}, el('th', {}, '项目 figure'), ...vals.map((v) => el('th', {}, v.year))));
    $('agency-values').tBodies[0].replaceChildren(...D.figures.map((f) => el('tr', { 'data-figure': f.key },
      el('td', {}, f.label),
      ...vals.map((v) => el('td', { class: 'num', 'data-year': v.year },
        v.figures[f.key] === null ? el('span', { class: 'muted', title: 'blank in the report' }, '·') : link(v.href || v.url, fmt(v.figures[f.key]), `sha256 ${v.sha256}\n${v.url}`)))),
    ));
  }

  function renderChecks(shown) {
    const rows = D.failingChecks.filter((c) => shown.has(c.id));
    const reports = new Set(rows.map((c) => c.sha256)).size;
    $('checks-caption').textContent = `${reports} 份报告 reports, ${rows.length} 项 checks`;
    $('checks').tBodies[0].replaceChildren(...rows.map((c) => el('tr', {},
      el('td', {}, agencyById[c.id] ? agencyById[c.id].name : c.id), el('td', {}, c.year), el('td', {}, c.table),
      el('td', {}, c.rule + (c.soft ? ' (soft)' : '')), el('td', {}, [c.row, c.col].filter(Boolean).join(' / ')),
      el('td', { class: 'num' }, fmt(c.left)), el('td', { class: 'num' }, fmt(c.right)),
      el('td', {}, link(c.href || c.url, c.sha256.slice(0, 12), c.url)))));
  }

  for (const id of ['f-year', 'f-region', 'f-level', 'f-kind']) $(id).addEventListener('change', render);
  $('f-agency').addEventListener('change', renderAgency);
  render();
  if (withValues.length) renderAgency();
  document.body.setAttribute('data-ready', '1');
})();
