// The survey: one dimension at a time, a navigation list with progress per
// dimension, autosave, and submission.
//
// Saving: every change goes into `pending` (answers not yet acknowledged by
// the server), which is kept in localStorage at once and sent with PUT
// within about a second; only a 2xx answer removes an entry from `pending`.
// So a closed tab, a lost connection or an expired session loses nothing:
// the next visit restores what is left. On 409 stale_revision the page
// fetches the current answers, shows what a colleague changed and saves the
// person's own changes on top.
import { h, replace, focusEl } from '../dom.js';
import { t, loc, fmtDate, fmtTime, fmtNum } from '../i18n.js';
import { api, ApiError, listAll } from '../api.js';
import { startPage, errorText } from '../layout.js';
import {
	allItems, isRequired, progress, normalise, sameAnswer,
} from '../model.js';
import { progressBar } from '../widgets.js';

// On wide screens the list of dimensions is always shown beside the
// questions; on narrow ones it folds away above them.
const wide = window.matchMedia('(min-width: 56rem)');

const SAVE_DELAY_MS = 1000; // API contract with people: saved within 2 s
const RETRY_MAX_MS = 30000;
const COMMENT_MAX = 4000;

const S = {
	waveId: null,
	wave: null,
	def: null,
	server: null, // { revision, state, answers, updated_at, updated_by }
	pending: {}, // item id -> normalised answer, or null to remove it
	inflight: null, // the answers being sent right now
	timer: null,
	retryMs: 2000,
	blocked: false, // a save needs the person (sign-in, invalid data)
	view: null, // dimension id or 'submit'
	saveState: 'idle',
	savedAt: null,
	saveMsg: '',
	notices: { restored: 0, conflict: null, lost: null, invalid: null, submitted: null },
	marked: new Set(), // items a colleague just changed
	readOnly: false,
	userId: null,
	ui: {}, // live elements updated without re-rendering
	ctx: null,
};

// ---------- state helpers ----------

function storageKey() {
	return `rg:pending:u${S.userId}:w${S.waveId}`;
}

function persist() {
	try {
		if (Object.keys(S.pending).length) {
			localStorage.setItem(storageKey(), JSON.stringify({ pending: S.pending, revision: S.server.revision, at: new Date().toISOString() }));
		} else {
			localStorage.removeItem(storageKey());
		}
	} catch (e) { /* storage full or blocked: the save itself still runs */ }
}

function stored() {
	try { return JSON.parse(localStorage.getItem(storageKey()) || 'null'); } catch (e) { return null; }
}

function current(id) {
	if (Object.prototype.hasOwnProperty.call(S.pending, id)) return S.pending[id];
	return S.server.answers[id] || null;
}

function currentAnswers() {
	const out = { ...S.server.answers };
	for (const [id, a] of Object.entries(S.pending)) {
		if (a === null) delete out[id];
		else out[id] = a;
	}
	return out;
}

// What the server will hold once the save in flight is acknowledged.
function expectedServer(id) {
	if (S.inflight && Object.prototype.hasOwnProperty.call(S.inflight, id)) return S.inflight[id];
	return S.server.answers[id] || null;
}

function itemById(id) {
	return allItems(S.def).find((it) => it.id === id);
}

function dimOfItem(id) {
	return S.def.dimensions.find((d) => d.items.some((it) => it.id === id));
}

function levelLabel(n) {
	const l = (S.def.levels || []).find((x) => x.value === n);
	return l ? loc(l.label) : String(n);
}

function describe(a) {
	if (!a || (!a.na && !Number.isInteger(a.level))) return t('survey.valueNone');
	if (a.na) return t('survey.valueNa');
	return t('survey.valueLevel', { n: a.level, label: levelLabel(a.level) });
}

function personName(p) {
	if (!p) return null;
	if (typeof p === 'string') return p;
	if (typeof p === 'object') return p.name || p.email || null;
	return null;
}

// ---------- changes and saving ----------

// change(id, patch): the person changed one item.
function change(id, patch) {
	if (S.readOnly) return;
	const base = current(id) || {};
	const next = normalise({ ...base, ...patch });
	if (sameAnswer(next, expectedServer(id))) delete S.pending[id];
	else S.pending[id] = next;
	S.blocked = false;
	persist();
	updateLive();
	updateItemTools(id);
	scheduleSave(SAVE_DELAY_MS);
}

