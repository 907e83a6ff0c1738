// tests/e2e/run.mjs: the member site in real Chromium (Debian's package,
// driven by playwright-core), against the test stack of tests/run:
// real nginx with the production CSP, real workers, real PostgreSQL.
//
//   BASE_URL          the stack's nginx, e.g. http://127.0.0.1:18090
//   REIFEGRAD_ADMIN   the admin tool (default build/reifegrad-admin), run
//                     with PGUSER=reifegrad_owner and the PGHOST/PGDATABASE
//                     of the environment to create users and a wave
//   node tests/e2e/run.mjs [filter]   only tests whose name contains filter
//
// Prints TAP ("ok N - name" / "not ok N - name"), exits non-zero on any
// failure. A test whose API endpoints do not exist yet (the backend grows
// issue by issue) is left out with a "# skip" comment, so the suite passes
// at every commit. Screenshots go to tests/e2e/artifacts/ (git-ignored).
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { randomInt } from 'node:crypto';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BASE = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const ADMIN = process.env.REIFEGRAD_ADMIN || path.join(ROOT, 'build/reifegrad-admin');
const ART = path.join(ROOT, 'tests/e2e/artifacts');
const FILTER = process.argv[2] || '';
const PASSWORD = 'e2e-password-long-enough';
// A guard against a hanging run, not a speed gate (usually ~70-150 s).
const SUITE_DEADLINE_MS = 480000;
mkdirSync(ART, { recursive: true });

const LAUNCH = {
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
		'--disable-component-update', '--disable-sync'],
};

// ---------- tiny TAP harness ----------

const tests = [];
function test(name, needs, fn) { tests.push({ name, needs, fn }); }

class Skip extends Error {}

function assert(cond, msg) {
	if (!cond) throw new Error(msg);
}

function eq(actual, expected, msg) {
	if (actual !== expected) throw new Error(`${msg}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

// ---------- the stack: API probes, admin tool, API client ----------

// routeExists(path): the router answers 405 for a known path with a wrong
// method and 404 for an unknown path; DELETE is on none of the probed ones.
const routeCache = new Map();
async function routeExists(p) {
	if (!routeCache.has(p)) {
		const res = await fetch(BASE + '/api/v1' + p, { method: 'DELETE' });
		routeCache.set(p, res.status === 405);
	}
	return routeCache.get(p);
}

function admin(args, input) {
	const r = spawnSync(ADMIN, args, {
		input: input === undefined ? '' : input,
		env: { ...process.env, PGUSER: 'reifegrad_owner' },
		encoding: 'utf8',
	});
	if (r.status !== 0) throw new Error(`reifegrad-admin ${args.join(' ')}: ${r.stderr || r.error}`);
	return r.stdout.trim();
}

// apiLogin(email): a script session (Bearer token, no CSRF needed).
async function apiLogin(email) {
	const res = await fetch(BASE + '/api/v1/login', {
		method: 'POST',
		headers: { 'Content-Type': 'application/json; charset=utf-8' },
		body: JSON.stringify({ email, password: PASSWORD }),
	});
	assert(res.ok, `login ${email}: ${res.status}`);
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith('rg_session='));
	assert(cookie, 'login sets rg_session');
	const token = cookie.split(';')[0].split('=')[1];
	return { token, user: (await res.json()).user };
}

// apiWave(sess, id): one wave from the paged list GET /waves (following
// next_cursor), or undefined.
async function apiWave(sess, id) {
	let cursor = null;
	do {
		const page = await apiCall(sess, 'GET', `/waves?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
		const w = page.body.items.find((x) => String(x.id) === String(id));
		if (w) return w;
		cursor = page.body.next_cursor;
	} while (cursor);
	return undefined;
}

