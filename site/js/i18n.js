// i18n.js: the language of the page (German by default, English by the
// switch in the header) and the lookup of every text in the dictionaries
// site/i18n/de.js and site/i18n/en.js.
import de from '../i18n/de.js';
import en from '../i18n/en.js';

const dictionaries = { de, en };
export const languages = ['de', 'en'];
const KEY = 'rg_lang';
const listeners = new Set();

function initial() {
	try {
		const saved = localStorage.getItem(KEY);
		if (languages.includes(saved)) return saved;
	} catch (e) { /* storage may be blocked */ }
	return 'de';
}

let current = initial();

export function lang() {
	return current;
}

// setLang(code) switches the language, remembers it and tells every page
// part that registered with onLangChange to render again.
export function setLang(code) {
	if (!languages.includes(code) || code === current) return;
	current = code;
	try { localStorage.setItem(KEY, code); } catch (e) { /* ignore */ }
	document.documentElement.lang = code;
	for (const fn of listeners) fn(code);
}

export function onLangChange(fn) {
	listeners.add(fn);
}

function lookup(dict, key) {
	let v = dict;
	for (const part of key.split('.')) {
		if (v === null || typeof v !== 'object' || !(part in v)) return undefined;
		v = v[part];
	}
	return v;
}

// t(key, params) gives the text for a dotted key in the current language,
// with {name} placeholders filled from params. A missing key falls back to
// German, then to the key itself (so it shows up in tests).
export function t(key, params) {
	let v = lookup(dictionaries[current], key);
	if (v === undefined) v = lookup(dictionaries.de, key);
	if (v === undefined) return key;
	if (typeof v === 'function') return v(params || {});
	if (typeof v !== 'string') return v;
	if (!params) return v;
	return v.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

// loc(obj) picks the current language from a {de, en} object of the API
// (questionnaire texts), falling back to German, then to any language.
export function loc(obj) {
	if (obj === null || obj === undefined) return '';
	if (typeof obj === 'string') return obj;
	return obj[current] ?? obj.de ?? Object.values(obj)[0] ?? '';
}

function locale() {
	return current === 'de' ? 'de-DE' : 'en-GB';
}

// fmtNum(x, digits) formats a number for the current language; '–' for
// null.
export function fmtNum(x, digits = 1) {
	if (x === null || x === undefined || Number.isNaN(x)) return '–';
	return new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);
}

export function fmtInt(x) {
	if (x === null || x === undefined) return '–';
	return new Intl.NumberFormat(locale()).format(x);
}

export function fmtDate(iso, withTime = false) {
	if (!iso) return '–';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return String(iso);
	const opts = withTime
		? { dateStyle: 'medium', timeStyle: 'short' }
		: { dateStyle: 'medium' };
	return new Intl.DateTimeFormat(locale(), opts).format(d);
}

export function fmtTime(d) {
	return new Intl.DateTimeFormat(locale(), { timeStyle: 'short' }).format(d);
}

document.documentElement.lang = current;
