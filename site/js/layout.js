// layout.js: what every page shares: skip link, header with navigation,
// language switch and sign-out, footer, the page title, the sign-in dialog
// for an expired session, and startPage(), which loads the signed-in user
// and renders the page (again after a language switch).
import { h, replace, focusEl } from './dom.js';
import { t, lang, setLang, onLangChange } from './i18n.js';
import {
	api, ApiError, rememberSession, forgetSession, cachedUser, cacheUser, setReauthHandler,
} from './api.js';

// Where each role starts after signing in.
export function homeFor(role) {
	switch (role) {
	case 'coordinator': return '/coordinator.html';
	case 'researcher': return '/researcher.html';
	case 'admin': return '/admin.html';
	default: return '/dashboard.html';
	}
}

const NAV = [
	{ id: 'dashboard', href: '/dashboard.html', key: 'nav.dashboard', roles: ['respondent'] },
	{ id: 'coordinator', href: '/coordinator.html', key: 'nav.coordinator', roles: ['coordinator', 'admin'] },
	{ id: 'researcher', href: '/researcher.html', key: 'nav.researcher', roles: ['researcher', 'admin'] },
	{ id: 'admin', href: '/admin.html', key: 'nav.admin', roles: ['admin'] },
];

const state = { user: null, pageId: null, titleFn: null };

function renderSkip() {
	let skip = document.querySelector('.skip-link');
	if (!skip) {
		skip = h('a', { class: 'skip-link', href: '#main' });
		document.body.prepend(skip);
	}
	skip.textContent = t('common.skip');
}

function renderHeader() {
	const header = document.getElementById('site-header');
	if (!header) return;
	const user = state.user;
	const other = lang() === 'de' ? 'en' : 'de';
	const links = user ? NAV.filter((n) => n.roles.includes(user.role)) : [];
	const nav = links.length
		? h('nav', { class: 'site-nav', 'aria-label': t('nav.label') },
			h('ul', null, links.map((n) => h('li', null,
				h('a', { href: n.href, 'aria-current': n.id === state.pageId ? 'page' : null }, t(n.key))))))
		: null;
	const tools = h('div', { class: 'header-tools' },
		h('button', {
			type: 'button', class: 'lang-switch', lang: other,
			'data-lang': other,
			onclick: () => setLang(other),
		}, t('common.switchTo')),
		user
			? [
				h('span', { class: 'who' }, h('span', { class: 'visually-hidden' }, t('common.signedInAs') + ' '),
					user.name || user.email,
					user.organisation ? ` (${user.organisation.name})` : ''),
				h('button', { type: 'button', class: 'sign-out', onclick: signOut }, t('common.signOut')),
			]
			: (state.pageId !== 'login' ? h('a', { href: '/login.html', class: 'sign-in-link' }, t('common.signIn')) : null));
	replace(header,
		h('div', { class: 'bar' },
			h('a', { class: 'brand', href: user ? homeFor(user.role) : '/' },
				h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'reifegrad'),
			nav, tools));
}

function renderFooter() {
	const footer = document.getElementById('site-footer');
	if (!footer) return;
	replace(footer, h('div', { class: 'bar' },
		h('span', null, t('footer.about')),
		h('a', { href: '/#privacy' }, t('footer.privacy')),
		h('a', { href: '/#accessibility' }, t('footer.accessibility'))));
}

function renderTitle() {
	const title = state.titleFn ? state.titleFn() : '';
	document.title = title ? `${title} – reifegrad` : 'reifegrad';
}

export function renderChrome() {
	renderSkip();
	renderHeader();
	renderFooter();
	renderTitle();
}

async function signOut() {
	try {
		await api('POST', '/logout');
	} catch (e) {
		// The session may already be gone; sign out locally in any case.
	}
	forgetSession();
	location.assign('/?signed_out=1');
}