async function apiCall(sess, method, p, body) {
	const res = await fetch(BASE + '/api/v1' + p, {
		method,
		headers: {
			Authorization: `Bearer ${sess.token}`,
			...(body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
		},
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	return { status: res.status, body: text ? JSON.parse(text) : null };
}

// The fixture: one municipality with two respondents, staff accounts, and
// an open wave of the default questionnaire. Names are unique per run, so
// the suite can run against a stack other suites have used.
const RUN = `${Date.now().toString(36)}${randomInt(1000, 9999)}`;
const fx = {};
function email(who) { return `e2e-${who}-${RUN}@example.org`; }

function setup() {
	fx.orgKey = `99${String(randomInt(0, 999999)).padStart(6, '0')}`;
	admin(['org', 'add', '--key', fx.orgKey, '--name', `E2E-Stadt ${RUN}`, '--kind', 'kreisfreie_stadt',
		'--state', 'Schleswig-Holstein', '--population', '90164', '--member']);
	for (const [who, role] of [['resp', 'respondent'], ['colleague', 'respondent'], ['login', 'respondent'],
		['coord', 'coordinator'], ['admin', 'admin'], ['roleuser', 'researcher']]) {
		const args = ['user', 'add', '--email', email(who), '--role', role, '--name', `E2E ${who}`];
		if (role === 'respondent') args.push('--organisation', fx.orgKey);
		admin(args, PASSWORD + '\n');
	}
	admin(['questionnaire', 'load', path.join(ROOT, 'sql/questionnaires/smart-city-reifegrad-v1.json')]);
	fx.waveTitle = `E2E-Welle ${RUN}`;
	fx.wave = admin(['wave', 'add', '--questionnaire', 'smart-city-reifegrad', '--title', fx.waveTitle,
		'--opens', '2020-01-01T00:00:00Z', '--closes', '2099-12-31T00:00:00Z']).split(/\s+/).pop();
	// A planned wave whose title has no space at all: the dashboard must
	// still not scroll sideways at 360 px.
	fx.longTitle = `E2E-${'Digitalisierungsstrategieumsetzungsbegleitung'.repeat(3)}-${RUN}`;
	admin(['wave', 'add', '--questionnaire', 'smart-city-reifegrad', '--title', fx.longTitle,
		'--opens', '2098-01-01T00:00:00Z', '--closes', '2099-01-01T00:00:00Z']);
}

// ---------- browser helpers ----------

let browser;

async function newPage(opts = {}) {
	const ctx = await browser.newContext({ viewport: { width: opts.width || 1280, height: 900 }, locale: 'de-DE' });
	const page = await ctx.newPage();
	page.errors = [];
	page.on('pageerror', (e) => page.errors.push(e.message));
	page.on('console', (m) => {
		// A CSP violation shows up as a console error; so does any uncaught
		// problem of ours. Expected HTTP errors (401 before sign-in, 409 in
		// the conflict test) are "Failed to load resource" and allowed.
		if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) page.errors.push(m.text());
	});
	return page;
}

async function signIn(page, who, next) {
	await page.goto(BASE + '/login.html' + (next ? `?next=${encodeURIComponent(next)}` : ''));
	await page.fill('#login-email', email(who));
	await page.fill('#login-password', PASSWORD);
	await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/login.html')), page.click('form.login-form button[type=submit]')]);
	await page.waitForLoadState('networkidle');
}

// axe(page, label): no serious or critical WCAG 2.1 A/AA violation.
async function axe(page, label) {
	const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	assert(!bad.length, `${label}: ${bad.map((v) => `${v.id} (${v.impact}) at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`).join('; ')}`);
}

async function noOverflow(page, label) {
	const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
	assert(sw <= cw + 1, `${label}: page is ${sw}px wide at ${cw}px (horizontal scrolling)`);
}

function noErrors(page) {
	assert(!page.errors.length, `console/page errors: ${page.errors.join(' | ')}`);
}

async function shot(page, name) {
	await page.screenshot({ path: path.join(ART, `${name}.png`), fullPage: true });
}

const pending = (page) => page.evaluate(() => window.reifegradPending());
const surveyUrl = () => `/survey.html?wave=${fx.wave}`;
const item = (id) => id.replace('.', '\\.');

// ---------- tests: public pages ----------

test('home page says what the check is, for whom, what happens with the data, and links to sign-in', [], async () => {
	const page = await newPage();
	await page.goto(BASE + '/');
	eq(await page.getAttribute('html', 'lang'), 'de', 'German by default');
	assert(/Reifegradcheck/.test(await page.textContent('h1')), 'h1 names the check');
	for (const id of ['what', 'who', 'privacy', 'signin']) assert(await page.locator(`#${id} h2`).count() === 1, `section #${id} with a heading`);
	assert(/mindestens fünf/.test(await page.textContent('#privacy')), 'privacy in plain words (k = 5)');
	assert(await page.locator('main a[href="/login.html"]').count() >= 1, 'sign-in link');
	await shot(page, 'home-de');
	noErrors(page);
	await page.context().close();
});

test('language switch: visible button turns the page English, is remembered, and switches back', [], async () => {
	const page = await newPage();
	await page.goto(BASE + '/');
	const sw = page.locator('button.lang-switch');
	eq((await sw.textContent()).trim(), 'English', 'switch label');
	await sw.click();
	eq(await page.getAttribute('html', 'lang'), 'en', 'lang after switch');
	assert(/maturity check/i.test(await page.textContent('h1')), 'English heading');
	assert(/Skip to content/.test(await page.textContent('.skip-link')), 'skip link translated');
	eq(await page.evaluate(() => document.activeElement.classList.contains('lang-switch')), true, 'focus stays on the switch');
	await page.reload();
	eq(await page.getAttribute('html', 'lang'), 'en', 'remembered after reload');
	await shot(page, 'home-en');
	await page.click('button.lang-switch');
	eq(await page.getAttribute('html', 'lang'), 'de', 'back to German');
	noErrors(page);
	await page.context().close();
});

test('accessibility: home, sign-in and invitation pages (axe, 1280 and 360 px, keyboard focus visible)', [], async () => {
	for (const width of [1280, 360]) {
		const page = await newPage({ width });
		for (const p of ['/', '/login.html', '/invitation.html#token=x']) {
			await page.goto(BASE + p);
			await page.waitForSelector('main h1');
			// Layout does not change what axe checks much: the narrow
			// width gets one scan, every page the overflow check.
			if (width === 1280 || p === '/') await axe(page, `${p} at ${width}px`);
			await noOverflow(page, `${p} at ${width}px`);
		}
		await page.goto(BASE + '/login.html');
		await page.keyboard.press('Tab');
		eq(await page.evaluate(() => document.activeElement.className), 'skip-link', 'first Tab reaches the skip link');
		const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
		assert(outline !== 'none', 'focus is visible');
		noErrors(page);
		await page.context().close();
	}
});

// ---------- tests: session ----------

test('sign-in: a wrong password gets a clear error, the right one leads to the dashboard, sign-out ends the session', ['/login', '/me'], async () => {
	const page = await newPage();
	await page.goto(BASE + '/login.html');
	await page.fill('#login-email', email('login'));
	await page.fill('#login-password', 'wrong-password-wrong');
	await page.click('form.login-form button[type=submit]');
	await page.waitForSelector('#login-error:not([hidden])');
	assert(/nicht richtig/.test(await page.textContent('#login-error')), 'error says what is wrong');
	eq(await page.evaluate(() => document.activeElement.id), 'login-error', 'focus moves to the error');
	await page.fill('#login-password', PASSWORD);
	await Promise.all([page.waitForURL(/dashboard\.html/), page.click('form.login-form button[type=submit]')]);
	await page.waitForSelector('main h1');
	assert((await page.textContent('.site-header')).includes(`E2E login`), 'header names the person');
	await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.click('button.sign-out')]);
	await page.goto(BASE + '/dashboard.html');
	await page.waitForURL(/login\.html\?next=/);
	noErrors(page);
	await page.context().close();
});

