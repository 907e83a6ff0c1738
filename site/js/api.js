// api.js: the one way the site talks to /api/v1. Same origin, JSON, the
// session cookie, and the X-CSRF-Token header on every write. A 401 (or a
// write without a CSRF token, e.g. after the tab was closed) asks the
// person to sign in again through the handler session.js registers, then
// repeats the request once, so nothing typed is lost.

const BASE = '/api/v1';
const CSRF_KEY = 'rg_csrf';
const USER_KEY = 'rg_user';

export class ApiError extends Error {
	constructor(status, body, retryAfter) {
		const err = (body && body.error) || {};
		super(err.message || `HTTP ${status}`);
		this.status = status;
		this.code = err.code || (status === 0 ? 'network' : 'http_' + status);
		this.details = Array.isArray(err.details) ? err.details : [];
		this.body = body;
		this.retryAfter = retryAfter;
	}
}

export function csrfToken() {
	try { return sessionStorage.getItem(CSRF_KEY); } catch (e) { return null; }
}

// rememberSession(answer) keeps what login (or accepting an invitation)
// answered: the CSRF token for writes and the user for the header.
export function rememberSession(answer) {
	try {
		if (answer && answer.csrf) sessionStorage.setItem(CSRF_KEY, answer.csrf);
		if (answer && answer.user) sessionStorage.setItem(USER_KEY, JSON.stringify(answer.user));
	} catch (e) { /* storage blocked: writes will ask to sign in */ }
}

export function forgetSession() {
	try {
		sessionStorage.removeItem(CSRF_KEY);
		sessionStorage.removeItem(USER_KEY);
	} catch (e) { /* ignore */ }
}

export function cachedUser() {
	try { return JSON.parse(sessionStorage.getItem(USER_KEY) || 'null'); } catch (e) { return null; }
}

export function cacheUser(user) {
	try { sessionStorage.setItem(USER_KEY, JSON.stringify(user)); } catch (e) { /* ignore */ }
}

let reauthHandler = null;
let reauthPromise = null;

// setReauthHandler(fn): fn() shows the sign-in dialog and resolves when the
// person is signed in again (rejects when they cancel).
export function setReauthHandler(fn) {
	reauthHandler = fn;
}

function reauth() {
	if (!reauthHandler) return Promise.reject(new ApiError(401, null));
	if (!reauthPromise) {
		reauthPromise = reauthHandler().finally(() => { reauthPromise = null; });
	}
	return reauthPromise;
}

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// api(method, path, body, opts) sends one request and gives the parsed JSON
// answer (null for 204). Errors throw ApiError (status 0: no connection).
// opts.reauth (default true): on 401 ask to sign in again and repeat once.
// opts.keepalive: for saving while the page closes. opts.text: answer as
// text instead of JSON.
export async function api(method, path, body, opts = {}) {
	const canReauth = opts.reauth !== false;
	if (WRITE.has(method) && !csrfToken() && canReauth) await reauth();
	try {
		return await send(method, path, body, opts);
	} catch (e) {
		if (e instanceof ApiError && canReauth &&
			(e.status === 401 || (e.status === 403 && e.code === 'csrf_failed'))) {
			await reauth();
			return send(method, path, body, opts);
		}
		throw e;
	}
}

async function send(method, path, body, opts) {
	const headers = { Accept: 'application/json' };
	if (body !== undefined) headers['Content-Type'] = 'application/json; charset=utf-8';
	if (WRITE.has(method)) {
		const token = csrfToken();
		if (token) headers['X-CSRF-Token'] = token;
	}
	let res;
	try {
		res = await fetch(BASE + path, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
			credentials: 'same-origin',
			cache: 'no-store',
			keepalive: !!opts.keepalive,
			signal: opts.signal,
		});
	} catch (e) {
		if (e && e.name === 'AbortError') throw e;
		throw new ApiError(0, null);
	}
	if (res.status === 204) return null;
	const text = await res.text();
	let data = null;
	if (opts.text && res.ok) return text;
	if (text) {
		try { data = JSON.parse(text); } catch (e) { data = null; }
	}
	if (!res.ok) {
		const ra = parseInt(res.headers.get('Retry-After') || '', 10);
		throw new ApiError(res.status, data, Number.isFinite(ra) ? ra : undefined);
	}
	return data;
}

// list(path) follows next_cursor and gives all items (up to max).
export async function listAll(path, max = 2000) {
	const items = [];
	let cursor = null;
	do {
		const sep = path.includes('?') ? '&' : '?';
		const url = path + sep + 'limit=500' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
		const page = await api('GET', url);
		if (Array.isArray(page)) return page;
		items.push(...((page && page.items) || []));
		cursor = page && page.next_cursor;
	} while (cursor && items.length < max);
	return items;
}
