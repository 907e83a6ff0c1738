// The public home page: what the check is, for whom, what happens with the
// data, and the way to sign in.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { startPage, homeFor, currentUser } from '../layout.js';

function section(id, titleKey, keys) {
	const hid = `${id}-title`;
	return h('section', { id, 'aria-labelledby': hid },
		h('h2', { id: hid }, t(titleKey)),
		h('ul', null, keys.map((k) => h('li', null, t(k)))));
}

startPage({
	id: 'home',
	auth: false,
	title: () => t('home.title'),
	render(ctx) {
		const user = currentUser();
		const signedOut = new URLSearchParams(location.search).has('signed_out');
		replace(ctx.main,
			signedOut ? h('div', { class: 'notice ok', role: 'status' }, h('p', null, t('home.signedOut'))) : null,
			h('div', { class: 'hero' },
				h('h1', null, t('home.title')),
				h('p', { class: 'lead' }, t('home.lead')),
				h('p', { class: 'actions' },
					user
						? h('a', { class: 'button', href: homeFor(user.role) }, t('home.toDashboard'))
						: h('a', { class: 'button', href: '/login.html' }, t('common.signIn')))),
			h('div', { class: 'columns' },
				section('what', 'home.whatTitle', ['home.what1', 'home.what2', 'home.what3']),
				section('who', 'home.whoTitle', ['home.who1', 'home.who2', 'home.who3']),
				section('get', 'home.getTitle', ['home.get1', 'home.get2', 'home.get3'])),
			section('privacy', 'home.privacyTitle', ['home.privacy1', 'home.privacy2', 'home.privacy3', 'home.privacy4', 'home.privacy5']),
			h('section', { id: 'signin', 'aria-labelledby': 'signin-title' },
				h('h2', { id: 'signin-title' }, t('home.signinTitle')),
				h('p', null, t('home.signinText')),
				h('p', null, h('a', { href: '/login.html' }, t('common.signIn'))),
				h('p', null, t('home.signinNoAccount'))),
			h('section', { id: 'accessibility', 'aria-labelledby': 'a11y-title' },
				h('h2', { id: 'a11y-title' }, t('home.a11yTitle')),
				h('p', null, t('home.a11yText'))));
	},
});
