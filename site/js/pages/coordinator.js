// Coordination: survey waves (create, open, close), participation with
// charts and tables, member status with "reopen submission", the overview
// as CSV (GET /waves/{id}/overview.csv), and invitations.
import { h, replace, tableWrap, focusEl } from '../dom.js';
import { t, loc, fmtDate, fmtNum, fmtInt } from '../i18n.js';
import { api, ApiError, listAll } from '../api.js';
import { startPage, errorText, errorNotice } from '../layout.js';
import { confirmDialog, progressBar } from '../widgets.js';
import { inviteForm } from '../invite.js';
import { canvasBox, draw, gridColor, pattern } from '../charts.js';

const P = {
	waves: [], questionnaires: [], defs: {}, waveId: null,
	overview: null, overviewError: null, message: null, filter: '',
};

async function loadWaves() {
	P.waves = await listAll('/waves');
	if (!P.waveId || !P.waves.some((w) => String(w.id) === String(P.waveId))) {
		const open = P.waves.find((w) => w.state === 'open');
		P.waveId = open ? open.id : (P.waves[0] && P.waves[0].id);
	}
}

async function loadOverview() {
	P.overview = null;
	P.overviewError = null;
	if (!P.waveId) return;
	try {
		P.overview = await api('GET', `/waves/${encodeURIComponent(P.waveId)}/overview`);
	} catch (e) {
		P.overviewError = e;
	}
	const w = currentWave();
	if (w && !P.defs[w.questionnaire_id]) {
		try {
			const d = await api('GET', `/questionnaires/${encodeURIComponent(w.questionnaire_id)}`);
			P.defs[w.questionnaire_id] = d && d.definition ? d.definition : d;
		} catch (e) { /* dimension titles fall back to ids */ }
	}
}

function currentWave() {
	return P.waves.find((w) => String(w.id) === String(P.waveId)) || null;
}

function say(ctx, text, kind = 'ok') {
	P.message = { text, kind };
	ctx.page.render(ctx);
	focusEl(document.getElementById('coord-message'));
}

// ---------- waves ----------

function wavesSection(ctx) {
	const rows = P.waves.map((w) => {
		const actions = [];
		if (w.state === 'planned' || w.state === 'closed') {
			actions.push(h('button', {
				type: 'button', class: 'secondary small wave-open', 'data-wave': String(w.id),
				onclick: async () => {
					if (!(await confirmDialog(t('coordinator.openConfirm', { title: w.title }), t('coordinator.open', { title: w.title }), t('common.cancel')))) return;
					await patchWave(ctx, w, { state: 'open' });
				},
			}, t('coordinator.open', { title: w.title })));
		}
		if (w.state === 'open') {
			actions.push(h('button', {
				type: 'button', class: 'secondary small wave-close', 'data-wave': String(w.id),
				onclick: async () => {
					if (!(await confirmDialog(t('coordinator.closeConfirm', { title: w.title }), t('coordinator.close', { title: w.title }), t('common.cancel'), true))) return;
					await patchWave(ctx, w, { state: 'closed' });
				},
			}, t('coordinator.close', { title: w.title })));
		}
		return h('tr', null,
			h('th', { scope: 'row' }, w.title),
			h('td', null, h('span', { class: `tag ${w.state === 'open' ? 'ok' : w.state === 'planned' ? 'draft' : 'none'}` }, t(`waveState.${w.state}`))),
			h('td', null, fmtDate(w.opens_at)),
			h('td', null, fmtDate(w.closes_at)),
			h('td', null, actions));
	});
	return h('section', { class: 'panel', 'aria-labelledby': 'waves-title' },
		h('h2', { id: 'waves-title' }, t('coordinator.wavesTitle')),
		P.waves.length ? tableWrap(h('table', { class: 'waves-table' },
			h('caption', { class: 'visually-hidden' }, t('coordinator.wavesCaption')),
			h('thead', null, h('tr', null,
				['colTitle', 'colState', 'colOpens', 'colCloses', 'colActions'].map((k) => h('th', { scope: 'col' }, t(`coordinator.${k}`))))),
			h('tbody', null, rows)), t('coordinator.wavesCaption')) : h('p', null, t('coordinator.noWaves')),
		newWaveForm(ctx));
}

async function patchWave(ctx, w, body) {
	try {
		const ans = await api('PATCH', `/waves/${encodeURIComponent(w.id)}`, body);
		await loadWaves();
		const now = P.waves.find((x) => x.id === w.id) || ans || w;
		say(ctx, t('coordinator.changed', { title: w.title, state: t(`waveState.${now.state || body.state}`) }));
	} catch (e) {
		say(ctx, errorText(e), 'error');
	}
}

