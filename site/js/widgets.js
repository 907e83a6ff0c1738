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

// confirmDialog(text, confirmLabel): a modal question; resolves true when
// confirmed, false when cancelled (Escape included). Focus returns to the
// element that had it.
export function confirmDialog(text, confirmLabel, cancelLabel, danger = false) {
	return new Promise((resolve) => {
		const back = document.activeElement;
		const titleId = uid('confirm');
		let result = false;
		const dlg = h('dialog', { class: 'confirm-dialog', 'aria-labelledby': titleId },
			h('p', { id: titleId }, text),
			h('div', { class: 'actions' },
				h('button', { type: 'button', class: danger ? 'danger confirm-yes' : 'confirm-yes', onclick: () => { result = true; dlg.close(); } }, confirmLabel),
				h('button', { type: 'button', class: 'secondary', onclick: () => dlg.close() }, cancelLabel)));
		dlg.addEventListener('close', () => {
			dlg.remove();
			if (back && back.isConnected) back.focus();
			resolve(result);
		});
		document.body.append(dlg);
		dlg.showModal();
	});
}