function scheduleSave(delay) {
	if (S.readOnly || S.blocked) return;
	if (!Object.keys(S.pending).length) {
		if (!S.inflight) setSaveState(S.savedAt ? 'saved' : 'idle');
		return;
	}
	if (!S.inflight && S.saveState !== 'offline' && S.saveState !== 'error') setSaveState('pending');
	if (S.timer) return;
	S.timer = setTimeout(() => { S.timer = null; flush(); }, delay);
}

// flush(opts): sends everything pending now. Resolves when that save (and
// any it had to wait for) is done; never rejects.
async function flush(opts = {}) {
	if (S.timer) { clearTimeout(S.timer); S.timer = null; }
	if (S.readOnly) return;
	if (S.inflight) {
		if (!opts.keepalive) { await S.inflightPromise; return flush(opts); }
		return;
	}
	const ids = Object.keys(S.pending);
	if (!ids.length) return;
	const snapshot = {};
	for (const id of ids) snapshot[id] = S.pending[id];
	S.inflight = snapshot;
	if (!opts.keepalive) setSaveState('saving');
	S.inflightPromise = (async () => {
		try {
			const ans = await api('PUT', `/waves/${encodeURIComponent(S.waveId)}/response`,
				{ revision: S.server.revision, answers: snapshot },
				{ keepalive: !!opts.keepalive, reauth: !opts.keepalive });
			acknowledge(snapshot, ans);
			S.retryMs = 2000;
			setSaveState('saved');
		} catch (e) {
			S.inflight = null;
			if (!opts.keepalive) await saveFailed(e, snapshot);
		} finally {
			S.inflight = null;
		}
	})();
	await S.inflightPromise;
	if (!opts.keepalive && !S.blocked && Object.keys(S.pending).length && !S.timer &&
		S.saveState !== 'offline' && S.saveState !== 'error') scheduleSave(0);
}

function acknowledge(snapshot, ans) {
	if (ans && Number.isInteger(ans.revision)) S.server.revision = ans.revision;
	for (const [id, a] of Object.entries(snapshot)) {
		if (a === null) delete S.server.answers[id];
		else S.server.answers[id] = a;
		if (Object.prototype.hasOwnProperty.call(S.pending, id) && sameAnswer(S.pending[id], a)) delete S.pending[id];
	}
	S.server.updated_at = new Date().toISOString();
	persist();
}

async function saveFailed(e, snapshot) {
	if (!(e instanceof ApiError)) { setSaveState('error', errorText(e)); S.blocked = true; return; }
	if (e.status === 409 && e.code === 'stale_revision') {
		await reconcile();
		return;
	}
	if (e.status === 409 && (e.code === 'already_submitted' || e.code === 'wave_closed')) {
		await lockAfter(e.code);
		return;
	}
	if (e.status === 401 || (e.status === 403 && e.code === 'csrf_failed')) {
		S.blocked = true;
		setSaveState('signin');
		return;
	}
	if (e.status === 422) {
		const bad = [];
		for (const d of e.details) {
			const m = /^\/answers\/([^/]+)/.exec(d.path || '');
			if (m && Object.prototype.hasOwnProperty.call(snapshot, m[1])) {
				bad.push({ id: m[1], problem: d.problem || e.message, answer: snapshot[m[1]] });
				delete S.pending[m[1]];
			}
		}
		if (!bad.length) {
			S.blocked = true;
			setSaveState('error', e.message || errorText(e));
			return;
		}
		S.notices.invalid = bad;
		persist();
		renderView(true);
		return;
	}
	// No connection, 429, 503, other server trouble: try again later.
	setSaveState(e.status === 0 ? 'offline' : 'error', errorText(e));
	const wait = Math.max(S.retryMs, (e.retryAfter || 0) * 1000);
	S.retryMs = Math.min(S.retryMs * 2, RETRY_MAX_MS);
	if (!S.timer) S.timer = setTimeout(() => { S.timer = null; flush(); }, wait);
}