// The dialog asking to sign in again; resolves once signed in.
function reauthDialog() {
	return new Promise((resolve, reject) => {
		const emailId = 'reauth-email';
		const pwId = 'reauth-password';
		const errBox = h('div', { class: 'notice error', role: 'alert', hidden: true });
		const email = h('input', { id: emailId, type: 'email', autocomplete: 'username', required: true, value: (state.user && state.user.email) || '' });
		const pw = h('input', { id: pwId, type: 'password', autocomplete: 'current-password', required: true });
		let done = false;
		const dlg = h('dialog', { class: 'reauth', 'aria-labelledby': 'reauth-title' },
			h('form', {
				method: 'dialog',
				onsubmit: async (ev) => {
					ev.preventDefault();
					errBox.hidden = true;
					try {
						const ans = await api('POST', '/login', { email: email.value.trim(), password: pw.value }, { reauth: false });
						rememberSession(ans);
						const was = state.user;
						done = true;
						dlg.close();
						dlg.remove();
						if (was && ans.user && was.id !== ans.user.id) {
							location.reload();
							return;
						}
						if (ans.user) { state.user = ans.user; renderHeader(); }
						resolve(ans);
					} catch (e) {
						errBox.textContent = loginErrorText(e);
						errBox.hidden = false;
						pw.focus();
					}
				},
			},
			h('h2', { id: 'reauth-title' }, t('reauth.title')),
			h('p', null, t('reauth.text')),
			errBox,
			h('div', { class: 'field' }, h('label', { for: emailId }, t('login.email')), email),
			h('div', { class: 'field' }, h('label', { for: pwId }, t('login.password')), pw),
			h('div', { class: 'actions' },
				h('button', { type: 'submit' }, t('login.submit')),
				h('button', { type: 'button', class: 'secondary', onclick: () => dlg.close() }, t('common.cancel')))));
		dlg.addEventListener('close', () => {
			if (!done) {
				dlg.remove();
				reject(new ApiError(401, { error: { code: 'unauthenticated', message: t('reauth.cancelled') } }));
			}
		});
		document.body.append(dlg);
		dlg.showModal();
		(email.value ? pw : email).focus();
	});
}

// loginErrorText(e) words a failed sign-in for people.
export function loginErrorText(e) {
	if (!(e instanceof ApiError)) return t('errors.generic');
	if (e.status === 401) return t('login.invalid');
	if (e.status === 429) return t('errors.tooMany', { s: e.retryAfter || 60 });
	return errorText(e);
}

// errorText(e) words any API error for people.
export function errorText(e) {
	if (!(e instanceof ApiError)) return t('errors.generic');
	switch (e.status) {
	case 0: return t('errors.network');
	case 401: return t('errors.unauthenticated');
	case 403: return t('errors.forbidden');
	case 404: return t('errors.notFound');
	case 413: return t('errors.tooLarge');
	case 429: return t('errors.tooMany', { s: e.retryAfter || 60 });
	case 503: return t('errors.unavailable');
	default: break;
	}
	if (e.status >= 500) return t('errors.server');
	return e.message || t('errors.generic');
}

// errorNotice(e, retry) is a notice box for a failed load.
export function errorNotice(e, retry) {
	return h('div', { class: 'notice error', role: 'alert' },
		h('p', null, errorText(e)),
		retry ? h('button', { type: 'button', class: 'secondary', onclick: retry }, t('common.retry')) : null);
}

export function currentUser() {
	return state.user;
}

// startPage(page) runs a page. page: { id, auth (needs sign-in), roles
// (allowed roles), title() , load(ctx) (async, fetches), render(ctx)
// (builds <main>; called again after a language switch) }.
export async function startPage(page) {
	state.pageId = page.id;
	state.titleFn = page.title;
	state.user = cachedUser();
	setReauthHandler(reauthDialog);
	const main = document.getElementById('main');
	const ctx = { main, user: state.user, page };
	renderChrome();
	onLangChange(() => {
		renderChrome();
		if (ctx.ready) page.render(ctx);
		// Keep the focus on the switch the person just pressed.
		const sw = document.querySelector('.lang-switch');
		if (sw) sw.focus();
	});

	if (page.auth) {
		try {
			const me = await api('GET', '/me', undefined, { reauth: false });
			state.user = me;
			ctx.user = me;
			cacheUser(me);
			renderHeader();
		} catch (e) {
			if (e instanceof ApiError && e.status === 401) {
				forgetSession();
				const next = location.pathname + location.search + location.hash;
				location.replace('/login.html?next=' + encodeURIComponent(next) + '&expired=1');
				return;
			}
			replace(main, h('h1', null, page.title()), errorNotice(e, () => location.reload()));
			return;
		}
		if (page.roles && !page.roles.includes(state.user.role)) {
			replace(main, h('h1', null, page.title()),
				h('div', { class: 'notice warn' },
					h('p', null, t('errors.wrongRole')),
					h('p', null, h('a', { href: homeFor(state.user.role) }, t('errors.toYourPage')))));
			return;
		}
	}
	try {
		if (page.load) await page.load(ctx);
	} catch (e) {
		replace(main, h('h1', null, page.title()), errorNotice(e, () => location.reload()));
		return;
	}
	ctx.ready = true;
	page.render(ctx);
	renderTitle();
}

export { focusEl };