test('invitation: the invited person sets name and password and is signed in', ['/login', '/invitations', '/invitations/accept'], async () => {
	const coord = await apiLogin(email('coord'));
	const orgs = await apiCall(coord, 'GET', `/organisations?q=${encodeURIComponent(`E2E-Stadt ${RUN}`)}`);
	eq(orgs.status, 200, 'organisations list');
	const org = (orgs.body.items || []).find((o) => o.key === fx.orgKey);
	assert(org, 'fixture organisation listed');
	const inv = await apiCall(coord, 'POST', '/invitations', { email: email('invited'), role: 'respondent', organisation_id: org.id });
	eq(inv.status, 201, 'invitation created');
	const url = new URL(inv.body.accept_url, BASE);
	const page = await newPage();
	await page.goto(BASE + url.pathname + url.search + url.hash);
	await page.waitForSelector('#inv-name');
	await page.fill('#inv-name', 'Ina Eingeladen');
	await page.fill('#inv-password', 'short');
	await page.fill('#inv-password2', 'short');
	await page.click('main form button[type=submit]');
	await page.waitForSelector('#inv-errors:not([hidden])');
	eq(await page.getAttribute('#inv-password', 'aria-invalid'), 'true', 'short password marked invalid');
	await page.fill('#inv-password', 'ein langes sicheres Passwort');
	await page.fill('#inv-password2', 'ein langes sicheres Passwort');
	await Promise.all([page.waitForURL(/dashboard\.html/), page.click('main form button[type=submit]')]);
	await page.waitForSelector('main h1');
	assert((await page.textContent('.site-header')).includes('Ina Eingeladen'), 'signed in under the new name');
	// The same link a second time is gone.
	const page2 = await newPage();
	await page2.goto(BASE + url.pathname + url.search + url.hash);
	await page2.fill('#inv-name', 'Noch mal');
	await page2.fill('#inv-password', 'ein langes sicheres Passwort');
	await page2.fill('#inv-password2', 'ein langes sicheres Passwort');
	await page2.click('main form button[type=submit]');
	await page2.waitForSelector('.notice.error');
	assert(/abgelaufen|verwendet/.test(await page2.textContent('main')), 'used invitation explained');
	noErrors(page);
	await page.context().close();
	await page2.context().close();
});