// reconcile(): after a 409 stale_revision: fetch the current answers, note
// what a colleague changed, keep own pending changes and save them again.
async function reconcile() {
	let fresh;
	try {
		fresh = await api('GET', `/waves/${encodeURIComponent(S.waveId)}/response`);
	} catch (e) {
		setSaveState('error', errorText(e));
		S.timer = setTimeout(() => { S.timer = null; flush(); }, S.retryMs);
		return;
	}
	const before = S.server.answers;
	const after = fresh.answers || {};
	const changed = [];
	for (const id of new Set([...Object.keys(before), ...Object.keys(after)])) {
		if (!sameAnswer(before[id] || null, after[id] || null)) changed.push(id);
	}
	S.server = serverFrom(fresh);
	const kept = [];
	const applied = [];
	for (const id of changed) {
		if (Object.prototype.hasOwnProperty.call(S.pending, id)) {
			if (sameAnswer(S.pending[id], after[id] || null)) delete S.pending[id];
			else kept.push(id);
		} else {
			applied.push(id);
		}
		S.marked.add(id);
	}
	if (fresh.state === 'submitted') { await lockAfter('already_submitted'); return; }
	if (changed.length) {
		const prev = S.notices.conflict;
		S.notices.conflict = {
			fresh: true,
			by: personName(fresh.updated_by),
			items: [...new Set([...(prev ? prev.items : []), ...changed])],
		};
	}
	persist();
	renderView(true);
	if (Object.keys(S.pending).length) scheduleSave(0);
	else setSaveState('saved');
}

// lockAfter(code): the response was submitted or the wave closed
// elsewhere; what was pending cannot be saved any more: show it.
async function lockAfter(code) {
	const lost = Object.entries(S.pending).map(([id, a]) => ({ id, answer: a }));
	try {
		const fresh = await api('GET', `/waves/${encodeURIComponent(S.waveId)}/response`);
		S.server = serverFrom(fresh);
	} catch (e) { /* keep what we have */ }
	S.pending = {};
	persist();
	S.readOnly = true;
	if (lost.length) S.notices.lost = { code, items: lost };
	setSaveState('idle');
	renderAll();
}

function serverFrom(r) {
	return {
		revision: Number.isInteger(r.revision) ? r.revision : 0,
		state: r.state || 'draft',
		answers: { ...(r.answers || {}) },
		updated_at: r.updated_at || null,
		updated_by: r.updated_by || null,
		progress: r.progress || null,
	};
}

// ---------- status line ----------

function setSaveState(state, msg) {
	S.saveState = state;
	if (state === 'saved') S.savedAt = new Date();
	S.saveMsg = msg || '';
	renderSaveStatus();
}

function saveStatusText() {
	switch (S.saveState) {
	case 'pending': return t('survey.pending');
	case 'saving': return t('survey.saving');
	case 'saved': return t('survey.saved', { time: fmtTime(S.savedAt || new Date()) });
	case 'offline': return t('survey.offline');
	case 'signin': return t('survey.signin');
	case 'error': return t('survey.saveError', { msg: S.saveMsg });
	default: return S.readOnly ? '' : t('survey.savedNothing');
	}
}

function renderSaveStatus() {
	const el = S.ui.saveStatus;
	if (!el) return;
	el.dataset.state = S.saveState;
	S.ui.saveText.textContent = saveStatusText();
	S.ui.signinBtn.hidden = S.saveState !== 'signin';
	S.ui.retryBtn.hidden = !(S.saveState === 'error' || S.saveState === 'offline');
	// Only what needs the person is announced; "saving…" chatter is not.
	const important = ['offline', 'signin', 'error'].includes(S.saveState);
	const msg = important ? saveStatusText() : '';
	if (S.ui.announce.textContent !== msg) S.ui.announce.textContent = msg;
}

// ---------- live parts (no re-render while typing) ----------

function updateLive() {
	const p = progress(S.def, currentAnswers());
	if (S.ui.progress) S.ui.progress.update(p.answered, p.total, t('survey.progressText', { answered: p.answered, total: p.total }));
	for (const d of S.def.dimensions) {
		const link = S.ui.navLinks && S.ui.navLinks[d.id];
		if (!link) continue;
		const dp = p.dims[d.id];
		link.dataset.complete = dp.answered === dp.total ? 'true' : 'false';
		link.querySelector('.nav-count').textContent = t('survey.navCount', { answered: dp.answered, total: dp.total });
		link.querySelector('.nav-count-long').textContent = t('survey.navCountLong', { answered: dp.answered, total: dp.total });
		link.querySelector('.mini-fill').style.width = `${Math.round((100 * dp.answered) / dp.total)}%`;
	}
	return p;
}

function updateItemTools(id) {
	const btn = document.getElementById(`clr-${id}`);
	if (btn) btn.disabled = S.readOnly || !current(id);
}

// ---------- rendering ----------

