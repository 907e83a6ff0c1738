// The respondent's overview: open waves with the state of the
// municipality's response (not started / draft with progress /
// submitted), planned and past waves.
import { h, replace } from '../dom.js';
import { t, fmtDate } from '../i18n.js';
import { api, listAll } from '../api.js';
import { startPage, errorText } from '../layout.js';
import { progressBar } from '../widgets.js';

const data = { waves: [], responses: {} };

function responseStatus(r) {
	if (!r) return { kind: 'none', text: t('dashboard.notStarted') };
	if (r.error) return { kind: 'error', text: t('dashboard.responseError') };
	if (r.state === 'submitted') return { kind: 'submitted', text: t('dashboard.submitted') };
	const answered = r.progress ? r.progress.answered : 0;
	if (!r.revision && !answered) return { kind: 'none', text: t('dashboard.notStarted') };
	return { kind: 'draft', text: t('dashboard.draft') };
}

function waveCard(w) {
	const r = data.responses[w.id];
	const st = responseStatus(r);
	const id = `wave-${w.id}-title`;
	const open = w.state === 'open';
	const dateLine = open ? t('dashboard.closes', { date: fmtDate(w.closes_at) })
		: w.state === 'planned' ? t('dashboard.opens', { date: fmtDate(w.opens_at) })
			: t('dashboard.closed', { date: fmtDate(w.closes_at) });
	const surveyHref = `/survey.html?wave=${encodeURIComponent(w.id)}`;
	const resultsHref = `/results.html?wave=${encodeURIComponent(w.id)}`;
	let actions = [];
	if (open) {
		if (st.kind === 'submitted') actions = [h('a', { class: 'button', href: resultsHref }, t('dashboard.results')), h('a', { class: 'button secondary', href: surveyHref }, t('dashboard.view'))];
		else if (st.kind === 'draft') actions = [h('a', { class: 'button', href: surveyHref }, t('dashboard.continue'))];
		else if (st.kind === 'none') actions = [h('a', { class: 'button', href: surveyHref }, t('dashboard.start'))];
	} else if (w.state === 'closed') {
		if (st.kind === 'submitted') actions = [h('a', { class: 'button', href: resultsHref }, t('dashboard.results')), h('a', { class: 'button secondary', href: surveyHref }, t('dashboard.view'))];
	}
	const tagClass = { submitted: 'ok', draft: 'draft', none: 'none', error: 'none' }[st.kind];
	const statusText = w.state === 'closed' && st.kind !== 'submitted' ? t('dashboard.notParticipated') : st.text;
	const last = r && r.updated_at && st.kind !== 'none'
		? (r.updated_by ? t('dashboard.lastChange', { date: fmtDate(r.updated_at, true), name: r.updated_by.name || r.updated_by })
			: t('dashboard.lastChangeNoName', { date: fmtDate(r.updated_at, true) }))
		: null;
	return h('li', { class: 'card', 'aria-labelledby': id },
		h('h3', { id }, w.title),
		h('p', { class: 'muted' }, dateLine),
		w.state !== 'planned' ? h('p', null, h('span', { class: 'visually-hidden' }, t('dashboard.status') + ': '), h('span', { class: `tag ${tagClass}` }, statusText)) : null,
		st.kind === 'draft' && r.progress ? progressBar({
			label: t('dashboard.progress', { answered: r.progress.answered, total: r.progress.total }),
			value: r.progress.answered, max: r.progress.total,
		}) : null,
		last ? h('p', { class: 'small muted' }, last) : null,
		actions.length ? h('div', { class: 'actions' }, actions) : null);
}

startPage({
	id: 'dashboard',
	auth: true,
	roles: ['respondent'],
	title: () => t('dashboard.title'),
	async load(ctx) {
		// Every wave, page by page (the list is paged like all lists).
		data.waves = await listAll('/waves');
		if (!ctx.user.organisation) return;
		await Promise.all(data.waves.filter((w) => w.state !== 'planned').map(async (w) => {
			try {
				data.responses[w.id] = await api('GET', `/waves/${encodeURIComponent(w.id)}/response`);
			} catch (e) {
				data.responses[w.id] = e.status === 404 ? null : { error: errorText(e) };
			}
		}));
	},
	render(ctx) {
		const u = ctx.user;
		const byDate = (a, b) => String(b.opens_at || '').localeCompare(String(a.opens_at || ''));
		const open = data.waves.filter((w) => w.state === 'open').sort(byDate);
		const planned = data.waves.filter((w) => w.state === 'planned').sort(byDate);
		const past = data.waves.filter((w) => w.state === 'closed').sort(byDate);
		replace(ctx.main,
			h('h1', null, t('dashboard.title')),
			h('p', null, t('dashboard.hello', { name: u.name || u.email })),
			u.organisation ? h('p', null, t('dashboard.forOrg', { org: u.organisation.name }))
				: h('div', { class: 'notice warn' }, h('p', null, t('dashboard.noOrg'))),
			h('section', { 'aria-labelledby': 'open-title' },
				h('h2', { id: 'open-title' }, t('dashboard.openTitle')),
				open.length ? h('ul', { class: 'cards' }, open.map(waveCard)) : h('p', null, t('dashboard.noneOpen'))),
			planned.length ? h('section', { 'aria-labelledby': 'planned-title' },
				h('h2', { id: 'planned-title' }, t('dashboard.plannedTitle')),
				h('ul', { class: 'cards' }, planned.map(waveCard))) : null,
			h('section', { 'aria-labelledby': 'past-title' },
				h('h2', { id: 'past-title' }, t('dashboard.pastTitle')),
				past.length ? h('ul', { class: 'cards' }, past.map(waveCard)) : h('p', null, t('dashboard.nonePast'))));
	},
});