// ---------- tests: the respondent's survey ----------

const RESPONSE = ['/login', '/waves', '/waves/1/response', '/waves/1/response/submit'];

test('dashboard: the open wave shows "not started", then a draft with progress', RESPONSE, async () => {
	const page = await newPage();
	await signIn(page, 'resp');
	const card = page.locator('.card', { hasText: fx.waveTitle });
	await card.waitFor();
	assert(/Noch nicht begonnen/.test(await card.textContent()), 'not started');
	await Promise.all([page.waitForURL(/survey\.html/), card.getByRole('link', { name: 'Fragebogen beginnen' }).click()]);
	await page.waitForSelector('.item');
	// Leaving the page right after a change still saves it.
	await page.click('.survey-nav a[href="#D8"]');
	await page.check('#lv-D8\\.5-2');
	await page.goto(BASE + '/dashboard.html');
	const card2 = page.locator('.card', { hasText: fx.waveTitle });
	await card2.waitFor();
	let text = await card2.textContent();
	for (let i = 0; i < 10 && !/Entwurf/.test(text); i++) {
		await page.waitForTimeout(300);
		await page.reload();
		text = await page.locator('.card', { hasText: fx.waveTitle }).textContent();
	}
	assert(/Entwurf/.test(text) && /1 von 45/.test(text), `draft with progress: ${text}`);
	assert(await card2.locator('[role=progressbar][aria-valuenow="1"]').count() === 1, 'progress bar on the card');
	noErrors(page);
	await page.context().close();
});

test('survey: keyboard answering, autosave within 2 s, progress bar and per-dimension progress', RESPONSE, async () => {
	const page = await newPage();
	await signIn(page, 'resp', surveyUrl());
	await page.waitForSelector('#lv-D1\\.1-0');
	const bar = page.locator('.survey-head [role=progressbar]');
	const start = Number(await bar.getAttribute('aria-valuenow'));
	eq(await bar.getAttribute('aria-valuemax'), '45', 'progress max is the number of items');
	// Keyboard only: focus the first radio, arrow to level 2.
	await page.focus('#lv-D1\\.1-0');
	await page.keyboard.press('Space');
	await page.keyboard.press('ArrowDown');
	await page.keyboard.press('ArrowDown');
	eq(await page.isChecked('#lv-D1\\.1-2'), true, 'arrow keys choose level 2');
	const put = page.waitForResponse((r) => r.url().includes('/response') && r.request().method() === 'PUT');
	const t0 = Date.now();
	await page.check('#lv-D1\\.2-3');
	const res = await put;
	eq(res.status(), 200, 'autosave PUT');
	assert(Date.now() - t0 < 2000, `saved within 2 s (took ${Date.now() - t0} ms)`);
	await page.waitForFunction(() => window.reifegradPending() === 0);
	await page.waitForSelector('.save-status[data-state=saved]');
	eq(await bar.getAttribute('aria-valuenow'), String(start + 2), 'progress counts two more answers');
	// n/a counts as answered; target and comment are saved too.
	await page.check('#lv-D1\\.3-na');
	await page.selectOption('#tg-D1\\.2', '4');
	await page.fill('#cm-D1\\.2', 'Strategie ist im Entwurf – Beschluss im Herbst.');
	await page.waitForFunction(() => window.reifegradPending() === 0, null, { timeout: 5000 });
	eq(await bar.getAttribute('aria-valuenow'), String(start + 3), 'n/a counts as answered');
	assert(/3\/6/.test(await page.textContent('.survey-nav a[href="#D1"]')), 'navigation shows 3/6 for D1');
	// Reload: everything is there.
	await page.reload();
	await page.waitForSelector('#lv-D1\\.1-0');
	eq(await page.isChecked('#lv-D1\\.1-2'), true, 'level kept');
	eq(await page.isChecked('#lv-D1\\.3-na'), true, 'n/a kept');
	eq(await page.inputValue('#tg-D1\\.2'), '4', 'target kept');
	eq(await page.inputValue('#cm-D1\\.2'), 'Strategie ist im Entwurf – Beschluss im Herbst.', 'comment kept');
	// Next dimension by the bottom link moves focus to its heading.
	await page.click('.dim-nav a[href="#D2"]');
	await page.waitForSelector('#q-D2\\.1');
	eq(await page.evaluate(() => document.activeElement.id), 'view-title', 'focus on the new dimension heading');
	await shot(page, 'survey-d2');
	noErrors(page);
	await page.context().close();
});

