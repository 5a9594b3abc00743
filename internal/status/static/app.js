// newsflow status page: polls api/status and renders it.
//
// Every value that comes from an article is untrusted input. It reaches the
// DOM only through textContent (via el() below) and, for links, through an
// href that safeHref() has checked to be http or https. No HTML string is
// ever built from data.
'use strict';

(function () {
  const POLL_MS = 1500;
  const HIDDEN_POLL_MS = 5000;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const SPARK_SLOTS = 60;
  const TYPES = ['PERSON', 'ORG', 'LOC', 'NORP', 'MISC'];
  const TYPE_SHORT = { PERSON: 'PER', ORG: 'ORG', LOC: 'LOC', NORP: 'NORP', MISC: 'MISC' };

  const byId = (id) => document.getElementById(id);

  // el creates an element with a class and text; children are appended.
  function el(tag, cls, text, ...children) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null && text !== '') e.textContent = String(text);
    for (const c of children) if (c) e.appendChild(c);
    return e;
  }

  function setText(id, text) {
    const e = byId(id);
    const t = String(text);
    if (e.textContent !== t) e.textContent = t;
  }

  function safeHref(u) {
    if (typeof u !== 'string' || u === '') return null;
    try {
      const p = new URL(u);
      return p.protocol === 'http:' || p.protocol === 'https:' ? p.href : null;
    } catch (_) {
      return null;
    }
  }

  const nf0 = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
  const nf1 = new Intl.NumberFormat('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  function fmtRate(v) {
    if (v === null || v === undefined) return '—';
    return v < 100 ? nf1.format(v) : nf0.format(v);
  }
  function fmtInt(v) {
    if (v === null || v === undefined) return '—';
    return nf0.format(v);
  }
  function fmtDur(s) {
    if (s === null || s === undefined) return '—';
    if (s < 0.01) return nf1.format(s * 1000) + ' ms';
    if (s < 1) return nf0.format(s * 1000) + ' ms';
    if (s < 100) return nf1.format(s) + ' s';
    return nf0.format(s) + ' s';
  }
  function fmtUptime(sec) {
    sec = Math.max(0, Math.floor(sec));
    const d = Math.floor(sec / 86400), h = Math.floor(sec / 3600) % 24, m = Math.floor(sec / 60) % 60, s = sec % 60;
    if (d > 0) return d + 'd ' + h + 'h';
    if (h > 0) return h + 'h ' + m + 'm';
    if (m > 0) return m + 'm ' + s + 's';
    return s + 's';
  }
  function fmtSpan(sec) {
    sec = Math.round(sec);
    if (sec >= 3600 && sec % 3600 === 0) return sec / 3600 + ' h';
    if (sec >= 60 && sec % 60 === 0) return sec / 60 + ' min';
    return fmtUptime(sec);
  }
  // fmtNum formats a float with one decimal, in exponent form when huge.
  function fmtNum(v) {
    if (typeof v !== 'number' || !isFinite(v)) return '—';
    return Math.abs(v) < 1e6 ? nf1.format(v) : v.toExponential(1);
  }
  // fmtHM is the hour and minute of a time in the browser's time zone.
  function fmtHM(iso) {
    const d = new Date(iso);
    return isNaN(d) ? '?' : d.toLocaleTimeString('en-GB', { hour12: false, hour: '2-digit', minute: '2-digit' });
  }
  function fmtWindow(start, end) {
    return fmtHM(start) + '–' + fmtHM(end);
  }
  function fmtClock(iso) {
    const d = new Date(iso);
    return isNaN(d) ? '' : d.toLocaleTimeString('en-GB', { hour12: false });
  }
  function typeClass(t) {
    return TYPES.includes(t) ? 't-' + t : 't-MISC';
  }
  function typeBadge(t) {
    const b = el('span', 'type ' + typeClass(t), TYPE_SHORT[t] || (t ? String(t).slice(0, 6) : '?'));
    b.title = t || 'unknown type';
    return b;
  }

  // Sparklines ------------------------------------------------------------

  function spark(svgId, series, opts) {
    const svg = byId(svgId);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const W = 120, H = 32, pad = 2;
    let maxV = 0;
    for (const s of series) for (const v of s) if (v !== null && v > maxV) maxV = v;
    maxV = maxV > 0 ? maxV * 1.2 : 1; // headroom: a steady rate is not glued to the top
    // A fixed time scale, newest point at the right edge, so the line
    // grows from the right while the history fills up.
    const slots = Math.max(SPARK_SLOTS, ...series.map((s) => s.length)) - 1;
    const base = document.createElementNS(SVG_NS, 'path');
    base.setAttribute('class', 'base');
    base.setAttribute('d', 'M0 ' + (H - 0.5) + ' L' + W + ' ' + (H - 0.5));
    svg.appendChild(base);
    series.forEach((vals, k) => {
      if (vals.length < 2) return;
      const step = W / slots;
      const x0 = W - (vals.length - 1) * step;
      const pts = [];
      vals.forEach((v, i) => {
        if (v === null || v === undefined) return;
        pts.push([x0 + i * step, H - pad - (v / maxV) * (H - 2 * pad)]);
      });
      if (pts.length < 2) return;
      const line = pts.map((p, i) => (i ? 'L' : 'M') + p[0].toFixed(1) + ' ' + p[1].toFixed(1)).join(' ');
      if (k === 0 && opts.area) {
        const area = document.createElementNS(SVG_NS, 'path');
        area.setAttribute('class', 'area');
        area.setAttribute('d', line + ' L' + pts[pts.length - 1][0].toFixed(1) + ' ' + H + ' L' + pts[0][0].toFixed(1) + ' ' + H + ' Z');
        svg.appendChild(area);
      }
      const path = document.createElementNS(SVG_NS, 'path');
      path.setAttribute('class', k === 0 ? 'line' : 'line second');
      path.setAttribute('d', line);
      svg.appendChild(path);
    });
  }

  // Sections ---------------------------------------------------------------

  function renderHeader(s) {
    setText('version', s.version ? (/^[0-9]/.test(s.version) ? 'v' : '') + s.version : '');
    setText('guarantee', s.guarantee || '');
    const ready = byId('ready');
    if (s.ready === null || s.ready === undefined) {
      ready.hidden = true;
    } else {
      ready.hidden = false;
      ready.className = 'pill ' + (s.ready ? 'ok' : 'notok');
      const restoring = (s.restoring || []).map(function (r) {
        return r.store + ' (' + Math.round(r.records) + ' read, ~' + Math.round(r.remaining) + ' left)';
      });
      setText('ready', s.ready ? 'ready' : (restoring.length ? 'not ready: restoring ' + restoring.join(', ') : 'not ready'));
    }
    setText('uptime', 'up ' + fmtUptime(s.uptime_seconds));
    const err = byId('error');
    err.hidden = !s.error;
    setText('error', s.error ? 'metrics: ' + s.error : '');
  }

  function renderKPIs(s) {
    const t = s.throughput, tot = s.totals;
    setText('kpi-enriched', fmtRate(t.enriched_per_second));
    setText('kpi-enriched-sub', fmtInt(tot.enriched) + ' total · ' + fmtInt(tot.filtered) + ' filtered');
    setText('kpi-consumed', fmtRate(t.consumed_per_second));
    setText('kpi-consumed-sub', fmtInt(tot.consumed) + ' total' + (s.inflight !== null && s.inflight !== undefined ? ' · ' + fmtInt(s.inflight) + ' in flight' : ''));
    setText('kpi-p50', fmtDur(s.latency.p50_seconds));
    setText('kpi-p99', fmtDur(s.latency.p99_seconds));
    setText('kpi-latency-sub', s.latency.window_seconds > 0
      ? fmtInt(s.latency.records) + ' records in the last ' + fmtSpan(s.latency.window_seconds)
      : 'waiting for samples');
    setText('kpi-lag', s.sampled_at ? fmtInt(s.lag.total_records) : '—');
    setText('kpi-lag-sub', s.lag.partitions.length + (s.lag.partitions.length === 1 ? ' partition' : ' partitions'));
    setText('kpi-dlq', s.sampled_at ? fmtInt(s.dlq.total_records) : '—');
    setText('kpi-dlq-sub', s.dlq.per_second !== null && s.dlq.per_second !== undefined
      ? fmtRate(s.dlq.per_second) + '/s now · ' + s.dlq.reasons.length + (s.dlq.reasons.length === 1 ? ' reason' : ' reasons')
      : '\u00a0');
    byId('kpi-dlq-card').classList.toggle('alert', s.dlq.total_records > 0);

    const h = s.history;
    spark('spark-enriched', [h.map((p) => p.enriched_per_second)], { area: true });
    spark('spark-consumed', [h.map((p) => p.consumed_per_second)], { area: true });
    spark('spark-latency', [h.map((p) => p.p50_seconds), h.map((p) => p.p99_seconds)], { area: true });
    spark('spark-lag', [h.map((p) => p.lag_records)], { area: true });
  }

  let shownArticles = '';
  let firstRender = true;

  function articleItem(a, fresh) {
    const li = el('li', 'article' + (fresh ? ' fresh' : ''));
    li.dataset.testid = 'article';

    const title = el('h3', 'title');
    const href = safeHref(a.url);
    const label = a.title || a.id || '(untitled)';
    if (href) {
      const link = el('a', null, label);
      link.href = href;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      link.dataset.testid = 'article-title';
      title.appendChild(link);
    } else {
      const span = el('span', null, label);
      span.dataset.testid = 'article-title';
      title.appendChild(span);
    }
    li.appendChild(title);

    const meta = el('div', 'meta');
    if (a.language) {
      const lang = el('span', 'tag', a.language);
      if (a.language_confidence) lang.title = 'confidence ' + Math.round(a.language_confidence * 100) + '%';
      meta.appendChild(lang);
    }
    if (a.duplicate_of) {
      const dup = el('span', 'tag dup', 'duplicate');
      dup.title = 'near-duplicate of ' + a.duplicate_of;
      meta.appendChild(dup);
    }
    if (a.source) meta.appendChild(el('span', null, a.source));
    if (a.published) meta.appendChild(el('span', null, a.published));
    if (a.words) meta.appendChild(el('span', null, fmtInt(a.words) + ' words'));
    const pos = a.source_position;
    if (pos && pos.topic) meta.appendChild(el('span', null, pos.topic + ' · p' + pos.partition + ' @' + pos.offset));
    if (a.tone !== null && a.tone !== undefined) {
      const tone = el('span', 'tone ' + (a.tone > 0.5 ? 'pos' : a.tone < -0.5 ? 'neg' : ''), 'tone ' + (a.tone > 0 ? '+' : '') + nf1.format(a.tone));
      tone.title = 'document tone: % positive words minus % negative words';
      meta.appendChild(tone);
    }
    if (a.processing_ms) meta.appendChild(el('span', null, fmtDur(a.processing_ms / 1000) + ' to enrich'));
    if (a.skipped && a.skipped.length) meta.appendChild(el('span', null, 'skipped: ' + a.skipped.join(', ')));
    meta.appendChild(el('span', null, fmtClock(a.observed_at)));
    li.appendChild(meta);

    if (a.summary) li.appendChild(el('p', a.summary_is_lead ? 'summary lead' : 'summary', a.summary));

    if (a.entities.length) {
      const chips = el('ul', 'chips');
      for (const e of a.entities) {
        const chip = el('li', 'chip', null, typeBadge(e.type), el('span', 'name', e.name));
        chip.dataset.testid = 'entity';
        if (e.mentions > 1) chip.appendChild(el('span', 'n', '×' + e.mentions));
        chips.appendChild(chip);
      }
      if (a.entity_count > a.entities.length) chips.appendChild(el('li', 'chip more', '+' + (a.entity_count - a.entities.length) + ' more'));
      li.appendChild(chips);
    }

    if (a.quotes.length) {
      const qs = el('ul', 'quotes');
      for (const q of a.quotes) {
        const bq = el('li', 'quote', null, el('p', null, '“' + q.text + '”'));
        bq.dataset.testid = 'quote';
        if (q.speaker) bq.appendChild(el('span', 'by', '— ' + q.speaker));
        qs.appendChild(bq);
      }
      if (a.quote_count > a.quotes.length) qs.appendChild(el('li', 'keyphrases', '+' + (a.quote_count - a.quotes.length) + ' more quotes'));
      li.appendChild(qs);
    }

    if (a.keyphrases.length) li.appendChild(el('p', 'keyphrases', 'Key phrases: ' + a.keyphrases.join(' · ')));
    return li;
  }

  function renderArticles(s) {
    setText('articles-count', s.articles_observed ? fmtInt(s.articles_observed) + ' observed' : '');
    byId('articles-empty').hidden = s.articles.length > 0;
    const key = s.articles.map((a) => a.id + '\u0000' + a.observed_at).join('\u0001');
    if (key === shownArticles) return;
    const old = new Set(shownArticles.split('\u0001'));
    shownArticles = key;
    const list = byId('articles');
    const frag = document.createDocumentFragment();
    for (const a of s.articles) frag.appendChild(articleItem(a, !firstRender && !old.has(a.id + '\u0000' + a.observed_at)));
    list.replaceChildren(frag);
  }

  function barRow(rank, labelNodes, n, frac) {
    const li = el('li', 'bar-row');
    li.appendChild(el('span', 'rank', rank));
    li.appendChild(el('span', 'label', null, ...labelNodes));
    li.appendChild(el('span', 'n', n));
    const fill = el('span', 'fill');
    fill.style.width = (Math.max(0, Math.min(1, frac)) * 100).toFixed(1) + '%';
    li.appendChild(el('span', 'track', null, fill));
    return li;
  }

  // renderTopEntities shows the trend windows when the page has a trends
  // aggregation (s.trends), else the ranking of the observed articles'
  // entities.
  function renderTopEntities(s) {
    const trends = s.trends || null;
    byId('top-entities').hidden = trends !== null;
    byId('trends').hidden = trends === null;
    byId('trends-note').hidden = trends === null;
    if (trends !== null) {
      renderTrends(trends);
      return;
    }
    setText('top-title', 'Top entities');
    setText('top-window', 'articles, last ' + fmtSpan(s.entity_window_seconds));
    setText('top-empty', 'No entities yet.');
    byId('top-empty').hidden = s.top_entities.length > 0;
    const top = s.top_entities;
    const maxN = top.length ? top[0].articles : 1;
    const frag = document.createDocumentFragment();
    top.forEach((e, i) => {
      const row = barRow(i + 1, [typeBadge(e.type), el('span', 'name', e.name)], fmtInt(e.articles), e.articles / maxN);
      row.dataset.testid = 'top-entity';
      row.title = e.name + ' (' + e.type + '): ' + e.articles + ' articles';
      frag.appendChild(row);
    });
    byId('top-entities').replaceChildren(frag);
  }

  function trendRow(w, rank, maxN, headStart) {
    const name = el('span', 'name', w.name);
    name.dataset.testid = 'trend-name';
    const labels = [typeBadge(w.type), name];
    if (w.trending) {
      const badge = el('span', 'badge trending', 'trending');
      badge.dataset.testid = 'trend-badge';
      badge.title = 'count and burst score over the trending thresholds';
      labels.push(badge);
    }
    if (w.final) labels.push(el('span', 'badge final', 'final'));
    const row = barRow(rank, labels, fmtInt(w.count), w.count / maxN);
    row.dataset.testid = 'trend';
    if (w.trending) row.classList.add('is-trending');
    row.querySelector('.n').dataset.testid = 'trend-count';

    const meta = el('div', 'meta');
    const base = el('span', null, 'baseline ' + fmtNum(w.baseline));
    base.dataset.testid = 'trend-baseline';
    const score = el('span', null, 'score ' + (w.score > 0 ? '+' : '') + fmtNum(w.score));
    score.dataset.testid = 'trend-score';
    meta.append(base, score);
    if (w.window_start !== headStart) meta.appendChild(el('span', null, 'window ' + fmtWindow(w.window_start, w.window_end)));
    row.appendChild(meta);
    // The tooltip is a text property, like everything else.
    const ids = w.articles || [];
    row.title = w.name + ' (' + w.type + '): ' + w.count + ' articles in ' + w.window_start + ' – ' + w.window_end +
      '\nbaseline ' + w.baseline + ', score ' + w.score + (w.trending ? ', trending' : '') + (w.final ? ', final' : '') +
      (ids.length ? '\nlatest articles: ' + ids.join(', ') : '');
    return row;
  }

  function renderTrends(t) {
    setText('top-title', 'Trending entities');
    setText('top-window', t.window_start
      ? 'window ' + fmtWindow(t.window_start, t.window_end) + (t.trending ? ' · ' + fmtInt(t.trending) + ' trending' : '')
      : 'no open window');
    byId('top-h').title = t.window_start
      ? 'latest window (event time): ' + t.window_start + ' – ' + t.window_end + ', ' + fmtSpan(t.window_seconds)
      : '';
    setText('top-empty', 'No open trend window yet.');
    byId('top-empty').hidden = t.top.length > 0;
    let maxN = 1;
    for (const w of t.top) if (w.count > maxN) maxN = w.count;
    const frag = document.createDocumentFragment();
    t.top.forEach((w, i) => frag.appendChild(trendRow(w, i + 1, maxN, t.window_start)));
    byId('trends').replaceChildren(frag);
  }

  // outlets returns the distinct sources of a cluster's kept members.
  function outlets(c) {
    const seen = [];
    for (const m of c.members) if (m.source && !seen.includes(m.source)) seen.push(m.source);
    return seen;
  }

  function storyItem(c, rank, maxN) {
    const li = el('li', 'story');
    li.dataset.testid = 'story';
    const title = el('span', 'title', c.title || c.cluster || '(untitled)');
    title.dataset.testid = 'story-title';
    const count = el('span', 'n', fmtInt(c.articles));
    count.dataset.testid = 'story-count';
    count.title = c.articles + ' articles';
    li.appendChild(el('div', 'story-head', null, el('span', 'rank', rank), title, count));

    const meta = el('div', 'meta');
    const outs = outlets(c);
    const more = c.articles - c.members.length;
    const outText = (outs.length ? outs.join(' · ') : 'no outlet') + (more > 0 ? ' +' + fmtInt(more) + ' more' : '');
    const out = el('span', 'outlets', outText);
    out.dataset.testid = 'story-outlets';
    meta.appendChild(out);
    const simText = c.mean_similarity === null || c.mean_similarity === undefined
      ? 'similarity —' : Math.round(c.mean_similarity * 100) + '% similar';
    const sim = el('span', null, simText);
    sim.dataset.testid = 'story-similarity';
    sim.title = 'mean estimated similarity of the copies to the story they duplicate';
    meta.appendChild(sim);
    meta.appendChild(el('span', null, 'last ' + fmtClock(c.last_seen)));
    li.appendChild(meta);

    const fill = el('span', 'fill');
    fill.style.width = (Math.max(0, Math.min(1, c.articles / maxN)) * 100).toFixed(1) + '%';
    li.appendChild(el('span', 'track', null, fill));
    // The tooltip lists the kept members; title is a text property.
    li.title = 'cluster ' + c.cluster + '\n' + c.members.map((m) =>
      m.id + (m.source ? ' · ' + m.source : '') + (m.id === c.cluster ? ' · first seen' : ' · ' + Math.round(m.similarity * 100) + '% similar')).join('\n');
    return li;
  }

  function renderStories(s) {
    const st = s.stories;
    setText('stories-count', st.tracked
      ? fmtInt(st.tracked) + (st.tracked === 1 ? ' cluster' : ' clusters') + ' tracked' + (st.evicted ? ' · ' + fmtInt(st.evicted) + ' evicted' : '')
      : '');
    byId('stories-empty').hidden = st.top.length > 0;
    setText('stories-empty', st.observed
      ? 'No near-duplicates among the ' + fmtInt(st.observed) + ' articles checked yet.'
      : 'No article with a near-duplicate check yet.');
    const maxN = st.top.length ? st.top[0].articles : 1;
    const frag = document.createDocumentFragment();
    st.top.forEach((c, i) => frag.appendChild(storyItem(c, i + 1, maxN)));
    byId('stories').replaceChildren(frag);
  }

  function renderLag(s) {
    const parts = s.lag.partitions;
    byId('lag-empty').hidden = parts.length > 0;
    byId('lag-table').hidden = parts.length === 0;
    let maxLag = 1;
    for (const p of parts) if (p.records > maxLag) maxLag = p.records;
    const frag = document.createDocumentFragment();
    for (const p of parts) {
      const tr = el('tr');
      tr.dataset.testid = 'lag-row';
      tr.appendChild(el('td', null, p.topic));
      tr.appendChild(el('td', null, p.partition));
      tr.appendChild(el('td', 'num', fmtInt(p.records)));
      const fill = el('span', 'fill');
      fill.style.width = ((p.records / maxLag) * 100).toFixed(1) + '%';
      tr.appendChild(el('td', null, null, el('div', 'track', null, fill)));
      frag.appendChild(tr);
    }
    byId('lag-rows').replaceChildren(frag);
  }

  function renderDLQ(s) {
    const rs = s.dlq.reasons;
    byId('dlq-empty').hidden = rs.length > 0;
    const frag = document.createDocumentFragment();
    for (const r of rs) {
      const li = el('li', null, null, el('code', null, r.reason), el('span', 'n', fmtInt(r.records)));
      li.dataset.testid = 'dlq-reason';
      frag.appendChild(li);
    }
    byId('dlq-reasons').replaceChildren(frag);
  }

  function render(s) {
    renderHeader(s);
    renderKPIs(s);
    renderArticles(s);
    renderTopEntities(s);
    renderStories(s);
    renderLag(s);
    renderDLQ(s);
    firstRender = false;
    document.body.dataset.loaded = 'true';
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
  }

  function setLive(ok, text) {
    const live = byId('live');
    live.className = 'live ' + (ok ? 'up' : 'down');
    setText('live-text', text);
  }

  async function poll() {
    try {
      let s;
      try {
        const r = await fetch('api/status', { cache: 'no-store', headers: { Accept: 'application/json' } });
        if (!r.ok) throw new Error('HTTP ' + r.status);
        s = await r.json();
      } catch (e) {
        setLive(false, 'offline, retrying…');
        console.warn('newsflow status: poll failed:', e);
        return;
      }
      // A rendering error is a bug, not an outage: let it surface as an
      // uncaught error (the browser test fails on it).
      render(s);
      setLive(true, 'live · ' + fmtClock(s.generated_at));
    } finally {
      setTimeout(poll, document.hidden ? HIDDEN_POLL_MS : POLL_MS);
    }
  }

  poll();
})();
