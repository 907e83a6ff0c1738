// Results of one wave for the respondent's municipality: scores against a
// peer group (chart with a table beside it), the trend over waves, the gap
// to the municipality's own targets, recommendations per dimension, and a
// print layout that makes one clean A4 report.
import { h, replace, tableWrap } from '../dom.js';
import { t, loc, lang, fmtNum, fmtDate } from '../i18n.js';
import { api, ApiError, listAll } from '../api.js';
import { startPage, errorNotice } from '../layout.js';
import { stageOf, targetScore } from '../model.js';
import {
	canvasBox, draw, gridColor, PALETTE, POINTS, DASHES,
} from '../charts.js';

const PEERS = ['auto', 'size_class', 'kind', 'state', 'urbanisation', 'network'];

const D = {
	waveId: null, wave: null, def: null, response: null,
	peers: 'auto', bench: null, benchError: null, trend: null, trendError: null,
};

async function loadBenchmark() {
	D.bench = null;
	D.benchError = null;
	try {
		D.bench = await api('GET', `/waves/${encodeURIComponent(D.waveId)}/benchmark?peers=${encodeURIComponent(D.peers)}`);
	} catch (e) {
		D.benchError = e;
	}
}

async function loadTrend(user) {
	D.trend = null;
	D.trendError = null;
	if (!user.organisation || !D.def) return;
	try {
		D.trend = await api('GET', `/organisations/${encodeURIComponent(user.organisation.id)}/trend?questionnaire=${encodeURIComponent(D.def.slug)}`);
	} catch (e) {
		D.trendError = e;
	}
}

// trendRows(answer): [{title, scores}] from the trend answer, oldest first.
function trendRows(tr) {
	if (!tr) return [];
	const arr = Array.isArray(tr) ? tr : (tr.waves || tr.items || tr.trend || []);
	return arr.map((x) => {
		const w = x.wave && typeof x.wave === 'object' ? x.wave : {};
		const id = w.id ?? x.wave_id ?? (typeof x.wave !== 'object' ? x.wave : null);
		return {
			id,
			title: w.title || x.title || x.wave_title || String(id),
			scores: x.scores || { overall: x.overall, dimensions: x.dimensions || {} },
		};
	});
}

const isNum = (x) => typeof x === 'number' && Number.isFinite(x);

function statCells(st) {
	if (!st) return [h('td', { colspan: '5' }, '–')];
	if (st.suppressed) return [h('td', { colspan: '5' }, t('results.suppressed', { k: st.k || 5 }))];
	return [
		h('td', { class: 'num' }, String(st.n ?? '–')),
		h('td', { class: 'num' }, fmtNum(st.p25)),
		h('td', { class: 'num' }, fmtNum(st.median)),
		h('td', { class: 'num' }, fmtNum(st.p75)),
		h('td', { class: 'num' }, st.percentile_rank === null || st.percentile_rank === undefined ? '–' : String(st.percentile_rank)),
	];
}

