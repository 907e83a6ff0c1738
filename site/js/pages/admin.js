// Administration: accounts and roles (GET /users, PATCH /users/{id}),
// invitations of any role, and the questionnaire upload that shows every
// validation problem by its path.
import { h, replace, tableWrap, focusEl } from '../dom.js';
import { t, loc } from '../i18n.js';
import { api, ApiError, listAll } from '../api.js';
import { startPage, errorText } from '../layout.js';
import { confirmDialog } from '../widgets.js';
import { inviteForm } from '../invite.js';

const ROLES = ['respondent', 'coordinator', 'researcher', 'admin'];
// One page of accounts at a time; "show more" follows next_cursor.
const PAGE = 50;

const A = {
	users: null, usersError: null, next: null, filter: { q: '', role: '' },
	message: null, questionnaires: [], upload: null,
};

async function loadQuestionnaires() {
	A.questionnaires = await listAll('/questionnaires');
}

// usersQuery(cursor): the query of GET /users for the current filter.
function usersQuery(cursor) {
	const p = new URLSearchParams({ limit: String(PAGE) });
	if (A.filter.q) p.set('q', A.filter.q);
	if (A.filter.role) p.set('role', A.filter.role);
	if (cursor) p.set('cursor', cursor);
	return `/users?${p}`;
}

// loadUsers(more): the first page for the filter, or (more) the next one
// appended to what is shown.
async function loadUsers(more = false) {
	try {
		const page = await api('GET', usersQuery(more ? A.next : null));
		A.users = more ? [...(A.users || []), ...page.items] : page.items;
		A.next = page.next_cursor;
		A.usersError = null;
	} catch (e) {
		A.usersError = e;
		if (!more) A.users = null;
	}
}

function roleName(role) {
	return t(`role.${role}`);
}

// changeErrorText(e): what a refused change says, in the page's
// language where we know the case.
function changeErrorText(e) {
	if (e instanceof ApiError && e.status === 409) return t('admin.lastAdmin');
	if (e instanceof ApiError && e.status === 422) {
		return e.details.some((d) => d.path === '/organisation_id') ? t('admin.needsOrg') : errorText(e);
	}
	return errorText(e);
}

// saveRole(ctx, u, select): asks, then changes the role of account u to
// the select's value. A respondent that becomes staff leaves its
// municipality; an admin who demotes itself is signed out.
async function saveRole(ctx, u, select) {
	const role = select.value;
	const who = u.name || u.email;
	if (role === u.role) {
		say(ctx, t('admin.roleSame', { name: who, role: roleName(role) }));
		return;
	}
	const ok = await confirmDialog(
		t('admin.roleConfirm', { name: who, email: u.email, from: roleName(u.role), to: roleName(role) }),
		t('admin.roleConfirmYes', { role: roleName(role) }), t('common.cancel'), true);
	if (!ok) return;
	const body = { role };
	if (u.role === 'respondent' && role !== 'respondent') body.organisation_id = null;
	try {
		const now = await api('PATCH', `/users/${encodeURIComponent(u.id)}`, body);
		if (u.id === ctx.user.id) {
			// The own sessions have ended with the change.
			location.assign('/login.html');
			return;
		}
		A.users = A.users.map((x) => (x.id === u.id ? now : x));
		say(ctx, t('admin.roleChanged', { name: who, role: roleName(now.role) }));
	} catch (e) {
		say(ctx, changeErrorText(e), 'error');
	}
}

// say(ctx, text, kind): shows a message above the list and moves the
// focus to it, so that it is read out.
function say(ctx, text, kind = 'ok') {
	A.message = { text, kind };
	renderUsers(ctx);
	focusEl(document.getElementById('users-message'));
}

