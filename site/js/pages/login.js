// Sign-in: email and password; on success back to where the person came
// from (?next=, same site only) or to the start page of their role.
import { h, replace, focusEl } from '../dom.js';
import { t } from '../i18n.js';
import { api, rememberSession, cachedUser } from '../api.js';
import { startPage, homeFor, loginErrorText } from '../layout.js';

// safeNext(v) accepts only a path on this site (no //host, no scheme).
function safeNext(v) {
	if (!v || !v.startsWith('/') || v.startsWith('//') || v.includes('\\')) return null;
	return v;
}

const form = { email: '', error: null, fieldErrors: {}, busy: false };

startPage({
	id: 'login',
	auth: false,
	title: () => t('login.title'),
	render(ctx) {
		const params = new URLSearchParams(location.search);
		const next = safeNext(params.get('next'));
		const expired = params.has('expired');
		const user = cachedUser();

		const errBox = h('div', { class: 'notice error', role: 'alert', id: 'login-error', tabindex: '-1', hidden: !form.error },
			h('p', null, form.error || ''));
		const email = h('input', {
			id: 'login-email', name: 'email', type: 'email', autocomplete: 'username', required: true,
			value: form.email, spellcheck: 'false',
			'aria-invalid': form.fieldErrors.email ? 'true' : null,
			'aria-describedby': form.fieldErrors.email ? 'login-email-err' : null,
		});
		const pw = h('input', {
			id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true,
			'aria-invalid': form.fieldErrors.password ? 'true' : null,
			'aria-describedby': form.fieldErrors.password ? 'login-password-err' : null,
		});
		const submit = h('button', { type: 'submit' }, t('login.submit'));

		async function onSubmit(ev) {
			ev.preventDefault();
			form.email = email.value.trim();
			form.fieldErrors = {};
			if (!form.email) form.fieldErrors.email = true;
			if (!pw.value) form.fieldErrors.password = true;
			if (form.fieldErrors.email || form.fieldErrors.password) {
				form.error = null;
				ctx.page.render(ctx);
				focusEl(document.getElementById(form.fieldErrors.email ? 'login-email' : 'login-password'));
				return;
			}
			submit.disabled = true;
			submit.textContent = t('login.busy');
			try {
				const ans = await api('POST', '/login', { email: form.email, password: pw.value }, { reauth: false });
				rememberSession(ans);
				location.assign(next || homeFor(ans.user && ans.user.role));
			} catch (e) {
				form.error = loginErrorText(e);
				ctx.page.render(ctx);
				focusEl(document.getElementById('login-error'));
			}
		}

		replace(ctx.main,
			h('h1', null, t('login.title')),
			expired && !form.error ? h('div', { class: 'notice warn', role: 'status' }, h('p', null, t('login.expired'))) : null,
			user && !expired ? h('div', { class: 'notice' },
				h('p', null, t('login.already', { name: user.name || user.email })),
				h('p', null, h('a', { href: next || homeFor(user.role) }, t('login.continue')))) : null,
			errBox,
			h('p', null, t('login.intro')),
			h('form', { class: 'login-form', novalidate: true, onsubmit: onSubmit },
				h('div', { class: 'field' },
					h('label', { for: 'login-email' }, t('login.email')),
					email,
					form.fieldErrors.email ? h('span', { class: 'error-text', id: 'login-email-err' }, t('login.required')) : null),
				h('div', { class: 'field' },
					h('label', { for: 'login-password' }, t('login.password')),
					pw,
					form.fieldErrors.password ? h('span', { class: 'error-text', id: 'login-password-err' }, t('login.required')) : null),
				h('div', { class: 'actions' }, submit)),
			h('p', { class: 'muted' }, t('login.forgot')));
	},
});
