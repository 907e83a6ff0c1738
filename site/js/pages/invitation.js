// Accepting an invitation: the token comes in the link (#token=... or
// ?token=...); the person sets name and password and is then signed in.
import { h, replace, focusEl } from '../dom.js';
import { t } from '../i18n.js';
import { api, ApiError, rememberSession } from '../api.js';
import { startPage, homeFor, errorText } from '../layout.js';

const MIN_PASSWORD = 12;

function readToken() {
	const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
	const query = new URLSearchParams(location.search);
	return hash.get('token') || query.get('token') || '';
}

const form = { name: '', errors: {}, serverError: null, gone: false };

startPage({
	id: 'invitation',
	auth: false,
	title: () => t('invite.title'),
	render(ctx) {
		const token = readToken();
		if (!token) {
			replace(ctx.main, h('h1', null, t('invite.title')),
				h('div', { class: 'notice error' }, h('p', null, t('invite.missingToken'))));
			return;
		}
		if (form.gone) {
			replace(ctx.main, h('h1', null, t('invite.title')),
				h('div', { class: 'notice error', role: 'alert' }, h('p', null, t('invite.gone'))),
				h('p', null, h('a', { href: '/login.html' }, t('common.signIn'))));
			return;
		}
		const errs = form.errors;
		const field = (id, label, input, hint, err) => h('div', { class: 'field' },
			h('label', { for: id }, label),
			hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : null,
			input,
			err ? h('span', { class: 'error-text', id: `${id}-err` }, err) : null);
		const describedBy = (id, hint, err) => [hint ? `${id}-hint` : null, err ? `${id}-err` : null].filter(Boolean).join(' ') || null;

		const name = h('input', {
			id: 'inv-name', type: 'text', autocomplete: 'name', required: true, maxlength: '200', value: form.name,
			'aria-invalid': errs.name ? 'true' : null, 'aria-describedby': describedBy('inv-name', true, errs.name),
		});
		const pw = h('input', {
			id: 'inv-password', type: 'password', autocomplete: 'new-password', required: true, minlength: String(MIN_PASSWORD),
			'aria-invalid': errs.password ? 'true' : null, 'aria-describedby': describedBy('inv-password', true, errs.password),
		});
		const pw2 = h('input', {
			id: 'inv-password2', type: 'password', autocomplete: 'new-password', required: true,
			'aria-invalid': errs.password2 ? 'true' : null, 'aria-describedby': describedBy('inv-password2', false, errs.password2),
		});
		const submit = h('button', { type: 'submit' }, t('invite.submit'));
		const messages = Object.values(errs).filter(Boolean);
		if (form.serverError) messages.push(form.serverError);

		async function onSubmit(ev) {
			ev.preventDefault();
			form.name = name.value.trim();
			form.errors = {};
			form.serverError = null;
			if (!form.name) form.errors.name = t('invite.nameMissing');
			if ([...pw.value].length < MIN_PASSWORD) form.errors.password = t('invite.tooShort');
			else if (pw.value !== pw2.value) form.errors.password2 = t('invite.mismatch');
			if (Object.keys(form.errors).length) {
				ctx.page.render(ctx);
				focusEl(document.getElementById('inv-errors'));
				return;
			}
			submit.disabled = true;
			submit.textContent = t('invite.busy');
			try {
				const ans = await api('POST', '/invitations/accept', { token, name: form.name, password: pw.value }, { reauth: false });
				rememberSession(ans);
				// The token must not linger in the address bar or history.
				history.replaceState(null, '', '/invitation.html');
				location.assign(homeFor(ans && ans.user && ans.user.role));
			} catch (e) {
				if (e instanceof ApiError && (e.status === 410 || e.code === 'gone')) {
					form.gone = true;
				} else if (e instanceof ApiError && e.status === 422) {
					const byPath = e.details.map((d) => d.problem).filter(Boolean);
					const pwProblem = e.details.some((d) => /password/.test(d.path || ''));
					if (pwProblem || !e.details.length) form.errors.password = [t('invite.weak'), ...byPath].join(' ');
					else form.serverError = [e.message, ...byPath].join(' ');
				} else {
					form.serverError = errorText(e);
				}
				ctx.page.render(ctx);
				focusEl(document.getElementById(form.gone ? 'main' : 'inv-errors'));
			}
		}

		replace(ctx.main,
			h('h1', null, t('invite.title')),
			h('div', { class: 'notice error', role: 'alert', id: 'inv-errors', tabindex: '-1', hidden: !messages.length },
				h('p', null, t('invite.errorsTitle')),
				h('ul', null, messages.map((m) => h('li', null, m)))),
			h('p', null, t('invite.intro')),
			h('form', { novalidate: true, onsubmit: onSubmit },
				field('inv-name', t('invite.name'), name, t('invite.nameHint'), errs.name),
				field('inv-password', t('invite.password'), pw, t('invite.passwordHint'), errs.password),
				field('inv-password2', t('invite.password2'), pw2, null, errs.password2),
				h('div', { class: 'actions' }, submit)));
	},
});