test('survey: offline changes stay in the browser (also across a reload) and are saved when the connection is back', RESPONSE, async () => {
	const page = await newPage();
	await signIn(page, 'resp', surveyUrl() + '#D2');
	await page.waitForSelector('#lv-D2\\.1-0');
	await page.context().setOffline(true);
	await page.check('#lv-D2\\.1-1');
	await page.waitForSelector('.save-status[data-state=offline]', { timeout: 5000 });
	eq(await pending(page), 1, 'one answer waits');
	const stored = await page.evaluate(() => Object.entries(localStorage).filter(([k]) => k.startsWith('rg:pending:')).map(([, v]) => JSON.parse(v).pending));
	assert(stored.length === 1 && stored[0]['D2.1'] && stored[0]['D2.1'].level === 1, 'kept in localStorage');
	await page.context().setOffline(false);
	// Leave and come back: the page restores and saves what was left.
	await page.goto('about:blank');
	await page.goto(BASE + surveyUrl() + '#D2');
	await page.waitForSelector('#lv-D2\\.1-0');
	eq(await page.isChecked('#lv-D2\\.1-1'), true, 'restored from the browser');
	await page.waitForFunction(() => window.reifegradPending() === 0, null, { timeout: 5000 });
	const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('rg:pending:')).length);
	eq(left, 0, 'localStorage cleared once acknowledged');
	const resp = await apiCall(await apiLogin(email('colleague')), 'GET', `/waves/${fx.wave}/response`);
	eq(resp.body.answers['D2.1'].level, 1, 'the server has it');
	noErrors(page);
	await page.context().close();
});

test('survey: on a stale revision the colleague\'s change is shown and the own unsaved change is kept', RESPONSE, async () => {
	const page = await newPage();
	await signIn(page, 'resp', surveyUrl() + '#D3');
	await page.waitForSelector('#lv-D3\\.1-0');
	// A colleague saves in between (through the API).
	const colleague = await apiLogin(email('colleague'));
	const cur = await apiCall(colleague, 'GET', `/waves/${fx.wave}/response`);
	const put = await apiCall(colleague, 'PUT', `/waves/${fx.wave}/response`, { revision: cur.body.revision, answers: { 'D3.2': { level: 4 } } });
	eq(put.status, 200, 'colleague saved');
	await page.check('#lv-D3\\.1-3');
	await page.waitForSelector('.notice.conflict', { timeout: 6000 });
	const text = await page.textContent('.notice.conflict');
	assert(text.includes('D3.2') && /Stufe 4/.test(text), `notice names the colleague's change: ${text}`);
	assert(text.includes('E2E colleague'), 'notice names the colleague');
	await page.waitForFunction(() => window.reifegradPending() === 0, null, { timeout: 6000 });
	eq(await page.isChecked('#lv-D3\\.2-4'), true, 'colleague\'s answer shown');
	eq(await page.isChecked('#lv-D3\\.1-3'), true, 'own answer kept');
	const after = await apiCall(colleague, 'GET', `/waves/${fx.wave}/response`);
	eq(after.body.answers['D3.1'].level, 3, 'own answer saved');
	eq(after.body.answers['D3.2'].level, 4, 'colleague answer intact');
	await shot(page, 'survey-conflict');
	await axe(page, 'survey with conflict notice');
	noErrors(page);
	await page.context().close();
});

test('survey: an expired session asks to sign in again and loses nothing', RESPONSE, async () => {
	const page = await newPage();
	await signIn(page, 'resp', surveyUrl() + '#D4');
	await page.waitForSelector('#lv-D4\\.1-0');
	await page.context().clearCookies();
	await page.check('#lv-D4\\.1-2');
	await page.waitForSelector('dialog.reauth[open]', { timeout: 5000 });
	eq(await pending(page), 1, 'the change waits');
	await axe(page, 'sign-in dialog');
	await page.fill('#reauth-password', PASSWORD);
	await page.click('dialog.reauth button[type=submit]');
	await page.waitForFunction(() => window.reifegradPending() === 0, null, { timeout: 5000 });
	const resp = await apiCall(await apiLogin(email('colleague')), 'GET', `/waves/${fx.wave}/response`);
	eq(resp.body.answers['D4.1'].level, 2, 'saved after signing in again');
	noErrors(page);
	await page.context().close();
});

