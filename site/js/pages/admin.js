// Administration: accounts and roles, invitations of any role, and the
// questionnaire upload that shows every validation problem by its path.
import { h, replace, tableWrap, focusEl } from '../dom.js';
import { t, loc } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { startPage, errorText } from '../layout.js';
import { items as listItems } from '../model.js';
import { inviteForm } from '../invite.js';

const A = { users: null, usersError: null, questionnaires: [], upload: null };

async function loadQuestionnaires() {
	A.questionnaires = listItems(await api('GET', '/questionnaires'));
}

function usersSection() {
	const body = A.users
		? tableWrap(h('table', { class: 'users' },
			h('caption', null, t('admin.usersCaption')),
			h('thead', null, h('tr', null, ['colName', 'colEmail', 'colRole', 'colOrg'].map((k) => h('th', { scope: 'col' }, t(`admin.${k}`))))),
			h('tbody', null, A.users.map((u) => h('tr', null,
				h('th', { scope: 'row' }, u.name || '–'),
				h('td', null, u.email),
				h('td', null, t(`role.${u.role}`)),
				h('td', null, u.organisation ? u.organisation.name : '–'))))), t('admin.usersCaption'))
		: h('p', null, A.usersError && A.usersError.status !== 404 ? errorText(A.usersError) : t('admin.usersMissing'));
	return h('section', { class: 'panel', 'aria-labelledby': 'users-title' },
		h('h2', { id: 'users-title' }, t('admin.usersTitle')),
		body,
		h('h3', null, t('admin.inviteTitle')),
		inviteForm({ roles: ['respondent', 'coordinator', 'researcher', 'admin'] }));
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
		await loadQuestionnaires();
		try {
			A.users = listItems(await api('GET', '/users'));
		} catch (e) {
			A.usersError = e;
		}
	},
	render(ctx) {
		replace(ctx.main,
			h('h1', null, t('admin.title')),
			questionnaireSection(ctx),
			usersSection());
	},
});