function newWaveForm(ctx) {
	const q = h('select', { id: 'nw-q', required: true },
		P.questionnaires.map((x) => h('option', { value: String(x.id) }, `${loc(x.title)} (${x.slug} v${x.version})`)));
	const title = h('input', { id: 'nw-title', type: 'text', required: true, maxlength: '200' });
	const opens = h('input', { id: 'nw-opens', type: 'date', required: true });
	const closes = h('input', { id: 'nw-closes', type: 'date', required: true });
	const err = h('div', { class: 'notice error', role: 'alert', hidden: true });
	const form = h('form', {
		novalidate: true,
		onsubmit: async (ev) => {
			ev.preventDefault();
			err.hidden = true;
			const missing = [[title, title.value.trim()], [opens, opens.value], [closes, closes.value]].filter(([, v]) => !v);
			for (const [el] of [[title], [opens], [closes]]) el.removeAttribute('aria-invalid');
			if (missing.length) {
				for (const [el] of missing) el.setAttribute('aria-invalid', 'true');
				replace(err, h('p', null, t('coordinator.required')));
				err.hidden = false;
				missing[0][0].focus();
				return;
			}
			if (closes.value <= opens.value) {
				closes.setAttribute('aria-invalid', 'true');
				replace(err, h('p', null, t('coordinator.datesInvalid')));
				err.hidden = false;
				closes.focus();
				return;
			}
			try {
				const w = await api('POST', '/waves', {
					questionnaire_id: Number(q.value), title: title.value.trim(),
					opens_at: `${opens.value}T00:00:00Z`, closes_at: `${closes.value}T23:59:59Z`,
				});
				await loadWaves();
				if (w && w.id) P.waveId = w.id;
				await loadOverview();
				say(ctx, t('coordinator.created', { title: title.value.trim() }));
			} catch (e) {
				const details = e instanceof ApiError ? e.details.map((d) => `${d.path}: ${d.problem}`) : [];
				replace(err, h('p', null, errorText(e)), details.length ? h('ul', null, details.map((d) => h('li', null, d))) : null);
				err.hidden = false;
				focusEl(err);
			}
		},
	},
	h('div', { class: 'field' }, h('label', { for: 'nw-q' }, t('coordinator.questionnaire')), q),
	h('div', { class: 'field' }, h('label', { for: 'nw-title' }, t('coordinator.waveTitle')), title),
	h('div', { class: 'form-row' },
		h('div', { class: 'field' }, h('label', { for: 'nw-opens' }, t('coordinator.opens')), opens),
		h('div', { class: 'field' }, h('label', { for: 'nw-closes' }, t('coordinator.closes')), closes)),
	err,
	h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('coordinator.create'))));
	return h('details', { class: 'new-wave' }, h('summary', null, h('span', { class: 'label' }, t('coordinator.newWave'))), form);
}

// ---------- overview ----------

// counts(g): one group's participation. The API gives members,
// not_invited, invited (invited, not started), invited_or_further, draft,
// submitted; older shapes (invited = all invited) are read too.
function counts(g) {
	if (!g) return { members: null, invited: 0, notStarted: 0, draft: 0, submitted: 0, notInvited: null };
	if ('invited_or_further' in g) {
		return {
			members: g.members ?? null, invited: g.invited_or_further ?? 0, notStarted: g.invited ?? 0,
			draft: g.draft ?? 0, submitted: g.submitted ?? 0, notInvited: g.not_invited ?? null,
		};
	}
	const draft = g.draft ?? 0;
	const submitted = g.submitted ?? 0;
	const invited = g.invited ?? null;
	const notStarted = g.not_started ?? (invited !== null ? Math.max(0, invited - draft - submitted) : 0);
	return { members: g.members ?? null, invited: invited ?? notStarted + draft + submitted, notStarted, draft, submitted, notInvited: g.not_invited ?? null };
}

// groups(x, labelOf): the groups of an object keyed by group (or a list).
function groups(x, labelOf = (k) => k) {
	if (!x) return [];
	const arr = Array.isArray(x) ? x : Object.entries(x).map(([k, v]) => ({ key: k, ...v }));
	return arr.map((g) => ({ label: g.label || g.name || labelOf(String(g.key ?? '')) || '–', ...counts(g) }))
		.sort((a, b) => String(a.label).localeCompare(String(b.label)));
}

function sizeClassLabel(k) {
	const list = t('sizeClass');
	return Array.isArray(list) && /^\d+$/.test(k) && list[Number(k)] ? list[Number(k)] : k;
}