test('survey: submit confirms, lists open required items, then submits; the survey becomes read-only', RESPONSE, async () => {
	const page = await newPage();
	await signIn(page, 'resp', surveyUrl() + '#submit');
	await page.waitForSelector('#submit-open');
	await page.click('#submit-open');
	await page.waitForSelector('dialog.submit-dialog[open]');
	const dlg = await page.textContent('dialog.submit-dialog');
	assert(dlg.includes('D1.4') && dlg.includes('D8.4'), 'open required items listed');
	assert(!dlg.includes('D7.7 '), 'optional item not listed');
	eq(await page.locator('dialog.submit-dialog .confirm-submit').count(), 0, 'no submit while required items are open');
	await axe(page, 'submit dialog with open items');
	await page.keyboard.press('Escape');
	// Answer the rest through the API (as a colleague), keep D7.7 open.
	const colleague = await apiLogin(email('colleague'));
	const cur = await apiCall(colleague, 'GET', `/waves/${fx.wave}/response`);
	const def = await apiCall(colleague, 'GET', `/questionnaires/${(await apiWave(colleague, fx.wave)).questionnaire_id}`);
	const answers = {};
	for (const d of def.body.dimensions) for (const it of d.items) {
		if (!cur.body.answers[it.id] && it.required !== false) answers[it.id] = { level: (it.id.charCodeAt(1) + it.id.length) % 5 };
	}
	eq((await apiCall(colleague, 'PUT', `/waves/${fx.wave}/response`, { revision: cur.body.revision, answers })).status, 200, 'rest answered');
	await page.reload();
	await page.waitForSelector('#submit-open');
	assert(/Alle Pflichtfragen/.test(await page.textContent('main')), 'all required answered');
	await page.click('#submit-open');
	await page.waitForSelector('dialog.submit-dialog[open] .confirm-submit');
	await page.click('dialog.submit-dialog .confirm-submit');
	await page.waitForSelector('.notice.ok >> text=abgegeben');
	assert(/Gesamtwert/.test(await page.textContent('main')), 'score shown after submit');
	await page.click('.survey-nav a[href="#D1"]');
	eq(await page.isDisabled('#lv-D1\\.1-0'), true, 'read-only after submit');
	await shot(page, 'survey-submitted');
	noErrors(page);
	await page.context().close();
});

test('accessibility: dashboard and survey pages (axe at 1280 and 360 px, no horizontal scrolling)', RESPONSE, async () => {
	for (const width of [1280, 360]) {
		const page = await newPage({ width });
		await signIn(page, 'colleague');
		for (const p of ['/dashboard.html', surveyUrl() + '#D1', surveyUrl() + '#submit']) {
			await page.goto(BASE + p);
			await page.waitForSelector('main h1');
			await page.waitForLoadState('networkidle');
			if (width === 1280 || p.endsWith('#D1')) await axe(page, `${p} at ${width}px`);
			await noOverflow(page, `${p} at ${width}px`);
		}
		await page.goto(BASE + '/dashboard.html');
		await page.click('button.lang-switch');
		await page.waitForSelector('html[lang=en]');
		if (width === 1280) await axe(page, 'dashboard in English');
		await shot(page, `dashboard-en-${width}`);
		await page.click('button.lang-switch');
		noErrors(page);
		await page.context().close();
	}
});

// ---------- tests: results ----------

test('results: scores against peers with a table beside the chart, peer selector, recommendations, print layout', [...RESPONSE, '/waves/1/benchmark'], async () => {
	const page = await newPage();
	await signIn(page, 'resp', `/results.html?wave=${fx.wave}`);
	await page.waitForSelector('main h1');
	await page.waitForLoadState('networkidle');
	const main = await page.textContent('main');
	assert(/Ergebnisse/.test(main), 'results heading');
	// What the API says decides what the page must show: with a benchmark
	// (200) the full report, otherwise a plain notice.
	const bench = await apiCall(await apiLogin(email('colleague')), 'GET', `/waves/${fx.wave}/benchmark?peers=auto`);
	if (bench.status !== 200) {
		assert(await page.locator('main .notice').count() >= 1, `benchmark ${bench.status}: the page explains it`);
		noErrors(page);
		await page.context().close();
		return;
	}
	assert(await page.locator('#peer-select').count() === 1, 'peer group selector');
	assert(await page.locator('.kpis').count() === 1, 'key figures');
	eq(await page.locator('.compare-table tbody tr').count(), 9, 'a row per dimension and overall');
	assert(await page.locator('canvas[role=img][aria-label]').count() >= 1, 'chart named, pointing to the table');
	eq(await page.locator('.recs > li').count(), 8, 'recommendations per dimension');
	await page.selectOption('#peer-select', 'network');
	await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'peer-select' && !document.activeElement.disabled, null, { timeout: 5000 });
	eq(await page.inputValue('#peer-select'), 'network', 'the chosen peer group stays selected');
	await axe(page, 'results');
	await page.emulateMedia({ media: 'print' });
	eq(await page.isVisible('.site-header'), false, 'print: no header');
	eq(await page.isVisible('.report-head'), true, 'print: report head');
	await shot(page, 'results-print');
	await page.emulateMedia({ media: 'screen' });
	noErrors(page);
	await page.context().close();
});

