// charts.js: Chart.js (vendored from npm into /vendor by deploy/vendor-site)
// loaded on demand, and the charts the site draws. Every chart is a canvas
// with role="img" and a name that points to the table beside it, which
// carries the same numbers; nothing is told by colour alone (shapes and
// dash patterns differ too). Without the library the tables remain.
import { h } from './dom.js';

let loading = null;
const live = new Set();

export function chartLib() {
	if (!loading) {
		loading = import('/vendor/chart.umd.js')
			.then(() => globalThis.Chart || null)
			.catch(() => null);
	}
	return loading;
}

const INK = '#1a1a1a';
const GRID = '#c8ccd2';
export const PALETTE = ['#004b87', '#b3261e', '#1d6b2f', '#8a4f00', '#5b2a86', '#00727a', '#6b6b00', '#a8326e', '#3d3d3d'];
export const POINTS = ['circle', 'rect', 'triangle', 'rectRot', 'star', 'crossRot', 'rectRounded', 'cross', 'line'];
export const DASHES = [[], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [1, 3], [10, 4], [3, 6], [12, 2]];

function base(Chart) {
	Chart.defaults.color = INK;
	Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
	Chart.defaults.font.size = 13;
	Chart.defaults.animation = false;
	Chart.defaults.devicePixelRatio = Math.max(2, window.devicePixelRatio || 1);
}

// canvasBox(label, height): the canvas in a sized box; label names it.
export function canvasBox(label, heightRem = 18) {
	const canvas = h('canvas', { role: 'img', 'aria-label': label });
	canvas.textContent = label;
	const box = h('div', { class: 'chart-box' }, canvas);
	box.style.height = `${heightRem}rem`;
	return { box, canvas };
}

// draw(canvas, config): a chart on the canvas (or nothing without the
// library); returns the chart.
export async function draw(canvas, config) {
	const Chart = await chartLib();
	if (!Chart || !canvas.isConnected) return null;
	base(Chart);
	const old = Chart.getChart(canvas);
	if (old) { old.destroy(); live.delete(old); }
	config.options = { responsive: true, maintainAspectRatio: false, ...config.options };
	const chart = new Chart(canvas, config);
	live.add(chart);
	return chart;
}

// Print: charts are drawn for the page width of A4, then back.
function resizeAll() {
	for (const c of live) {
		if (!c.canvas.isConnected) { live.delete(c); continue; }
		c.resize();
	}
}
window.addEventListener('beforeprint', () => {
	for (const c of live) if (c.canvas.isConnected) c.resize(640, c.canvas.parentElement.clientHeight || 300);
});
window.addEventListener('afterprint', resizeAll);

export const gridColor = GRID;

// pattern(color, kind): a fill that differs by texture as well as colour
// ('solid', 'hatch', 'dots'), so stacked bars do not rely on colour alone.
export function pattern(color, kind) {
	if (kind === 'solid') return color;
	const c = document.createElement('canvas');
	c.width = 8;
	c.height = 8;
	const g = c.getContext('2d');
	g.fillStyle = '#ffffff';
	g.fillRect(0, 0, 8, 8);
	g.strokeStyle = color;
	g.fillStyle = color;
	if (kind === 'hatch') {
		g.lineWidth = 2;
		g.beginPath();
		g.moveTo(0, 8); g.lineTo(8, 0);
		g.moveTo(-2, 2); g.lineTo(2, -2);
		g.moveTo(6, 10); g.lineTo(10, 6);
		g.stroke();
	} else {
		g.beginPath();
		g.arc(4, 4, 1.6, 0, Math.PI * 2);
		g.fill();
	}
	return g.createPattern(c, 'repeat');
}