function userRow(ctx, u) {
	const who = u.name || u.email;
	const id = `role-${u.id}`;
	// A staff account becomes a respondent only together with a
	// municipality: that is an invitation's job, not this list's.
	const roles = u.role === 'respondent' ? ROLES : ROLES.filter((r) => r !== 'respondent');
	const select = h('select', { id, class: 'role-select', 'data-user': String(u.id) },
		roles.map((r) => h('option', { value: r, selected: r === u.role }, roleName(r))));
	return h('tr', { 'data-user': String(u.id) },
		h('th', { scope: 'row' }, u.name || '–'),
		h('td', { class: 'email' }, u.email),
		h('td', null,
			h('label', { for: id, class: 'visually-hidden' }, t('admin.roleOf', { name: who })),
			select),
		h('td', null, u.organisation ? u.organisation.name : '–'),
		h('td', null, h('button', {
			type: 'button', class: 'secondary small role-save',
			onclick: () => saveRole(ctx, u, select),
		}, t('admin.save'), h('span', { class: 'visually-hidden' }, ` ${t('admin.roleOf', { name: who })}`))));
}

function usersBody(ctx) {
	if (!A.users) {
		return h('p', null, A.usersError && A.usersError.status !== 404 ? errorText(A.usersError) : t('admin.usersMissing'));
	}
	if (!A.users.length) return h('p', null, t('admin.noUsers'));
	return [
		tableWrap(h('table', { class: 'users' },
			h('caption', null, t('admin.usersCaption')),
			h('thead', null, h('tr', null, ['colName', 'colEmail', 'colRole', 'colOrg', 'colAction'].map((k) => h('th', { scope: 'col' }, t(`admin.${k}`))))),
			h('tbody', null, A.users.map((u) => userRow(ctx, u)))), t('admin.usersCaption')),
		A.next ? h('div', { class: 'actions' }, h('button', {
			type: 'button', class: 'secondary', id: 'users-more',
			onclick: async () => {
				const before = A.users.length;
				await loadUsers(true);
				renderUsers(ctx);
				const first = A.users[before];
				focusEl(first ? document.getElementById(`role-${first.id}`) : document.getElementById('users-message'));
			},
		}, t('admin.more'))) : null,
	];
}

function filterForm(ctx) {
	const q = h('input', { id: 'users-q', type: 'search', value: A.filter.q, maxlength: '200' });
	const role = h('select', { id: 'users-role' },
		h('option', { value: '', selected: !A.filter.role }, t('admin.allRoles')),
		ROLES.map((r) => h('option', { value: r, selected: A.filter.role === r }, roleName(r))));
	return h('form', {
		class: 'toolbar users-filter', role: 'search', 'aria-label': t('admin.filterLabel'),
		onsubmit: async (ev) => {
			ev.preventDefault();
			A.filter = { q: q.value.trim(), role: role.value };
			await loadUsers();
			const n = A.users ? A.users.length : 0;
			A.message = A.users
				? { text: A.next ? t('admin.foundMore', { n }) : t('admin.found', { n }), kind: 'ok' }
				: { text: errorText(A.usersError), kind: 'error' };
			renderUsers(ctx);
			document.getElementById('users-q').focus();
		},
	},
	h('div', { class: 'field' }, h('label', { for: 'users-q' }, t('admin.search')), q),
	h('div', { class: 'field' }, h('label', { for: 'users-role' }, t('admin.colRole')), role),
	h('button', { type: 'submit' }, t('admin.searchButton')));
}

// renderUsers(ctx): the accounts part of the page, redrawn on its own so
// that the rest (an upload's result, an invitation form) stays as it is.
function renderUsers(ctx) {
	const box = document.getElementById('users-box');
	if (!box) return;
	const m = A.message;
	replace(box,
		filterForm(ctx),
		h('div', {
			id: 'users-message', tabindex: '-1', class: m ? `notice ${m.kind}` : '', role: m && m.kind === 'error' ? 'alert' : 'status', hidden: !m,
		}, m ? h('p', null, m.text) : null),
		usersBody(ctx));
}