function compareSection(b) {
	const dims = D.def.dimensions;
	const own = (b.scores && b.scores.dimensions) || {};
	const stats = (b.stats && b.stats.dimensions) || {};
	const caption = t('results.tableCaption');
	const { box, canvas } = canvasBox(t('results.chartLabel', { caption }), Math.max(16, dims.length * 2.6));
	const table = h('table', { class: 'compare-table' },
		h('caption', null, caption),
		h('thead', null, h('tr', null,
			h('th', { scope: 'col' }, t('results.colDimension')),
			h('th', { scope: 'col', class: 'num' }, t('results.colOwn')),
			h('th', { scope: 'col', class: 'num' }, t('results.colN')),
			h('th', { scope: 'col', class: 'num' }, t('results.colP25')),
			h('th', { scope: 'col', class: 'num' }, t('results.colMedian')),
			h('th', { scope: 'col', class: 'num' }, t('results.colP75')),
			h('th', { scope: 'col', class: 'num' }, t('results.colRank')))),
		h('tbody', null,
			dims.map((d) => h('tr', null,
				h('th', { scope: 'row' }, `${d.id} ${loc(d.title)}`),
				h('td', { class: 'num' }, isNum(own[d.id]) ? fmtNum(own[d.id]) : h('span', { title: t('results.noScore') }, '–')),
				statCells(stats[d.id]))),
			h('tr', { class: 'overall-row' },
				h('th', { scope: 'row' }, t('results.rowOverall')),
				h('td', { class: 'num' }, fmtNum(b.scores && b.scores.overall)),
				statCells(b.stats && b.stats.overall))));
	const legend = h('ul', { class: 'legend', 'aria-hidden': 'true' },
		h('li', null, h('span', { class: 'swatch band' }), t('results.legendBand')),
		h('li', null, h('span', { class: 'swatch median' }), t('results.legendMedian')),
		h('li', null, h('span', { class: 'swatch own' }), t('results.legendOwn')));
	const labels = dims.map((d) => d.id);
	const shown = (id) => stats[id] && !stats[id].suppressed;
	requestAnimationFrame(() => draw(canvas, {
		type: 'bar',
		data: {
			labels,
			datasets: [
				{
					type: 'bar', label: t('results.legendBand'),
					data: labels.map((id) => (shown(id) ? [stats[id].p25, stats[id].p75] : null)),
					backgroundColor: '#9dc3e6', borderColor: '#004b87', borderWidth: 1, borderSkipped: false,
					barPercentage: 0.7, categoryPercentage: 0.9, order: 3,
				},
				{
					type: 'line', label: t('results.legendMedian'), indexAxis: 'y', showLine: false,
					data: labels.map((id) => (shown(id) ? stats[id].median : null)),
					pointStyle: 'line', rotation: 90, pointRadius: 11, pointHoverRadius: 12,
					borderColor: '#1a1a1a', borderWidth: 3, order: 2,
				},
				{
					type: 'line', label: t('results.legendOwn'), indexAxis: 'y', showLine: false,
					data: labels.map((id) => (isNum(own[id]) ? own[id] : null)),
					pointStyle: 'rectRot', pointRadius: 7, pointHoverRadius: 8,
					backgroundColor: '#b3261e', borderColor: '#5c0f0b', borderWidth: 1, order: 1,
				},
			],
		},
		options: {
			indexAxis: 'y',
			plugins: { legend: { display: false } },
			scales: {
				x: { min: 0, max: 100, title: { display: true, text: t('results.axis') }, grid: { color: gridColor } },
				y: { grid: { display: false } },
			},
		},
	}));
	return h('section', { 'aria-labelledby': 'compare-title' },
		h('h2', { id: 'compare-title' }, t('results.compareTitle')),
		h('p', null, t('results.compareIntro')),
		h('div', { class: 'chart-and-table' },
			h('div', null, box, legend),
			tableWrap(table, caption)));
}

function trendSection() {
	const head = h('h2', { id: 'trend-title' }, t('results.trendTitle'));
	if (D.trendError) {
		return h('section', { 'aria-labelledby': 'trend-title' }, head,
			h('p', null, D.trendError.status === 404 ? t('results.trendNone') : t('results.trendUnavailable')));
	}
	const rows = trendRows(D.trend);
	if (rows.length < 2) return h('section', { 'aria-labelledby': 'trend-title' }, head, h('p', null, t('results.trendNone')));
	const dims = D.def.dimensions;
	const caption = t('results.trendCaption');
	const { box, canvas } = canvasBox(t('results.trendChartLabel', { caption }), 18);
	const table = h('table', null,
		h('caption', null, caption),
		h('thead', null, h('tr', null,
			h('th', { scope: 'col' }, t('results.colWave')),
			h('th', { scope: 'col', class: 'num' }, t('results.rowOverall')),
			dims.map((d) => h('th', { scope: 'col', class: 'num' }, h('abbr', { title: loc(d.title) }, d.id))))),
		h('tbody', null, rows.map((r) => h('tr', null,
			h('th', { scope: 'row' }, r.title),
			h('td', { class: 'num' }, fmtNum(r.scores.overall)),
			dims.map((d) => h('td', { class: 'num' }, fmtNum((r.scores.dimensions || {})[d.id])))))));
	const series = [{ label: t('results.rowOverall'), values: rows.map((r) => r.scores.overall ?? null), width: 4 }]
		.concat(dims.map((d) => ({ label: `${d.id} ${loc(d.title)}`, values: rows.map((r) => (r.scores.dimensions || {})[d.id] ?? null), width: 2 })));
	requestAnimationFrame(() => draw(canvas, {
		type: 'line',
		data: {
			labels: rows.map((r) => r.title),
			datasets: series.map((s, i) => ({
				label: s.label, data: s.values, borderColor: PALETTE[i % PALETTE.length], backgroundColor: PALETTE[i % PALETTE.length],
				borderWidth: s.width, borderDash: DASHES[i % DASHES.length], pointStyle: POINTS[i % POINTS.length], pointRadius: 5, spanGaps: true,
			})),
		},
		options: {
			plugins: { legend: { position: 'bottom', labels: { usePointStyle: true, boxWidth: 10 } } },
			scales: { y: { min: 0, max: 100, title: { display: true, text: t('results.axis') }, grid: { color: gridColor } } },
		},
	}));
	return h('section', { 'aria-labelledby': 'trend-title' }, head,
		h('div', { class: 'chart-and-table' }, box, tableWrap(table, caption)));
}