// ---------- tests: coordination, research, administration ----------

test('coordinator: create a wave, open and close it with confirmation, invite a member (axe clean)', ['/login', '/waves', '/waves/1', '/invitations', '/organisations'], async () => {
	const page = await newPage();
	await signIn(page, 'coord');
	await page.waitForSelector('#waves-title');
	await axe(page, 'coordinator page');
	const title = `E2E-Koordinationswelle ${RUN}`;
	await page.click('details.new-wave summary');
	await page.fill('#nw-title', title);
	await page.fill('#nw-opens', '2030-01-01');
	await page.fill('#nw-closes', '2030-03-31');
	await page.click('details.new-wave button[type=submit]');
	await page.waitForSelector(`#coord-message >> text=${title}`);
	const row = page.locator('.waves-table tr', { hasText: title });
	assert(/geplant/.test(await row.textContent()), 'new wave is planned');
	await row.locator('button.wave-open').click();
	await page.click('dialog.confirm-dialog .confirm-yes');
	await page.waitForSelector('#coord-message >> text=offen');
	assert(/offen/.test(await page.locator('.waves-table tr', { hasText: title }).textContent()), 'wave open');
	await page.locator('.waves-table tr', { hasText: title }).locator('button.wave-close').click();
	await page.click('dialog.confirm-dialog .confirm-yes');
	await page.waitForSelector('#coord-message >> text=geschlossen');
	// Invite a respondent of the fixture municipality.
	const form = page.locator('form.invite-form');
	await form.locator('input[type=email]').fill(email('coord-invited'));
	await form.locator('input[type=search]').fill(`E2E-Stadt ${RUN}`);
	await page.waitForFunction(() => { const s = document.querySelector('form.invite-form select'); return s && s.value !== ''; });
	await form.locator('button[type=submit]').click();
	await page.waitForSelector('.invite-link');
	assert(/invitation\.html#token=/.test(await page.inputValue('.invite-link')), 'one-time link shown');
	await shot(page, 'coordinator');
	noErrors(page);
	await page.context().close();
});

test('coordinator: participation overview with charts and tables, CSV download', ['/login', '/waves/1/overview'], async () => {
	const page = await newPage();
	await signIn(page, 'coord');
	await page.selectOption('#ov-wave', fx.wave);
	await page.waitForLoadState('networkidle');
	assert(await page.locator('.members-table').count() === 1, 'members table');
	const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#ov-csv')]);
	assert(/\.csv$/.test(dl.suggestedFilename()), 'CSV offered');
	// The server's CSV (GET /waves/{id}/overview.csv), not one the page made.
	const csv = readFileSync(await dl.path(), 'utf8');
	eq(csv.split('\r\n')[0], 'id,name,state,size_class,size_class_label,status,answered,consent_named,overall,stage', 'CSV header of the server');
	assert(csv.includes(`E2E-Stadt ${RUN}`), 'the fixture municipality is a row');
	await axe(page, 'coordinator overview');
	noErrors(page);
	await page.context().close();
});

test('researcher: exports are offered with their codebook', ['/login', '/waves/1/codebook.json'], async () => {
	const page = await newPage();
	await signIn(page, 'admin', '/researcher.html');
	await page.waitForSelector('#dl-title');
	assert(await page.locator('a[href$="export.csv"]').count() === 1, 'CSV export link');
	await axe(page, 'researcher page');
	noErrors(page);
	await page.context().close();
});

test('admin: a questionnaire upload with errors lists every problem by its path', ['/login', '/questionnaires'], async () => {
	const page = await newPage();
	await signIn(page, 'admin');
	await page.waitForSelector('#q-file');
	const bad = JSON.parse(readFileSync(path.join(ROOT, 'sql/questionnaires/smart-city-reifegrad-v1.json'), 'utf8'));
	bad.slug = 'Kein gültiger Slug!';
	delete bad.dimensions[0].items[1].levels['3'];
	bad.dimensions[2].weight = -1;
	await page.setInputFiles('#q-file', { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) });
	await page.click('form.upload-form button[type=submit]');
	await page.waitForSelector('.upload-errors');
	const paths = await page.locator('.upload-errors code').allTextContents();
	assert(paths.length >= 2 && paths.every((p) => p.startsWith('/')), `problems by path: ${paths.join(', ')}`);
	eq(await page.evaluate(() => document.activeElement.id), 'upload-result', 'focus on the result');
	await axe(page, 'admin page with upload errors');
	await page.setInputFiles('#q-file', { name: 'not.json', mimeType: 'application/json', buffer: Buffer.from('{"slug":') });
	await page.click('form.upload-form button[type=submit]');
	await page.waitForSelector('#upload-result >> text=kein gültiges JSON');
	await shot(page, 'admin');
	noErrors(page);
	await page.context().close();
});