function usersSection() {
	return h('section', { class: 'panel', 'aria-labelledby': 'users-title' },
		h('h2', { id: 'users-title' }, t('admin.usersTitle')),
		h('p', null, t('admin.usersIntro')),
		h('div', { id: 'users-box' }),
		h('h3', null, t('admin.inviteTitle')),
		inviteForm({ roles: ROLES }));
}

function uploadResult() {
	const u = A.upload;
	if (!u) return null;
	if (u.ok) return h('div', { class: 'notice ok', role: 'status' }, h('p', null, u.text));
	if (u.details && u.details.length) {
		return h('div', { class: 'notice error upload-errors', role: 'alert', tabindex: '-1', id: 'upload-result' },
			h('p', null, t('admin.invalidTitle', { n: u.details.length })),
			tableWrap(h('table', null,
				h('caption', { class: 'visually-hidden' }, t('admin.errorsCaption')),
				h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('admin.colPath')), h('th', { scope: 'col' }, t('admin.colProblem')))),
				h('tbody', null, u.details.map((d) => h('tr', null, h('td', null, h('code', null, d.path || '/')), h('td', null, d.problem || ''))))), t('admin.errorsCaption')));
	}
	return h('div', { class: 'notice error', role: 'alert', tabindex: '-1', id: 'upload-result' }, h('p', null, u.text));
}

function questionnaireSection(ctx) {
	const file = h('input', { id: 'q-file', type: 'file', accept: 'application/json,.json', 'aria-describedby': 'q-intro' });
	const submit = h('button', { type: 'submit' }, t('admin.upload'));
	return h('section', { class: 'panel', 'aria-labelledby': 'q-title' },
		h('h2', { id: 'q-title' }, t('admin.qTitle')),
		A.questionnaires.length ? tableWrap(h('table', null,
			h('caption', null, t('admin.qCaption')),
			h('thead', null, h('tr', null, ['colSlug', 'colVersion', 'colQTitle'].map((k) => h('th', { scope: 'col' }, t(`admin.${k}`))))),
			h('tbody', null, A.questionnaires.map((q) => h('tr', null,
				h('td', { class: 'mono' }, q.slug), h('td', { class: 'num' }, String(q.version)), h('td', null, loc(q.title)))))), t('admin.qCaption')) : null,
		h('h3', null, t('admin.uploadTitle')),
		h('p', { id: 'q-intro' }, t('admin.uploadIntro')),
		h('form', {
			class: 'upload-form', novalidate: true,
			onsubmit: async (ev) => {
				ev.preventDefault();
				const f = file.files && file.files[0];
				if (!f) {
					A.upload = { ok: false, text: t('admin.noFile') };
				} else {
					submit.disabled = true;
					submit.textContent = t('admin.uploading');
					let defn = null;
					try {
						defn = JSON.parse(await f.text());
					} catch (e) {
						A.upload = { ok: false, text: t('admin.notJson', { msg: e.message }) };
					}
					if (defn !== null) {
						try {
							await api('POST', '/questionnaires', defn);
							A.upload = { ok: true, text: t('admin.uploaded', { title: loc(defn.title) || defn.slug, version: defn.version }) };
							await loadQuestionnaires();
						} catch (e) {
							A.upload = e instanceof ApiError && e.status === 422
								? { ok: false, details: e.details.length ? e.details : [{ path: '/', problem: e.message }] }
								: { ok: false, text: errorText(e) };
						}
					}
				}
				ctx.page.render(ctx);
				focusEl(document.getElementById('upload-result') || document.getElementById('q-file'));
			},
		},
		h('div', { class: 'field' }, h('label', { for: 'q-file' }, t('admin.file')), file),
		h('div', { class: 'actions' }, submit)),
		uploadResult());
}

startPage({
	id: 'admin',
	auth: true,
	roles: ['admin'],
	title: () => t('admin.title'),
	async load() {
		await Promise.all([loadQuestionnaires(), loadUsers()]);
	},
	render(ctx) {
		replace(ctx.main,
			h('h1', null, t('admin.title')),
			questionnaireSection(ctx),
			usersSection());
		renderUsers(ctx);
	},
});