function participationBlock(id, caption, list) {
	if (!list.length) return null;
	const { box, canvas } = canvasBox(t('coordinator.participationChart', { caption }), Math.max(8, list.length * 2.2 + 4));
	const table = h('table', null,
		h('caption', null, caption),
		h('thead', null, h('tr', null,
			h('th', { scope: 'col' }, t('coordinator.colGroup')),
			h('th', { scope: 'col', class: 'num' }, t('coordinator.invited')),
			h('th', { scope: 'col', class: 'num' }, t('coordinator.notStarted')),
			h('th', { scope: 'col', class: 'num' }, t('coordinator.draft')),
			h('th', { scope: 'col', class: 'num' }, t('coordinator.submitted')))),
		h('tbody', null, list.map((g) => h('tr', null,
			h('th', { scope: 'row' }, g.label),
			h('td', { class: 'num' }, fmtInt(g.invited)),
			h('td', { class: 'num' }, fmtInt(g.notStarted)),
			h('td', { class: 'num' }, fmtInt(g.draft)),
			h('td', { class: 'num' }, fmtInt(g.submitted))))));
	requestAnimationFrame(() => draw(canvas, {
		type: 'bar',
		data: {
			labels: list.map((g) => g.label),
			datasets: [
				{ label: t('coordinator.submitted'), data: list.map((g) => g.submitted), backgroundColor: pattern('#004b87', 'solid'), borderColor: '#004b87', borderWidth: 1 },
				{ label: t('coordinator.draft'), data: list.map((g) => g.draft), backgroundColor: pattern('#8a4f00', 'hatch'), borderColor: '#8a4f00', borderWidth: 1 },
				{ label: t('coordinator.notStarted'), data: list.map((g) => g.notStarted), backgroundColor: pattern('#4d4d4d', 'dots'), borderColor: '#4d4d4d', borderWidth: 1 },
			],
		},
		options: {
			indexAxis: 'y',
			plugins: { legend: { position: 'bottom' } },
			scales: { x: { stacked: true, ticks: { precision: 0 }, grid: { color: gridColor } }, y: { stacked: true } },
		},
	}));
	return h('div', { class: 'participation-block', id }, box, tableWrap(table, caption));
}

function dims(o) {
	const x = o.dimensions || o.distribution || {};
	const arr = Array.isArray(x) ? x : Object.entries(x).map(([id, v]) => ({ id, ...v }));
	return arr;
}

function members(o, totalItems) {
	const arr = o.members || o.organisations || [];
	return arr.map((m) => {
		const status = m.status || (m.organisation ? m.state : null) || 'invited';
		const answered = m.answered ?? (m.progress && m.progress.answered);
		const total = (m.progress && m.progress.total) || totalItems || null;
		const overall = m.scores && typeof m.scores.overall === 'number' ? m.scores.overall : null;
		return {
			id: (m.organisation && m.organisation.id) ?? m.organisation_id ?? m.id,
			name: (m.organisation && m.organisation.name) || m.name || '–',
			region: m.organisation ? null : m.state,
			status,
			progress: answered !== undefined && answered !== null && total ? { answered, total } : null,
			overall,
		};
	});
}

function stateTag(status) {
	const key = { submitted: 'submitted', draft: 'draft', not_invited: 'notInvited' }[status] || 'notStarted';
	const cls = { submitted: 'ok', draft: 'draft' }[status] || 'none';
	return h('span', { class: `tag ${cls}` }, t(`coordinator.${key}`));
}

