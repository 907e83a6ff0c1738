// invite.js: the form that creates an invitation (coordinators invite
// respondents of member municipalities; admins any role) and shows the
// one-time link to pass on.
import { h, replace, focusEl, uid } from './dom.js';
import { t } from './i18n.js';
import { api, ApiError } from './api.js';
import { errorText } from './layout.js';

const ROLES = ['respondent', 'coordinator', 'researcher', 'admin'];

// inviteForm({ roles }): roles the person may invite (first is default).
export function inviteForm({ roles = ['respondent'] } = {}) {
	const p = uid('inv');
	const result = h('div', { class: 'invite-result', 'aria-live': 'polite' });
	const email = h('input', { id: `${p}-email`, type: 'email', required: true, autocomplete: 'off', maxlength: '254' });
	const role = roles.length > 1
		? h('select', { id: `${p}-role` }, roles.filter((r) => ROLES.includes(r)).map((r) => h('option', { value: r }, t(`role.${r}`))))
		: null;
	const search = h('input', { id: `${p}-q`, type: 'search', autocomplete: 'off', 'aria-describedby': `${p}-q-hint ${p}-q-count` });
	const count = h('span', { id: `${p}-q-count`, class: 'hint', role: 'status' });
	const org = h('select', { id: `${p}-org` }, h('option', { value: '' }, t('coordinator.orgNone')));
	const orgField = h('div', { class: 'org-fields' },
		h('div', { class: 'field' },
			h('label', { for: `${p}-q` }, t('coordinator.orgSearch')),
			h('span', { class: 'hint', id: `${p}-q-hint` }, t('coordinator.orgSearchHint')),
			search, count),
		h('div', { class: 'field' }, h('label', { for: `${p}-org` }, t('coordinator.org')), org));
	let timer = null;
	let seq = 0;
	search.addEventListener('input', () => {
		clearTimeout(timer);
		timer = setTimeout(async () => {
			const q = search.value.trim();
			if (q.length < 2) return;
			const mine = ++seq;
			try {
				const res = await api('GET', `/organisations?q=${encodeURIComponent(q)}&limit=50`);
				if (mine !== seq) return;
				const list = (res && res.items) || [];
				replace(org, list.length
					? list.map((o) => h('option', { value: String(o.id) }, `${o.name} (${o.key}${o.state ? `, ${o.state}` : ''})`))
					: h('option', { value: '' }, t('coordinator.orgNoMatch')));
				count.textContent = t('coordinator.orgCount', { n: list.length });
			} catch (e) {
				count.textContent = errorText(e);
			}
		}, 300);
	});
	const updateRole = () => { orgField.hidden = role ? role.value !== 'respondent' : false; };
	if (role) role.addEventListener('change', updateRole);
	const err = h('div', { class: 'notice error', role: 'alert', hidden: true });
	const submit = h('button', { type: 'submit' }, t('coordinator.invite'));
	const form = h('form', {
		class: 'invite-form', novalidate: true,
		onsubmit: async (ev) => {
			ev.preventDefault();
			err.hidden = true;
			replace(result);
			const r = role ? role.value : roles[0];
			const body = { email: email.value.trim(), role: r };
			if (!body.email || !email.checkValidity()) {
				replace(err, h('p', null, `${t('coordinator.email')}: ${t('coordinator.required')}`));
				err.hidden = false;
				email.setAttribute('aria-invalid', 'true');
				email.focus();
				return;
			}
			email.removeAttribute('aria-invalid');
			if (r === 'respondent') {
				if (!org.value) {
					replace(err, h('p', null, t('coordinator.orgMissing')));
					err.hidden = false;
					search.focus();
					return;
				}
				body.organisation_id = Number(org.value);
			}
			submit.disabled = true;
			try {
				const ans = await api('POST', '/invitations', body);
				const url = new URL(ans.accept_url, location.origin).href;
				const linkId = uid('link');
				const linkInput = h('input', { id: linkId, type: 'text', readonly: true, value: url, class: 'mono invite-link' });
				const copyStatus = h('span', { role: 'status', class: 'small' });
				replace(result, h('div', { class: 'notice ok' },
					h('p', null, t('coordinator.invited_ok', { email: body.email })),
					h('div', { class: 'field' }, h('label', { for: linkId }, t('coordinator.inviteLink')), linkInput),
					h('div', { class: 'actions' },
						h('button', {
							type: 'button', class: 'secondary',
							onclick: async () => {
								try { await navigator.clipboard.writeText(url); copyStatus.textContent = t('widgets.copied'); } catch (e) {
									linkInput.select();
									copyStatus.textContent = t('widgets.copyFailed');
								}
							},
						}, t('widgets.copy')), copyStatus)));
				email.value = '';
				focusEl(linkInput);
			} catch (e) {
				const details = e instanceof ApiError ? e.details.map((d) => `${d.path}: ${d.problem}`) : [];
				replace(err, h('p', null, errorText(e)), details.length ? h('ul', null, details.map((d) => h('li', null, d))) : null);
				err.hidden = false;
				focusEl(err);
			} finally {
				submit.disabled = false;
			}
		},
	},
	h('div', { class: 'field' }, h('label', { for: `${p}-email` }, t('coordinator.email')), email),
	role ? h('div', { class: 'field' }, h('label', { for: `${p}-role` }, t('coordinator.role')), role) : null,
	orgField,
	err,
	h('div', { class: 'actions' }, submit));
	updateRole();
	return h('div', null, form, result);
}