function renderItem(item, dimIndex) {
	const a = current(item.id) || {};
	const qid = `q-${item.id}`;
	const ro = S.readOnly;
	const radios = [];
	const levels = item.levels || {};
	for (const lv of S.def.levels) {
		const n = lv.value;
		const inputId = `lv-${item.id}-${n}`;
		const titleId = `${inputId}-t`;
		const descId = `${inputId}-d`;
		const desc = levels[String(n)] ? loc(levels[String(n)]) : '';
		radios.push(h('label', { class: 'choice', for: inputId },
			h('input', {
				type: 'radio', name: `lv-${item.id}`, id: inputId, value: String(n),
				checked: !a.na && a.level === n, disabled: ro,
				'aria-labelledby': titleId, 'aria-describedby': desc ? descId : null,
				onchange: () => change(item.id, { level: n, na: false }),
			}),
			h('span', { class: 'choice-title', id: titleId }, `${t('survey.levelN', { n })} – ${loc(lv.label)}`),
			desc ? h('span', { class: 'choice-desc', id: descId }, desc) : null));
	}
	const naId = `lv-${item.id}-na`;
	radios.push(h('label', { class: 'choice na', for: naId },
		h('input', {
			type: 'radio', name: `lv-${item.id}`, id: naId, value: 'na', checked: a.na === true, disabled: ro,
			'aria-labelledby': `${naId}-t`, 'aria-describedby': `${naId}-d`,
			onchange: () => change(item.id, { na: true, level: null }),
		}),
		h('span', { class: 'choice-title', id: `${naId}-t` }, t('survey.na')),
		h('span', { class: 'choice-desc', id: `${naId}-d` }, t('survey.naDesc'))));

	const tgId = `tg-${item.id}`;
	const target = h('select', {
		id: tgId, disabled: ro,
		onchange: (ev) => change(item.id, { target: ev.target.value === '' ? null : Number(ev.target.value) }),
	},
	h('option', { value: '', selected: !Number.isInteger(a.target) }, t('survey.targetNone')),
	S.def.levels.map((lv) => h('option', { value: String(lv.value), selected: a.target === lv.value },
		`${t('survey.levelN', { n: lv.value })} – ${loc(lv.label)}`)));

	const cmId = `cm-${item.id}`;
	const comment = h('textarea', {
		id: cmId, maxlength: String(COMMENT_MAX), rows: '2', disabled: ro,
		'aria-describedby': `${cmId}-hint`,
		oninput: (ev) => change(item.id, { comment: ev.target.value }),
	});
	comment.value = a.comment || '';

	const marked = S.marked.has(item.id);
	return h('section', {
		class: `item${marked ? ' changed-by-colleague' : ''}`, id: `item-${item.id}`, 'aria-labelledby': qid,
	},
	h('h3', { id: qid },
		h('span', { class: 'item-id' }, item.id),
		loc(item.text),
		isRequired(item) ? null : h('span', { class: 'item-flag' }, `(${t('survey.optional')})`)),
	marked ? h('p', { class: 'colleague-mark' }, t('survey.changedMark')) : null,
	item.help ? h('details', { class: 'help' },
		h('summary', null, t('survey.help')),
		h('p', null, loc(item.help))) : null,
	h('fieldset', { class: 'choices', 'aria-labelledby': qid }, radios),
	h('div', { class: 'item-extra' },
		h('div', { class: 'field' },
			h('label', { for: tgId }, t('survey.target'), ' ', h('span', { class: 'hint' }, `(${t('survey.optional')})`)),
			target),
		h('div', { class: 'field' },
			h('label', { for: cmId }, t('survey.comment'), ' ', h('span', { class: 'hint' }, `(${t('survey.optional')})`)),
			h('span', { class: 'hint', id: `${cmId}-hint` }, t('survey.commentHint')),
			comment)),
	ro ? null : h('div', { class: 'item-tools' },
		h('button', {
			type: 'button', class: 'linklike', id: `clr-${item.id}`, disabled: !current(item.id),
			onclick: () => {
				change(item.id, { level: null, na: false, target: null, comment: '' });
				renderView(false);
				focusEl(document.getElementById(qid));
			},
		}, t('survey.clear', { id: item.id }))));
}