function overviewSection(ctx) {
	const w = currentWave();
	const select = h('select', {
		id: 'ov-wave',
		onchange: async (ev) => {
			P.waveId = ev.target.value;
			await loadOverview();
			ctx.page.render(ctx);
			document.getElementById('ov-wave').focus();
		},
	}, P.waves.map((x) => h('option', { value: String(x.id), selected: String(x.id) === String(P.waveId) },
		t('coordinator.waveOption', { title: x.title, state: t(`waveState.${x.state}`), from: fmtDate(x.opens_at), to: fmtDate(x.closes_at) }))));
	const head = [
		h('h2', { id: 'ov-title' }, t('coordinator.overviewTitle')),
		h('div', { class: 'toolbar' }, h('div', { class: 'field' }, h('label', { for: 'ov-wave' }, t('coordinator.wave')), select)),
	];
	if (!w) return h('section', { class: 'panel', 'aria-labelledby': 'ov-title' }, head, h('p', null, t('coordinator.noWaves')));
	if (P.overviewError) {
		const e = P.overviewError;
		return h('section', { class: 'panel', 'aria-labelledby': 'ov-title' }, head,
			e instanceof ApiError && e.status === 404 ? h('p', null, t('coordinator.overviewMissing'))
				: errorNotice(e, async () => { await loadOverview(); ctx.page.render(ctx); }));
	}
	const o = P.overview || {};
	const part = o.participation || {};
	const total = counts(part.overall || part);
	const def = P.defs[w.questionnaire_id];
	const dimTitle = (id) => {
		const d = def && def.dimensions.find((x) => x.id === id);
		return d ? `${id} ${loc(d.title)}` : id;
	};
	const ms = members(o, def ? def.dimensions.reduce((n, d) => n + d.items.length, 0) : null);
	const shown = P.filter ? ms.filter((m) => m.name.toLowerCase().includes(P.filter.toLowerCase())) : ms;
	const ds = dims(o).sort((a, b) => String(a.id).localeCompare(String(b.id), undefined, { numeric: true }));

	const histograms = ds.filter((d) => Array.isArray(d.histogram)).map((d) => {
		const { box, canvas } = canvasBox(t('coordinator.distChart', { dim: dimTitle(d.id) }), 9);
		const labels = d.histogram.map((_, i) => `${i * 10}–${i * 10 + 10}`);
		requestAnimationFrame(() => draw(canvas, {
			type: 'bar',
			data: { labels, datasets: [{ label: t('coordinator.count'), data: d.histogram, backgroundColor: '#4a7fb0', borderColor: '#004b87', borderWidth: 1 }] },
			options: {
				plugins: { legend: { display: false }, title: { display: true, text: dimTitle(d.id) } },
				scales: { y: { ticks: { precision: 0 }, grid: { color: gridColor } }, x: { title: { display: true, text: t('coordinator.bins') } } },
			},
		}));
		return h('figure', { class: 'hist' }, box);
	});

	return h('section', { class: 'panel', 'aria-labelledby': 'ov-title' }, head,
		h('h3', null, t('coordinator.overviewFor', { title: w.title })),
		h('ul', { class: 'kpis' },
			h('li', { class: 'kpi' }, h('span', { class: 'kpi-label' }, t('coordinator.kpiInvited')), h('span', { class: 'kpi-value' }, fmtInt(total.invited))),
			h('li', { class: 'kpi' }, h('span', { class: 'kpi-label' }, t('coordinator.kpiDraft')), h('span', { class: 'kpi-value' }, fmtInt(total.draft))),
			h('li', { class: 'kpi' }, h('span', { class: 'kpi-label' }, t('coordinator.kpiSubmitted')), h('span', { class: 'kpi-value' }, fmtInt(total.submitted))),
			h('li', { class: 'kpi' }, h('span', { class: 'kpi-label' }, t('coordinator.kpiRate')),
				h('span', { class: 'kpi-value' }, total.invited ? `${fmtNum((100 * total.submitted) / total.invited, 0)} %` : '–'))),
		// The server writes the CSV (one row per member, scores only with
		// consent); the browser only downloads it with the session cookie.
		h('div', { class: 'actions csv-download' },
			h('a', {
				class: 'button secondary', id: 'ov-csv', 'aria-describedby': 'ov-csv-hint',
				href: `/api/v1/waves/${encodeURIComponent(w.id)}/overview.csv`,
				download: `reifegrad-overview-wave-${w.id}.csv`,
			}, t('coordinator.csv')),
			h('p', { id: 'ov-csv-hint', class: 'small muted' }, t('coordinator.csvHint'))),
		h('h3', null, t('coordinator.byState')),
		participationBlock('by-state', t('coordinator.byState'), groups(part.by_state)),
		h('h3', null, t('coordinator.bySize')),
		participationBlock('by-size', t('coordinator.bySize'), groups(part.by_size_class, sizeClassLabel)),
		ds.length ? [
			h('h3', null, t('coordinator.distTitle')),
			h('p', null, t('coordinator.distIntro')),
			h('div', { class: 'hist-grid' }, histograms),
			tableWrap(h('table', null,
				h('caption', null, t('coordinator.distCaption')),
				h('thead', null, h('tr', null,
					h('th', { scope: 'col' }, t('results.colDimension')),
					h('th', { scope: 'col', class: 'num' }, t('results.colN')),
					h('th', { scope: 'col', class: 'num' }, t('results.colP25')),
					h('th', { scope: 'col', class: 'num' }, t('results.colMedian')),
					h('th', { scope: 'col', class: 'num' }, t('results.colP75')),
					h('th', { scope: 'col' }, t('coordinator.histCaption')))),
				h('tbody', null, ds.map((d) => h('tr', null,
					h('th', { scope: 'row' }, dimTitle(d.id)),
					d.suppressed ? h('td', { colspan: '5' }, t('results.suppressed', { k: d.k || 5 })) : [
						h('td', { class: 'num' }, d.n ?? '–'),
						h('td', { class: 'num' }, fmtNum(d.p25)),
						h('td', { class: 'num' }, fmtNum(d.median)),
						h('td', { class: 'num' }, fmtNum(d.p75)),
						h('td', null, Array.isArray(d.histogram) ? d.histogram.map((c, i) => `${i * 10}–${i * 10 + 10}: ${c}`).join('; ') : '–')])))), t('coordinator.distCaption')),
		] : null,
		h('h3', { id: 'members-title' }, t('coordinator.membersTitle')),
		h('div', { class: 'field' },
			h('label', { for: 'member-filter' }, t('coordinator.filter')),
			h('input', {
				id: 'member-filter', type: 'search', value: P.filter,
				oninput: (ev) => {
					P.filter = ev.target.value;
					const tb = document.getElementById('members-body');
					if (tb) replace(tb, memberRows(ctx, w, P.filter ? ms.filter((m) => m.name.toLowerCase().includes(P.filter.toLowerCase())) : ms));
				},
			})),
		tableWrap(h('table', { class: 'members-table' },
			h('caption', null, t('coordinator.membersCaption')),
			h('thead', null, h('tr', null,
				h('th', { scope: 'col' }, t('coordinator.colMember')),
				h('th', { scope: 'col' }, t('coordinator.colState')),
				h('th', { scope: 'col' }, t('coordinator.colProgress')),
				h('th', { scope: 'col', class: 'num' }, t('coordinator.colScore')),
				h('th', { scope: 'col' }, t('coordinator.colActions')))),
			h('tbody', { id: 'members-body' }, memberRows(ctx, w, shown))), t('coordinator.membersCaption')));
}

