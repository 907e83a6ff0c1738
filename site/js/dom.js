// dom.js: building elements without innerHTML. Every piece of text goes
// in through textContent (text nodes), so data can never become markup.

// h(tag, attrs, ...children) makes an element. attrs: "class", "text",
// on<event> functions, booleans (true sets an empty attribute, false or
// null leaves it out), anything else via setAttribute. Children: nodes,
// strings (as text), arrays, or null/false (skipped).
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	if (attrs) {
		for (const [key, value] of Object.entries(attrs)) {
			if (value === null || value === undefined || value === false) continue;
			if (key === 'class') el.className = value;
			else if (key === 'text') el.textContent = value;
			else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
			else if (key === 'value') el.value = value;
			else if (key === 'checked' || key === 'selected' || key === 'disabled') el[key] = !!value;
			else if (value === true) el.setAttribute(key, '');
			else el.setAttribute(key, String(value));
		}
	}
	append(el, children);
	return el;
}

// append(parent, children) adds children (the same forms h takes).
export function append(parent, children) {
	for (const child of children.flat(Infinity)) {
		if (child === null || child === undefined || child === false) continue;
		parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
	}
	return parent;
}

// clear(el) removes every child.
export function clear(el) {
	while (el.firstChild) el.removeChild(el.firstChild);
	return el;
}

// replace(el, ...children): clear, then append.
export function replace(el, ...children) {
	return append(clear(el), children);
}

let idCounter = 0;
// uid(prefix) gives an id unique in this page.
export function uid(prefix = 'id') {
	idCounter += 1;
	return `${prefix}-${idCounter}`;
}

// tableWrap(table) puts a wide table in a scrollable, focusable region.
export function tableWrap(table, label) {
	return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label }, table);
}

// focusHeading(el) moves keyboard and screen-reader focus to a heading
// after a view changed, without leaving a permanent tab stop.
export function focusEl(el) {
	if (!el) return;
	if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
	el.focus({ preventScroll: false });
}

// download(filename, text, type) offers text as a file.
export function download(filename, text, type = 'text/plain;charset=utf-8') {
	const blob = new Blob([text], { type });
	const url = URL.createObjectURL(blob);
	const a = h('a', { href: url, download: filename, hidden: true });
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10000);
}