function renderNotices() {
	const out = [];
	const n = S.notices;
	if (n.restored) {
		out.push(h('div', { class: 'notice', role: 'status' },
			h('p', null, t('survey.restored', { n: n.restored })),
			h('button', { type: 'button', class: 'secondary', onclick: () => { n.restored = 0; renderView(false); } }, t('survey.dismiss'))));
	}
	if (n.conflict) {
		const pendingIds = new Set(Object.keys(S.pending));
		// Announced once when it appears, not again on every re-render.
		const role = n.conflict.fresh ? 'alert' : null;
		n.conflict.fresh = false;
		out.push(h('div', { class: 'notice warn conflict', role },
			h('h2', null, t('survey.conflictTitle')),
			h('p', null, t('survey.conflictIntro')),
			n.conflict.by ? h('p', null, t('survey.conflictBy', { name: n.conflict.by })) : null,
			h('ul', null, n.conflict.items.map((id) => {
				const theirs = S.server.answers[id] || null;
				const mine = pendingIds.has(id) ? S.pending[id] : null;
				const kept = pendingIds.has(id) && !sameAnswer(mine, theirs);
				return h('li', null,
					h('a', { href: `#${id}` }, id), ': ',
					kept ? t('survey.conflictKept', { id, theirs: describe(theirs), mine: describe(mine) }).replace(`${id}: `, '')
						: t('survey.conflictItem', { id, value: describe(theirs) }).replace(`${id}: `, ''),
					kept ? [' ', h('button', {
						type: 'button', class: 'linklike',
						onclick: () => {
							delete S.pending[id];
							if (!sameAnswer(theirs, expectedServer(id))) S.pending[id] = theirs;
							persist();
							renderView(false);
							scheduleSave(SAVE_DELAY_MS);
						},
					}, t('survey.useTheirs', { id }))] : null);
			})),
			h('button', {
				type: 'button', class: 'secondary',
				onclick: () => { n.conflict = null; S.marked.clear(); renderView(false); },
			}, t('survey.dismiss'))));
	}
	if (n.invalid) {
		out.push(h('div', { class: 'notice error', role: 'alert' },
			h('p', null, t('survey.invalid')),
			h('ul', null, n.invalid.map((b) => h('li', null, h('a', { href: `#${b.id}` }, b.id), `: ${b.problem}`))),
			h('button', { type: 'button', class: 'secondary', onclick: () => { n.invalid = null; renderView(false); } }, t('survey.dismiss'))));
	}
	if (n.lost) {
		out.push(h('div', { class: 'notice error', role: 'alert' },
			h('p', null, t(n.lost.code === 'wave_closed' ? 'survey.waveClosed' : 'survey.alreadySubmitted')),
			h('ul', null, n.lost.items.map((x) => {
				const it = itemById(x.id);
				return h('li', null, `${x.id} ${it ? loc(it.text) : ''}: ${describe(x.answer)}`,
					x.answer && x.answer.comment ? ` – „${x.answer.comment}“` : '');
			}))));
	}
	return out;
}

function renderDimension(dim) {
	const idx = S.def.dimensions.indexOf(dim);
	const dims = S.def.dimensions;
	const prev = dims[idx - 1];
	const next = dims[idx + 1];
	return [
		h('div', { class: 'dimension-head' },
			h('p', { class: 'muted small' }, t('survey.dimensionOf', { n: idx + 1, total: dims.length })),
			h('h2', { id: 'view-title', tabindex: '-1' }, `${dim.id} ${loc(dim.title)}`),
			dim.description ? h('p', null, loc(dim.description)) : null),
		dim.items.map((it) => renderItem(it, idx)),
		h('nav', { class: 'dim-nav', 'aria-label': t('survey.navTitle') },
			prev ? h('a', { class: 'button secondary', href: `#${prev.id}` }, `← ${t('survey.prev')}: ${loc(prev.title)}`) : h('span'),
			next ? h('a', { class: 'button', href: `#${next.id}` }, `${t('survey.next')}: ${loc(next.title)} →`)
				: h('a', { class: 'button', href: '#submit' }, `${t('survey.toSubmit')} →`)),
	];
}

