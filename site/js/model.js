// model.js: pure helpers on the questionnaire definition, answers and
// scores, the same rules as API.md ("Definitions") so the site can show
// progress and gaps before the server has answered.

// isAnswered(a): a level 0..4 or "not applicable / don't know".
export function isAnswered(a) {
	return !!a && (a.na === true || Number.isInteger(a.level));
}

export function allItems(def) {
	return def.dimensions.flatMap((d) => d.items);
}

export function isRequired(item) {
	return item.required !== false;
}

// progress(def, answers) counts answered items overall and per dimension
// and lists the required items still open.
export function progress(def, answers) {
	const dims = {};
	let answered = 0;
	let total = 0;
	const openRequired = [];
	for (const d of def.dimensions) {
		let da = 0;
		const open = [];
		for (const it of d.items) {
			if (isAnswered(answers[it.id])) da += 1;
			else if (isRequired(it)) open.push(it);
		}
		dims[d.id] = { answered: da, total: d.items.length, openRequired: open };
		answered += da;
		total += d.items.length;
		openRequired.push(...open);
	}
	return { answered, total, dims, openRequired };
}

// dimensionScore(dim, values): 100 × mean / 4 over the given per-item
// values (null: not counted); null when fewer than half the items have
// one.
export function dimensionScore(dim, valueOf) {
	const vals = dim.items.map((it) => valueOf(it)).filter((v) => Number.isInteger(v));
	if (vals.length === 0 || vals.length * 2 < dim.items.length) return null;
	return (100 * vals.reduce((s, v) => s + v, 0)) / vals.length / 4;
}

// targetScore(dim, answers): the dimension score the targets would give,
// where an item without a target counts with its current level.
export function targetScore(dim, answers) {
	const hasTarget = dim.items.some((it) => answers[it.id] && Number.isInteger(answers[it.id].target));
	if (!hasTarget) return null;
	return dimensionScore(dim, (it) => {
		const a = answers[it.id];
		if (!a || a.na) return null;
		if (Number.isInteger(a.target)) return a.target;
		return Number.isInteger(a.level) ? a.level : null;
	});
}

export const STAGES = ['einsteiger', 'aufbauend', 'fortgeschritten', 'etabliert', 'vorreiter'];

// stageOf(score): the stage id of a 0..100 score (bounds 20/40/60/80).
export function stageOf(score) {
	if (score === null || score === undefined || Number.isNaN(score)) return null;
	if (score < 20) return STAGES[0];
	if (score < 40) return STAGES[1];
	if (score < 60) return STAGES[2];
	if (score < 80) return STAGES[3];
	return STAGES[4];
}

// items(list): the array of a list answer ({items: []} or a plain array).
export function items(list) {
	if (Array.isArray(list)) return list;
	return (list && list.items) || [];
}

// sameAnswer(a, b): two answers (or nulls) say the same.
export function sameAnswer(a, b) {
	return JSON.stringify(normalise(a)) === JSON.stringify(normalise(b));
}

// normalise(a): the answer as the API takes it (fields only when set),
// or null when nothing is left.
export function normalise(a) {
	if (!a) return null;
	const out = {};
	if (a.na === true) out.na = true;
	else if (Number.isInteger(a.level)) out.level = a.level;
	if (Number.isInteger(a.target)) out.target = a.target;
	if (typeof a.comment === 'string' && a.comment !== '') out.comment = a.comment;
	if (Object.keys(out).length === 0) return null;
	if (!('na' in out)) out.na = false;
	return out;
}
