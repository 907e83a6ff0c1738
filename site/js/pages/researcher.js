// Research data: anonymised exports of a wave in several formats, with the
// codebook shown as a table.
import { h, replace, tableWrap } from '../dom.js';
import { t, loc, fmtDate } from '../i18n.js';
import { api, listAll } from '../api.js';
import { startPage } from '../layout.js';

const R = { waves: [], waveId: null, codebook: null, codebookError: null };

async function loadCodebook() {
	R.codebook = null;
	R.codebookError = null;
	if (!R.waveId) return;
	try {
		R.codebook = await api('GET', `/waves/${encodeURIComponent(R.waveId)}/codebook.json`);
	} catch (e) {
		R.codebookError = e;
	}
}

function columns(cb) {
	if (!cb) return [];
	if (Array.isArray(cb)) return cb;
	return cb.columns || cb.variables || cb.fields || [];
}

function valuesText(col) {
	const v = col.values || col.allowed_values || col.categories || col.value_labels;
	if (!v) return '';
	const arr = Array.isArray(v) ? v : Object.entries(v).map(([value, label]) => ({ value, label }));
	return arr.map((x) => `${x.value} = ${loc(x.label)}`).join('; ');
}

startPage({
	id: 'researcher',
	auth: true,
	roles: ['researcher', 'admin'],
	title: () => t('researcher.title'),
	async load() {
		R.waves = await listAll('/waves');
		const closed = R.waves.find((w) => w.state === 'closed');
		R.waveId = (closed || R.waves[0] || {}).id ?? null;
		await loadCodebook();
	},
	render(ctx) {
		if (!R.waves.length) {
			replace(ctx.main, h('h1', null, t('researcher.title')), h('p', null, t('researcher.intro')), h('p', null, t('researcher.noWaves')));
			return;
		}
		const base = `/api/v1/waves/${encodeURIComponent(R.waveId)}`;
		const files = [
			['csv', 'export.csv'], ['ndjson', 'export.json'], ['sav', 'export.sav'], ['dta', 'export.dta'],
			['codebookJson', 'codebook.json'], ['datapackage', 'datapackage.json'],
		];
		const cols = columns(R.codebook);
		const suppressed = R.codebook && (R.codebook.suppressed_rows ?? R.codebook.suppressed ?? (R.codebook.k_anonymity && R.codebook.k_anonymity.suppressed_rows));
		replace(ctx.main,
			h('h1', null, t('researcher.title')),
			h('p', null, t('researcher.intro')),
			h('div', { class: 'toolbar' },
				h('div', { class: 'field' },
					h('label', { for: 'rs-wave' }, t('researcher.wave')),
					h('select', {
						id: 'rs-wave',
						onchange: async (ev) => {
							R.waveId = ev.target.value;
							await loadCodebook();
							ctx.page.render(ctx);
							document.getElementById('rs-wave').focus();
						},
					}, R.waves.map((w) => h('option', { value: String(w.id), selected: String(w.id) === String(R.waveId) },
						`${w.title} (${t(`waveState.${w.state}`)}, ${fmtDate(w.opens_at)} – ${fmtDate(w.closes_at)})`))))),
			h('section', { 'aria-labelledby': 'dl-title' },
				h('h2', { id: 'dl-title' }, t('researcher.downloads')),
				h('ul', { class: 'downloads' }, files.map(([k, f]) => h('li', null,
					h('a', { href: `${base}/${f}`, download: `reifegrad-wave-${R.waveId}-${f}` }, t(`researcher.${k}`)),
					' ', h('span', { class: 'muted small mono' }, f))))),
			h('section', { 'aria-labelledby': 'cb-title' },
				h('h2', { id: 'cb-title' }, t('researcher.codebookTitle')),
				isFinite(suppressed) && suppressed !== null ? h('p', null, t('researcher.suppressed', { n: suppressed })) : null,
				cols.length ? tableWrap(h('table', { class: 'codebook' },
					h('caption', null, t('researcher.codebookCaption')),
					h('thead', null, h('tr', null,
						['colName', 'colType', 'colLabel', 'colValues'].map((k) => h('th', { scope: 'col' }, t(`researcher.${k}`))))),
					h('tbody', null, cols.map((c) => h('tr', null,
						h('th', { scope: 'row', class: 'mono' }, c.name),
						h('td', null, c.type || ''),
						h('td', null, loc(c.label || c.title || c.description)),
						h('td', null, valuesText(c)))))), t('researcher.codebookCaption'))
					: h('p', null, t('researcher.codebookMissing'))));
	},
});