function renderSubmitView() {
	const p = progress(S.def, currentAnswers());
	const submitted = S.server.state === 'submitted';
	const open = p.openRequired;
	const rows = S.def.dimensions.map((d) => h('tr', null,
		h('th', { scope: 'row' }, h('a', { href: `#${d.id}` }, `${d.id} ${loc(d.title)}`)),
		h('td', { class: 'num' }, `${p.dims[d.id].answered} / ${p.dims[d.id].total}`),
		h('td', { class: 'num' }, String(p.dims[d.id].openRequired.length))));
	const done = S.notices.submitted;
	return [
		h('h2', { id: 'view-title', tabindex: '-1' }, t('survey.submitTitle')),
		done ? h('div', { class: 'notice ok', role: 'status' },
			h('p', null, t('survey.submittedDone')),
			done.scores && done.scores.overall !== null && done.scores.overall !== undefined
				? h('p', null, t('survey.scoreLine', { score: fmtNum(done.scores.overall), stage: t(`stage.${done.scores.stage}`) })) : null,
			h('p', null, h('a', { class: 'button', href: `/results.html?wave=${encodeURIComponent(S.waveId)}` }, t('survey.toResults')))) : null,
		h('div', { class: 'table-wrap' },
			h('table', null,
				h('caption', null, t('survey.summaryCaption')),
				h('thead', null, h('tr', null,
					h('th', { scope: 'col' }, t('survey.colDimension')),
					h('th', { scope: 'col', class: 'num' }, t('survey.colAnswered')),
					h('th', { scope: 'col', class: 'num' }, t('survey.colOpenRequired')))),
				h('tbody', null, rows))),
		submitted ? null : (open.length
			? h('div', { class: 'notice warn' },
				h('p', null, h('strong', null, t('survey.openCount', { n: open.length }))),
				openList(open),
				h('p', null, t('survey.openHint')))
			: h('div', { class: 'notice ok' }, h('p', null, t('survey.allDone')))),
		submitted || S.readOnly ? null : h('div', { class: 'actions' },
			h('button', { type: 'button', id: 'submit-open', onclick: openSubmitDialog }, t('survey.submitButton'))),
	];
}

function openList(open, onNavigate) {
	return h('ul', { class: 'open-list' }, open.map((it) => h('li', null,
		h('a', { href: `#${it.id}`, onclick: onNavigate || null }, it.id), ' ', loc(it.text))));
}