function gapSection(b) {
	const answers = (D.response && D.response.answers) || {};
	const own = (b && b.scores && b.scores.dimensions) || {};
	const rows = D.def.dimensions.map((d) => ({ d, own: own[d.id], target: targetScore(d, answers) }));
	const head = h('h2', { id: 'gap-title' }, t('results.gapTitle'));
	if (!rows.some((r) => isNum(r.target))) {
		return h('section', { 'aria-labelledby': 'gap-title' }, head, h('p', null, t('results.gapNone')));
	}
	const caption = t('results.gapCaption');
	return h('section', { 'aria-labelledby': 'gap-title' }, head,
		h('p', null, t('results.gapIntro')),
		tableWrap(h('table', { class: 'gap-table' },
			h('caption', null, caption),
			h('thead', null, h('tr', null,
				h('th', { scope: 'col' }, t('results.colDimension')),
				h('th', { scope: 'col', class: 'num' }, t('results.colOwn')),
				h('th', { scope: 'col', class: 'num' }, t('results.colTarget')),
				h('th', { scope: 'col', class: 'num' }, t('results.colGap')))),
			h('tbody', null, rows.map((r) => h('tr', null,
				h('th', { scope: 'row' }, `${r.d.id} ${loc(r.d.title)}`),
				h('td', { class: 'num' }, fmtNum(r.own)),
				h('td', { class: 'num' }, fmtNum(r.target)),
				h('td', { class: 'num' }, isNum(r.own) && isNum(r.target) ? (r.target - r.own >= 0 ? '+' : '') + fmtNum(r.target - r.own) : '–'))))), caption));
}

function recsSection(b) {
	const own = (b && b.scores && b.scores.dimensions) || {};
	return h('section', { 'aria-labelledby': 'recs-title' },
		h('h2', { id: 'recs-title' }, t('results.recsTitle')),
		h('p', null, t('results.recsIntro')),
		h('ul', { class: 'recs' }, D.def.dimensions.map((d) => {
			const score = own[d.id];
			const stage = stageOf(isNum(score) ? score : null);
			const rec = stage && d.recommendations ? d.recommendations[stage] : null;
			return h('li', null,
				h('h3', null, `${d.id} ${loc(d.title)}`),
				stage ? h('p', { class: 'muted' }, t('results.recStage', { stage: t(`stage.${stage}`), score: fmtNum(score) }))
					: h('p', { class: 'muted' }, t('results.recNoScore')),
				rec ? h('p', null, loc(rec)) : null);
		})));
}

function peerSelect(ctx) {
	return h('div', { class: 'field' },
		h('label', { for: 'peer-select' }, t('results.peers')),
		h('span', { class: 'hint', id: 'peer-hint' }, t('results.peersHint')),
		h('select', {
			id: 'peer-select', 'aria-describedby': 'peer-hint',
			onchange: async (ev) => {
				D.peers = ev.target.value;
				ev.target.disabled = true;
				await loadBenchmark();
				ctx.page.render(ctx);
				const sel = document.getElementById('peer-select');
				if (sel) sel.focus();
			},
		}, PEERS.map((p) => h('option', { value: p, selected: p === D.peers }, t(`results.peer.${p}`)))));
}