function memberRows(ctx, w, list) {
	return list.map((m) => h('tr', null,
		h('th', { scope: 'row' }, m.name),
		h('td', null, stateTag(m.status)),
		h('td', null, m.progress && m.progress.total && (m.status === 'draft' || m.status === 'submitted') ? progressBar({
			label: t('dashboard.progress', { answered: m.progress.answered, total: m.progress.total }),
			value: m.progress.answered, max: m.progress.total,
		}) : '–'),
		h('td', { class: 'num' }, m.overall !== null ? fmtNum(m.overall) : (m.status === 'submitted' ? t('coordinator.scoreHidden') : '–')),
		h('td', null, m.status === 'submitted' && m.id !== undefined ? h('button', {
			type: 'button', class: 'secondary reopen',
			onclick: async () => {
				if (!(await confirmDialog(t('coordinator.reopenConfirm', { name: m.name }), t('coordinator.reopen', { name: m.name }), t('common.cancel'), true))) return;
				try {
					await api('POST', `/waves/${encodeURIComponent(w.id)}/responses/${encodeURIComponent(m.id)}/reopen`, {});
					await loadOverview();
					say(ctx, t('coordinator.reopened', { name: m.name }));
				} catch (e) {
					say(ctx, errorText(e), 'error');
				}
			},
		}, t('coordinator.reopen', { name: m.name })) : null)));
}

startPage({
	id: 'coordinator',
	auth: true,
	roles: ['coordinator', 'admin'],
	title: () => t('coordinator.title'),
	async load() {
		const [, qs] = await Promise.all([loadWaves(), listAll('/questionnaires')]);
		P.questionnaires = qs;
		await loadOverview();
	},
	render(ctx) {
		const m = P.message;
		replace(ctx.main,
			h('h1', null, t('coordinator.title')),
			h('div', {
				id: 'coord-message', tabindex: '-1', class: m ? `notice ${m.kind}` : '', role: m && m.kind === 'error' ? 'alert' : 'status', hidden: !m,
			}, m ? h('p', null, m.text) : null),
			wavesSection(ctx),
			overviewSection(ctx),
			h('section', { class: 'panel', 'aria-labelledby': 'invite-title' },
				h('h2', { id: 'invite-title' }, t('coordinator.inviteTitle')),
				h('p', null, t('coordinator.inviteIntro')),
				inviteForm({ roles: ctx.user.role === 'admin' ? ['respondent', 'coordinator', 'researcher', 'admin'] : ['respondent'] })));
		P.message = null;
	},
});