function openSubmitDialog() {
	const p = progress(S.def, currentAnswers());
	const open = p.openRequired;
	const errBox = h('div', { class: 'notice error', role: 'alert', hidden: true });
	let dlg;
	const close = () => { dlg.close(); };
	const confirmBtn = h('button', {
		type: 'button', class: 'confirm-submit',
		onclick: async () => {
			confirmBtn.disabled = true;
			confirmBtn.textContent = t('survey.submitting');
			errBox.hidden = true;
			const res = await submit();
			if (res.ok) { dlg.close(); return; }
			replaceErr(res);
			confirmBtn.disabled = false;
			confirmBtn.textContent = t('survey.confirm');
		},
	}, t('survey.confirm'));
	function replaceErr(res) {
		replace(errBox, h('p', null, res.message), res.items ? openList(res.items, close) : null);
		errBox.hidden = false;
	}
	dlg = h('dialog', { class: 'submit-dialog', 'aria-labelledby': 'submit-dialog-title' },
		h('h2', { id: 'submit-dialog-title' }, t('survey.confirmTitle')),
		open.length
			? [h('p', null, t('survey.confirmOpen')), openList(open, close), h('p', null, t('survey.openHint'))]
			: h('p', null, t('survey.confirmText')),
		errBox,
		h('div', { class: 'actions' },
			open.length ? null : confirmBtn,
			h('button', { type: 'button', class: 'secondary', onclick: close }, open.length ? t('common.close') : t('common.cancel'))));
	dlg.addEventListener('close', () => {
		dlg.remove();
		const opener = document.getElementById('submit-open');
		if (opener && !location.hash.match(/^#D/)) opener.focus();
	});
	document.body.append(dlg);
	dlg.showModal();
}

// submit(): saves what is pending, then submits that revision.
async function submit() {
	await flush();
	if (Object.keys(S.pending).length) return { ok: false, message: saveStatusText() };
	try {
		const ans = await api('POST', `/waves/${encodeURIComponent(S.waveId)}/response/submit`, { revision: S.server.revision });
		S.server.state = 'submitted';
		S.readOnly = true;
		S.notices.submitted = { scores: ans && ans.scores };
		persist();
		renderAll();
		focusEl(document.getElementById('view-title'));
		return { ok: true };
	} catch (e) {
		if (e instanceof ApiError && e.status === 422) {
			const ids = e.details.map((d) => (/([A-Za-z0-9_.-]+)$/.exec(d.path || '') || [])[1]).filter(Boolean);
			const its = ids.map(itemById).filter(Boolean);
			return { ok: false, message: t('survey.incomplete'), items: its.length ? its : null };
		}
		if (e instanceof ApiError && e.status === 409 && e.code === 'already_submitted') {
			await lockAfter('already_submitted');
			return { ok: true };
		}
		if (e instanceof ApiError && e.status === 409 && e.code === 'stale_revision') {
			await reconcile();
			return { ok: false, message: t('survey.conflictTitle') };
		}
		return { ok: false, message: errorText(e) };
	}
}

// renderView(keepFocus): the dimension (or the submit step) in view.
function renderView(keepFocus) {
	const box = S.ui.view;
	if (!box) return;
	const active = document.activeElement;
	const activeId = keepFocus && active && box.contains(active) ? active.id : null;
	const sel = activeId && active.tagName === 'TEXTAREA' ? [active.selectionStart, active.selectionEnd] : null;
	replace(S.ui.notices, renderNotices());
	if (S.view === 'submit') replace(box, renderSubmitView());
	else replace(box, renderDimension(S.def.dimensions.find((d) => d.id === S.view)));
	for (const [id, link] of Object.entries(S.ui.navLinks)) {
		if (id === S.view) link.setAttribute('aria-current', 'step');
		else link.removeAttribute('aria-current');
	}
	const dim = S.def.dimensions.find((d) => d.id === S.view);
	S.ui.navWhere.textContent = `(${dim ? `${dim.id} ${loc(dim.title)}` : t('survey.submitStep')})`;
	if (!wide.matches) S.ui.navDetails.open = false;
	updateLive();
	if (activeId) {
		const el = document.getElementById(activeId);
		if (el) {
			el.focus({ preventScroll: true });
			if (sel && el.setSelectionRange) el.setSelectionRange(sel[0], sel[1]);
		}
	}
}

function renderAll() {
	const ctx = S.ctx;
	const w = S.wave;
	const submitted = S.server.state === 'submitted';
	const closed = w.state !== 'open';
	const navLinks = {};
	const navItems = S.def.dimensions.map((d) => {
		const link = h('a', { href: `#${d.id}` },
			h('span', { class: 'nav-title' }, `${d.id} ${loc(d.title)}`),
			h('span', { class: 'nav-count', 'aria-hidden': 'true' }),
			h('span', { class: 'nav-count-long visually-hidden' }),
			h('span', { class: 'mini-track', 'aria-hidden': 'true' }, h('span', { class: 'mini-fill' })));
		navLinks[d.id] = link;
		return h('li', null, link);
	});
	const submitLink = h('a', { href: '#submit' }, h('span', { class: 'nav-title' }, t('survey.submitStep')));
	navLinks.submit = submitLink;
	navItems.push(h('li', null, submitLink));

	S.ui.navLinks = navLinks;
	S.ui.progress = progressBar({ label: '', value: 0, max: 1 });
	S.ui.saveText = h('span', { class: 'save-text' });
	S.ui.signinBtn = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => { S.blocked = false; flush(); } }, t('survey.signinButton'));
	S.ui.retryBtn = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => { S.blocked = false; S.retryMs = 2000; flush(); } }, t('common.retry'));
	S.ui.saveStatus = h('div', { class: 'save-status', 'data-state': S.saveState }, S.ui.saveText, S.ui.signinBtn, S.ui.retryBtn);
	S.ui.announce = h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
	S.ui.notices = h('div', { class: 'notices' });
	S.ui.view = h('div', { class: 'survey-view' });

	replace(ctx.main,
		h('div', { class: 'survey-head' },
			h('h1', null, loc(S.def.title)),
			h('p', { class: 'muted' }, `${w.title} · ${t('survey.closesOn', { date: fmtDate(w.closes_at) })}`),
			h('div', { class: 'survey-meta' }, S.ui.progress, S.readOnly ? null : S.ui.saveStatus),
			S.ui.announce),
		submitted ? h('div', { class: 'notice ok' },
			h('p', null, t('survey.submittedBanner')),
			h('p', null, h('a', { href: `/results.html?wave=${encodeURIComponent(S.waveId)}` }, t('survey.toResults'))))
			: closed ? h('div', { class: 'notice warn' }, h('p', null, t('survey.closedBanner'))) : null,
		S.readOnly ? null : h('p', { class: 'small' }, t('survey.requiredNote'), ' ', t('survey.autosaveNote')),
		h('div', { class: 'survey-layout' },
			h('nav', { class: 'survey-nav', 'aria-labelledby': 'survey-nav-title' },
				S.ui.navDetails = h('details', { open: wide.matches },
					h('summary', { tabindex: wide.matches ? '-1' : null },
						h('h2', { id: 'survey-nav-title' }, t('survey.navTitle')),
						S.ui.navWhere = h('span', { class: 'nav-where' })),
					h('ol', null, navItems))),
			h('div', null, S.ui.notices, S.ui.view)));
	renderSaveStatus();
	renderView(false);
}

