// widgets.js: small accessible building blocks shared by pages.
import { h, uid } from './dom.js';

// progressBar({label, value, max}) is a labelled progress bar
// (role="progressbar" with aria-valuenow/aria-valuemax) whose label is
// visible text; update(value, label) changes it in place.
export function progressBar({ label, value, max }) {
	const id = uid('progress');
	const text = h('span', { id, class: 'progress-label' }, label);
	const fill = h('div', { class: 'progress-fill' });
	const bar = h('div', {
		class: 'progress-track', role: 'progressbar', 'aria-labelledby': id,
		'aria-valuemin': '0',
	}, fill);
	const wrap = h('div', { class: 'progress' }, text, bar);
	wrap.update = (v, m, l) => {
		bar.setAttribute('aria-valuenow', String(v));
		bar.setAttribute('aria-valuemax', String(m));
		bar.setAttribute('aria-valuetext', l);
		text.textContent = l;
		fill.style.width = `${m > 0 ? Math.round((100 * v) / m) : 0}%`;
	};
	wrap.update(value, max, label);
	return wrap;
}