startPage({
	id: 'results',
	auth: true,
	roles: ['respondent'],
	title: () => (D.wave ? t('results.titleWave', { wave: D.wave.title }) : t('results.title')),
	async load(ctx) {
		D.waveId = new URLSearchParams(location.search).get('wave');
		if (!D.waveId) return;
		const waves = await listAll('/waves');
		D.wave = waves.find((w) => String(w.id) === String(D.waveId)) || null;
		if (!D.wave) return;
		const [def, resp] = await Promise.all([
			api('GET', `/questionnaires/${encodeURIComponent(D.wave.questionnaire_id)}`),
			api('GET', `/waves/${encodeURIComponent(D.waveId)}/response`).catch(() => null),
		]);
		D.def = def && def.definition ? def.definition : def;
		D.response = resp;
		await Promise.all([loadBenchmark(), loadTrend(ctx.user)]);
	},
	render(ctx) {
		const u = ctx.user;
		if (!D.wave || !D.def) {
			replace(ctx.main, h('h1', null, t('results.title')),
				h('div', { class: 'notice error' }, h('p', null, t(D.waveId ? 'survey.waveMissing' : 'results.noWave')),
					h('p', null, h('a', { href: '/dashboard.html' }, t('survey.toDashboard')))));
			return;
		}
		const heading = h('h1', null, t('results.titleWave', { wave: D.wave.title }));
		const surveyLink = h('a', { href: `/survey.html?wave=${encodeURIComponent(D.waveId)}` }, t('results.toSurvey'));
		if (D.response && D.response.state !== 'submitted') {
			replace(ctx.main, heading, h('div', { class: 'notice' }, h('p', null, t('results.notSubmitted')), h('p', null, surveyLink)));
			return;
		}
		const b = D.bench;
		let body;
		if (D.benchError) {
			const e = D.benchError;
			body = e instanceof ApiError && [403, 404, 409, 422].includes(e.status)
				? h('div', { class: 'notice' }, h('p', null, e.status === 404 ? t('results.notYet') : t('results.notSubmitted')), h('p', null, surveyLink))
				: errorNotice(e, async () => { await loadBenchmark(); ctx.page.render(ctx); });
		}
		const org = (b && b.organisation && b.organisation.name) || (u.organisation && u.organisation.name) || '';
		const peersLabel = b && b.peers
			? ((lang() === 'en' && b.peers.label_en) || b.peers.label || t(`results.peer.${b.peers.by}`))
			: t(`results.peer.${D.peers}`);
		const overallStats = b && b.stats && b.stats.overall;
		const groupSuppressed = overallStats && overallStats.suppressed;
		const scores = (b && b.scores) || {};
		const stage = scores.stage || stageOf(scores.overall);
		replace(ctx.main,
			h('div', { class: 'print-only report-head' },
				h('p', null, h('strong', null, t('results.reportFor', { org }))),
				h('p', { class: 'small' }, t('results.reportMeta', { wave: D.wave.title, peers: peersLabel, date: fmtDate(new Date().toISOString()) }))),
			heading,
			org ? h('p', { class: 'no-print' }, org) : null,
			h('div', { class: 'toolbar' },
				peerSelect(ctx),
				h('div', null,
					h('button', { type: 'button', class: 'secondary', 'aria-describedby': 'print-hint', onclick: () => window.print() }, t('results.print')),
					h('p', { class: 'hint small muted', id: 'print-hint' }, t('results.printHint')))),
			body || null,
			b ? h('ul', { class: 'kpis' },
				h('li', { class: 'kpi' }, h('span', { class: 'kpi-label' }, t('results.overall')),
					h('span', { class: 'kpi-value' }, isNum(scores.overall) ? `${fmtNum(scores.overall)} ` : '–'),
					h('span', { class: 'muted small' }, t('results.outOf'))),
				h('li', { class: 'kpi' }, h('span', { class: 'kpi-label' }, t('results.stage')),
					h('span', { class: 'kpi-value' }, stage ? t(`stage.${stage}`) : '–')),
				h('li', { class: 'kpi' }, h('span', { class: 'kpi-label' }, t('results.rank')),
					h('span', { class: 'kpi-value' }, overallStats && !groupSuppressed && isNum(overallStats.percentile_rank) ? String(overallStats.percentile_rank) : '–'),
					overallStats && !groupSuppressed && isNum(overallStats.percentile_rank)
						? h('span', { class: 'small' }, t('results.rankText', { rank: overallStats.percentile_rank }).replace(/^\d+ – /, '')) : null),
				h('li', { class: 'kpi' }, h('span', { class: 'kpi-label' }, t('results.group')),
					h('span', null, t('results.groupN', { label: peersLabel, n: b.peers && isNum(b.peers.n) ? b.peers.n : (overallStats && overallStats.n) || '–' })),
					b.stats && b.stats.as_of ? h('span', { class: 'small muted' }, ' ', t('results.asOf', { date: fmtDate(b.stats.as_of) })) : null)) : null,
			b && groupSuppressed ? h('div', { class: 'notice warn' }, h('p', null, t('results.suppressedGroup', { k: overallStats.k || 5 }))) : null,
			b ? compareSection(b) : null,
			b ? gapSection(b) : null,
			trendSection(),
			b ? recsSection(b) : null);
	},
});