test('admin: accounts are listed and searched, and a role changes after confirmation', ['/login', '/users'], async () => {
	const page = await newPage();
	await signIn(page, 'admin');
	await page.waitForSelector('table.users');
	await page.fill('#users-q', email('roleuser'));
	await page.click('form.users-filter button[type=submit]');
	await page.waitForSelector('#users-message.notice.ok');
	eq(await page.locator('table.users tbody tr').count(), 1, 'the search finds the one account');
	const row = page.locator('table.users tbody tr', { hasText: email('roleuser') });
	eq(await row.locator('select.role-select').inputValue(), 'researcher', 'its role is selected');
	await row.locator('select.role-select').selectOption('coordinator');
	await row.locator('button.role-save').click();
	await page.click('dialog.confirm-dialog .confirm-yes');
	await page.waitForSelector('#users-message >> text=Koordination');
	eq(await row.locator('select.role-select').inputValue(), 'coordinator', 'the row shows the new role');
	const check = await apiCall(await apiLogin(email('admin')), 'GET', `/users?q=${encodeURIComponent(email('roleuser'))}`);
	eq(check.body.items.length === 1 && check.body.items[0].role, 'coordinator', 'the API says coordinator');
	await axe(page, 'admin accounts');
	noErrors(page);
	await page.context().close();
});

// ---------- run ----------

async function main() {
	const started = Date.now();
	let n = 0;
	let failed = 0;
	try {
		setup();
	} catch (e) {
		console.log(`not ok 1 - e2e fixture (users, wave) could be set up`);
		console.log(`# ${String(e.message).split('\n').join('\n# ')}`);
		console.log('1..1');
		process.exit(1);
	}
	browser = await chromium.launch(LAUNCH);
	for (const tc of tests) {
		if (FILTER && !tc.name.includes(FILTER)) continue;
		const missing = [];
		for (const p of tc.needs) if (!(await routeExists(p))) missing.push(p);
		if (missing.length) {
			console.log(`# skip: ${tc.name} (API not there yet: ${missing.join(', ')})`);
			continue;
		}
		if (Date.now() - started > SUITE_DEADLINE_MS) {
			n += 1; failed += 1;
			console.log(`not ok ${n} - ${tc.name}`);
			console.log('# the e2e suite ran out of its time budget');
			continue;
		}
		n += 1;
		const t0 = Date.now();
		try {
			await tc.fn();
			console.log(`ok ${n} - ${tc.name} (${Date.now() - t0} ms)`);
		} catch (e) {
			if (e instanceof Skip) { n -= 1; console.log(`# skip: ${tc.name}: ${e.message}`); continue; }
			failed += 1;
			console.log(`not ok ${n} - ${tc.name}`);
			console.log(`# ${String(e && e.stack || e).split('\n').slice(0, 6).join('\n# ')}`);
			for (const ctx of browser.contexts()) {
				for (const p of ctx.pages()) {
					await p.screenshot({ path: path.join(ART, `fail-${n}.png`), fullPage: true }).catch(() => {});
				}
			}
		}
		for (const ctx of browser.contexts()) await ctx.close().catch(() => {});
	}
	await browser.close();
	console.log(`1..${n}`);
	console.log(`# e2e: ${n - failed} passed, ${failed} failed in ${Math.round((Date.now() - started) / 1000)} s`);
	process.exit(failed ? 1 : 0);
}

main().catch((e) => {
	console.log(`not ok 1 - e2e suite crashed: ${e && e.message}`);
	process.exit(1);
});