// ---------- navigation by the address (#D2, #D2.3, #submit) ----------

function viewFromHash() {
	const id = decodeURIComponent(location.hash.replace(/^#/, ''));
	if (id === 'submit') return { view: 'submit' };
	if (S.def.dimensions.some((d) => d.id === id)) return { view: id };
	const dim = dimOfItem(id);
	if (dim) return { view: dim.id, item: id };
	return null;
}

function firstOpenDimension() {
	const p = progress(S.def, currentAnswers());
	const d = S.def.dimensions.find((x) => p.dims[x.id].answered < p.dims[x.id].total);
	return d ? d.id : S.def.dimensions[0].id;
}

function onHashChange() {
	const v = viewFromHash();
	if (!v) return;
	const changed = v.view !== S.view;
	S.view = v.view;
	if (changed) renderView(false);
	if (v.item) {
		const el = document.getElementById(`q-${v.item}`);
		if (el) { el.scrollIntoView({ block: 'start' }); focusEl(el); }
	} else {
		const title = document.getElementById('view-title');
		if (title) { window.scrollTo(0, Math.max(0, S.ui.view.getBoundingClientRect().top + window.scrollY - 16)); focusEl(title); }
	}
}

// ---------- page ----------

startPage({
	id: 'survey',
	auth: true,
	roles: ['respondent'],
	title: () => (S.def ? `${loc(S.def.title)}${S.view && S.view !== 'submit' ? ` – ${S.view}` : ''}` : t('survey.title')),
	async load(ctx) {
		S.ctx = ctx;
		S.userId = ctx.user.id;
		S.waveId = new URLSearchParams(location.search).get('wave');
		if (!S.waveId) return;
		const waves = await listAll('/waves');
		S.wave = waves.find((w) => String(w.id) === String(S.waveId)) || null;
		if (!S.wave) return;
		const [def, resp] = await Promise.all([
			api('GET', `/questionnaires/${encodeURIComponent(S.wave.questionnaire_id)}`),
			api('GET', `/waves/${encodeURIComponent(S.waveId)}/response`),
		]);
		S.def = def && def.definition ? def.definition : def;
		S.server = serverFrom(resp);
		S.readOnly = S.server.state === 'submitted' || S.wave.state !== 'open';
		const saved = stored();
		if (saved && saved.pending) {
			const lost = [];
			for (const [id, a] of Object.entries(saved.pending)) {
				if (!itemById(id)) continue;
				if (sameAnswer(a, S.server.answers[id] || null)) continue;
				if (S.readOnly) lost.push({ id, answer: a });
				else S.pending[id] = a;
			}
			if (S.readOnly) {
				if (lost.length) S.notices.lost = { code: S.server.state === 'submitted' ? 'already_submitted' : 'wave_closed', items: lost };
				S.pending = {};
			}
			S.notices.restored = Object.keys(S.pending).length;
			persist();
		}
		const v = viewFromHash();
		S.view = v ? v.view : firstOpenDimension();
		window.addEventListener('hashchange', onHashChange);
		wide.addEventListener('change', () => { if (S.ui.navDetails) renderAll(); });
		window.addEventListener('online', () => { if (!S.blocked) flush(); });
		window.addEventListener('pagehide', () => { if (Object.keys(S.pending).length) flush({ keepalive: true }); });
		document.addEventListener('visibilitychange', () => {
			if (document.visibilityState === 'hidden' && Object.keys(S.pending).length && !S.blocked) flush();
		});
		if (Object.keys(S.pending).length) scheduleSave(0);
	},
	render(ctx) {
		if (!S.waveId || !S.wave) {
			replace(ctx.main, h('h1', null, t('survey.title')),
				h('div', { class: 'notice error' },
					h('p', null, t(S.waveId ? 'survey.waveMissing' : 'survey.noWave')),
					h('p', null, h('a', { href: '/dashboard.html' }, t('survey.toDashboard')))));
			return;
		}
		renderAll();
		if (viewFromHash() && viewFromHash().item) onHashChange();
	},
});

// For the tests: how many answers wait for the server.
window.reifegradPending = () => Object.keys(S.pending).length;
