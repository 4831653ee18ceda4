// nianbao dashboard: reads the embedded JSON, draws with Chart.js. All text goes in through
// textContent or attribute setters, never innerHTML, so names and titles from the web stay text.
// The view lives in the address (#year=2023&region=110000&agency=...), so a filtered view or an
// agency's page can be bookmarked and sent.
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
  const badge = (r, href) => {
    const b = link(href, r.status === 'late' ? `late ${r.daysLate}d` : r.status, r.title ? `${r.title}\n${r.evidence}` : r.evidence);
    b.className = 'badge';
    b.style.background = kinds[r.status].color;
    return b;
  };

  $('asof').textContent = `截至 as of ${D.asOf} · ${D.agencies.length} 个机构 agencies · 生成 generated ${D.generatedAt}`;

  // ---- the view in the address
  const FILTERS = ['year', 'region', 'level', 'kind', 'status'];
  const readHash = () => Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
  const writeHash = (state) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(state)) if (v) p.set(k, v);
    const h = `#${p.toString()}`;
    if (h !== location.hash) history.pushState(null, '', h);
  };
  const current = () => Object.fromEntries(FILTERS.map((f) => [f, $(`f-${f}`).value]));

  // ---- filters
  const uniq = (xs) => [...new Set(xs.filter((x) => x !== null && x !== undefined))].sort();
  const fill = (sel, values, label) => { for (const v of values) sel.append(el('option', { value: v }, label ? label(v) : v)); };
  const provinceName = Object.fromEntries(D.provinces.map((p) => [p.code, p.name]));
  fill($('f-year'), D.years.slice().reverse());
  fill($('f-region'), uniq(D.agencies.map((a) => a.province)), (c) => provinceName[c] || c);
  fill($('f-level'), uniq(D.agencies.map((a) => a.level)));
  fill($('f-kind'), uniq(D.agencies.map((a) => a.kind)));
  fill($('f-status'), D.statusKinds.map((k) => k.key));
  const dueYear = Number(D.asOf.slice(0, 4)) - 1;
  const defaultYear = String(D.years.includes(dueYear) ? dueYear : D.years[D.years.length - 1]);
  const matches = (a) =>
    (!$('f-region').value || a.province === $('f-region').value) &&
    (!$('f-level').value || a.level === $('f-level').value) &&
    (!$('f-kind').value || a.kind === $('f-kind').value);

  for (const k of D.statusKinds) {
    $('legend').append(el('span', {}, el('span', { class: 'badge', style: `background:${k.color}` }, k.key), ' ', k.meaning));
  }

  let charts = {};
  const draw = (id, config) => { if (charts[id]) charts[id].destroy(); charts[id] = new Chart($(id), config); };
  const statusIndex = {};
  for (const y of D.years) statusIndex[y] = Object.fromEntries((D.status[y] || []).map((r) => [r.id, r]));

  /** The rows the filters choose: agency × the chosen year, status filter included. */
  function filteredRows() {
    const year = $('f-year').value;
    const shown = new Set(D.agencies.filter(matches).map((a) => a.id));
    const want = $('f-status').value;
    return (D.status[year] || []).filter((r) => shown.has(r.id) && (!want || r.status === want));
  }

  // On-time share: of the agencies whose deadline has passed, the share that published on time.
  const shareColor = (s) => (s === null ? '#eceff1' : `hsl(${Math.round(s * 120)}, 55%, ${78 - Math.round(s * 25)}%)`);

  function renderGrid(rows) {
    const byProvince = {};
    for (const r of rows) {
      if (r.status === 'not_yet_due') continue;
      const p = agencyById[r.id].province;
      const g = (byProvince[p] = byProvince[p] || { due: 0, onTime: 0 });
      g.due++;
      if (r.status === 'on_time') g.onTime++;
    }
    const chosen = $('f-region').value;
    $('province-grid').replaceChildren(...D.provinces.map((p) => {
      const g = byProvince[p.code];
      const share = g && g.due ? g.onTime / g.due : null;
      const short = p.name.replace(/(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$/, '');
      const tile = el('div', {
        class: `tile${chosen === p.code ? ' on' : ''}`, 'data-province': p.code, role: 'button', tabindex: '0',
        title: g ? `${p.name}: ${g.onTime} / ${g.due} 按时 on time` : `${p.name}: 无数据 no agency`,
        style: `grid-row:${p.row + 1};grid-column:${p.col + 1};background:${shareColor(share)}`,
      }, el('span', {}, short), el('span', { class: 's' }, share === null ? '–' : `${Math.round(share * 100)}%`));
      tile.addEventListener('click', () => { $('f-region').value = chosen === p.code ? '' : p.code; changed(); });
      return tile;
    }));
    $('grid-scale').replaceChildren('0%', ...[0, 0.25, 0.5, 0.75, 1].map((s) => el('span', { class: 'sw', style: `background:${shareColor(s)}` })), '100%',
      el('span', {}, ' · 按时 / 已到期 on time of those due'));
  }

  function renderOverview() {
    const year = $('f-year').value;
    const rows = filteredRows();
    const shown = new Set(rows.map((r) => r.id));
    const shownAgencies = new Set(D.agencies.filter(matches).map((a) => a.id));

    const counts = Object.fromEntries(D.statusKinds.map((k) => [k.key, 0]));
    for (const r of rows) counts[r.status]++;
    $('cards').replaceChildren(
      el('div', { class: 'card', 'data-status': 'agencies' }, el('div', { class: 'n' }, rows.length), el('div', { class: 'k' }, '机构 agencies')),
      ...D.statusKinds.map((k) => el('div', { class: 'card', 'data-status': k.key, title: k.meaning, style: `border-left:4px solid ${k.color}` },
        el('div', { class: 'n' }, counts[k.key]), el('div', { class: 'k' }, k.key))),
    );
    $('cov-caption').textContent = `${year} 年度报告`;
    // The grid shows every province for the level and kind chosen (the region filter picks a tile).
    renderGrid((D.status[year] || []).filter((r) => {
      const a = agencyById[r.id];
      return (!$('f-level').value || a.level === $('f-level').value) && (!$('f-kind').value || a.kind === $('f-kind').value);
    }));
    $('grid-caption').textContent = `${year}`;

    draw('chart-years', {
      type: 'bar',
      data: {
        labels: D.years.map(String),
        datasets: D.statusKinds.map((k) => ({
          label: k.key, backgroundColor: k.color,
          data: D.years.map((y) => (D.status[y] || []).filter((r) => shownAgencies.has(r.id) && r.status === k.key).length),
        })),
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { labels: { boxWidth: 10, font: { size: 10 } } } },
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    });

    const late = rows.filter((r) => r.status === 'late');
    const buckets = D.latenessBuckets.map(() => 0);
    for (const r of late) buckets[D.latenessBuckets.findIndex((b) => b.max === null || r.daysLate <= b.max)]++;
    $('late-caption').textContent = `${year}: ${late.length} 份逾期 late` +
      (late.length ? `, 中位数 median ${median(late.map((r) => r.daysLate))} 天 days` : '');
    draw('chart-late', {
      type: 'bar',
      data: { labels: D.latenessBuckets.map((b) => b.label + ' 天'), datasets: [{ label: 'reports', data: buckets, backgroundColor: kinds.late.color }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });

    $('coverage').tHead.replaceChildren(el('tr', {}, el('th', {}, '机构 agency'), el('th', { class: 'hide-narrow' }, '地区 region'),
      el('th', { class: 'hide-narrow' }, '层级 level'), ...D.years.map((y) => el('th', {}, y))));
    $('coverage').tBodies[0].replaceChildren(...D.agencies.filter((a) => shown.has(a.id)).map((a) => el('tr', { 'data-agency': a.id },
      el('td', { class: 'wrap' }, el('a', { href: `#agency=${encodeURIComponent(a.id)}`, class: 'agency-link' }, a.name)),
      el('td', { class: 'hide-narrow' }, a.region || ''), el('td', { class: 'hide-narrow' }, a.level || ''),
      ...D.years.map((y) => {
        const r = statusIndex[y][a.id];
        return r ? el('td', { 'data-year': y, 'data-status': r.status }, badge(r, r.href || r.url)) : el('td', {});
      }))));

    renderChecks(shownAgencies);
  }

  function median(xs) {
    const s = xs.slice().sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  }

  // ---- the filtered rows as CSV (what the page shows, one row per agency)
  const csvField = (v) => {
    if (v === null || v === undefined) return '';
    const s = String(v);
    return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  $('download').addEventListener('click', () => {
    const cols = ['agency_id', 'name', 'region_code', 'region', 'level', 'kind', 'year', 'status', 'deadline', 'published_date', 'days_late', 'url', 'sha256', 'evidence'];
    const lines = [cols.join(',')];
    for (const r of filteredRows()) {
      const a = agencyById[r.id];
      const sha = (r.href || '').match(/[0-9a-f]{64}/);
      lines.push([a.id, a.name, a.regionCode, a.region, a.level, a.kind, $('f-year').value, r.status, r.deadline, r.published, r.daysLate, r.url,
        sha ? sha[0] : null, r.evidence].map(csvField).join(','));
    }
    const blob = new Blob(['\ufeff' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
    const a = el('a', { href: URL.createObjectURL(blob), download: `nianbao-status-${$('f-year').value}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
  });

  // ---- one agency's totals over the years
  const withValues = uniq(D.values.map((v) => v.id));
  fill($('f-agency'), withValues, (id) => (agencyById[id] ? agencyById[id].name : id));
  const palette = ['#1565c0', '#2e7d32', '#ef6c00', '#6a1b9a', '#c62828', '#00838f'];
  function figuresOf(id, chartId, tableId) {
    const vals = D.values.filter((v) => v.id === id);
    draw(chartId, {
      type: 'line',
      data: {
        labels: vals.map((v) => String(v.year)),
        datasets: D.figures.map((f, i) => ({ label: f.label, data: vals.map((v) => v.figures[f.key]), borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length], spanGaps: false })),
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { labels: { boxWidth: 10, font: { size: 10 } } } }, scales: { y: { beginAtZero: true } } },
    });
    $(tableId).tHead.replaceChildren(el('tr', {}, el('th', {}, '项目 figure'), ...vals.map((v) => el('th', {}, v.year))));
    $(tableId).tBodies[0].replaceChildren(...D.figures.map((f) => el('tr', { 'data-figure': f.key },
      el('td', { class: 'wrap' }, f.label),
      ...vals.map((v) => el('td', { class: 'num', 'data-year': v.year },
        v.figures[f.key] === null ? el('span', { class: 'muted', title: 'blank in the report' }, '·') : link(v.href || v.url, fmt(v.figures[f.key]), `sha256 ${v.sha256}\n${v.url}`)))),
    ));
  }

  function renderChecks(shown) {
    const rows = D.failingChecks.filter((c) => shown.has(c.id));
    const reports = new Set(rows.map((c) => c.sha256)).size;
    $('checks-caption').textContent = `${reports} 份报告 reports, ${rows.length} 项 checks`;
    $('checks').tBodies[0].replaceChildren(...rows.map((c) => el('tr', {},
      el('td', { class: 'wrap' }, agencyById[c.id] ? agencyById[c.id].name : c.id), el('td', {}, c.year), el('td', {}, c.table),
      el('td', {}, c.rule + (c.soft ? ' (soft)' : '')), el('td', { class: 'hide-narrow' }, [c.row, c.col].filter(Boolean).join(' / ')),
      el('td', { class: 'num' }, fmt(c.left)), el('td', { class: 'num' }, fmt(c.right)),
      el('td', {}, link(c.href || c.url, c.sha256.slice(0, 12), c.url)))));
  }

  // ---- a page per agency: its reports by year, what was read of its column, its figures and checks
  function renderAgencyPage(id) {
    const a = agencyById[id];
    if (!a) { $('agency-name').textContent = `未知机构 unknown agency ${id}`; return; }
    $('agency-name').textContent = a.name;
    const fact = (k, ...v) => [el('dt', {}, k), el('dd', {}, ...v)];
    $('agency-facts').replaceChildren(
      ...fact('地区 region', a.region || a.regionCode || '—'), ...fact('层级 level', a.level || '—'), ...fact('类型 kind', a.kind || '—'),
      ...fact('年报栏目 column', ...(a.columns.length ? a.columns.flatMap((u, i) => [i ? ' ' : '', link(u, u)]) : ['—'])),
      ...fact('编号 id', a.id),
    );
    $('agency-years').tBodies[0].replaceChildren(...D.years.slice().reverse().map((y) => {
      const r = statusIndex[y][id];
      if (!r) return el('tr', {});
      const versions = D.reports.filter((v) => v.id === id && v.year === y);
      const reportCell = el('td', { class: 'wrap' });
      for (const v of versions) {
        const label = `${v.current ? '现行 current' : v.replacedAt ? '已替换 replaced' : '另一来源 other source'} · ${v.sha256.slice(0, 12)}`;
        reportCell.append(el('div', { 'data-sha256': v.sha256, class: v.current ? 'current' : '' },
          link(v.href || v.url, label, v.title ? `${v.title}\n${v.url}` : v.url), ' ', el('span', { class: 'muted' }, '← '), link(v.url, '来源 source', v.url)));
      }
      if (!versions.length) reportCell.append(el('span', { class: 'muted' }, '—'));
      const evidence = el('td', { class: 'wrap' }, r.evidence);
      if (r.lastReadUrl) {
        evidence.append(el('div', { class: 'muted' }, '栏目页 column page: ', link(r.lastReadUrl, r.lastReadUrl),
          r.captureSha256 ? ' · ' : '', r.captureSha256 ? link(r.captureHref, `存档 capture ${r.captureSha256.slice(0, 12)}`, `sha256 ${r.captureSha256}`) : ''));
      }
      return el('tr', { 'data-year': y, 'data-status': r.status }, el('td', {}, y), el('td', {}, badge(r, r.href || r.url)), reportCell, evidence);
    }));
    figuresOf(id, 'chart-agency-page', 'agency-page-values');
    $('agency-checks').tBodies[0].replaceChildren(...D.failingChecks.filter((c) => c.id === id).map((c) => el('tr', {},
      el('td', {}, c.year), el('td', {}, c.table), el('td', {}, c.rule + (c.soft ? ' (soft)' : '')),
      el('td', { class: 'num' }, fmt(c.left)), el('td', { class: 'num' }, fmt(c.right)), el('td', {}, link(c.href || c.url, c.sha256.slice(0, 12), c.url)))));
  }

  // ---- routing: the address says which view and which filters
  function route() {
    const h = readHash();
    if (h.agency) {
      $('overview').hidden = true;
      $('agency-page').hidden = false;
      renderAgencyPage(h.agency);
      window.scrollTo(0, 0);
      return;
    }
    $('agency-page').hidden = true;
    $('overview').hidden = false;
    for (const f of FILTERS) {
      const sel = $(`f-${f}`);
      const v = f === 'year' ? h.year || defaultYear : h[f] || '';
      sel.value = [...sel.options].some((o) => o.value === v) ? v : f === 'year' ? defaultYear : '';
    }
    renderOverview();
  }
  function changed() {
    const s = current();
    if (s.year === defaultYear) delete s.year;
    writeHash(s);
    route();
  }
  for (const f of FILTERS) $(`f-${f}`).addEventListener('change', changed);
  window.addEventListener('popstate', route);
  window.addEventListener('hashchange', route);
  $('f-agency').addEventListener('change', () => figuresOf($('f-agency').value, 'chart-agency', 'agency-values'));
  route();
  if (withValues.length) figuresOf($('f-agency').value, 'chart-agency', 'agency-values');
  document.body.setAttribute('data-ready', '1');
})();
