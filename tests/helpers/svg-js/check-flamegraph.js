// Runs the script of a perfeng flame graph SVG against a small stand-in for
// the browser's DOM (no dependencies), and prints what a user would see after
// each action, as JSON lines:
//   node check-flamegraph.js FILE.svg ACTION...
// ACTION: "click:NAME" (the first frame named NAME), "key:Escape",
// "search:TEXT" (as if typed at the prompt), "frame:NAME" (print that
// frame's rect x, width, display and class), "matched" (the bottom line).
'use strict';
const fs = require('fs');

const svg = fs.readFileSync(process.argv[2], 'utf8');
const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"')
	.replace(/&#39;/g, "'").replace(/&#9;/g, '\t').replace(/&amp;/g, '&');

class Elem {
	constructor(attrs = {}, text = '') {
		this.attrs = Object.assign({}, attrs);
		this.textContent = text;
		this.kids = {};
		this.listeners = {};
		this.style = { display: '' };
		const cls = new Set((attrs.class || '').split(' ').filter(Boolean));
		this.classList = { add: (c) => cls.add(c), remove: (c) => cls.delete(c), contains: (c) => cls.has(c),
			toString: () => [...cls].join(' ') };
	}
	getAttribute(k) { return k in this.attrs ? this.attrs[k] : null; }
	setAttribute(k, v) { this.attrs[k] = String(v); }
	getElementsByTagName(t) { return this.kids[t] || []; }
	addEventListener(ev, fn) { (this.listeners[ev] = this.listeners[ev] || []).push(fn); }
	fire(ev, arg) { (this.listeners[ev] || []).forEach((fn) => fn(arg || {})); }
}
const attrsOf = (s) => {
	const a = {};
	for (const m of s.matchAll(/([\w-]+)="([^"]*)"/g)) a[m[1]] = unescape(m[2]);
	return a;
};

const byId = {};
for (const m of svg.matchAll(/<text id="(\w+)"([^>]*)>([^<]*)<\/text>/g))
	byId[m[1]] = new Elem(Object.assign(attrsOf(m[2]), { id: m[1] }), unescape(m[3]));
const frames = [];
const re = /<g( data-merged="1")?><title>([\s\S]*?)<\/title><rect ([^>]*)\/><text ([^>]*)>([\s\S]*?)<\/text><\/g>/g;
for (const m of svg.matchAll(re)) {
	const g = new Elem(m[1] ? { 'data-merged': '1' } : {});
	g.kids.title = [new Elem({}, unescape(m[2]))];
	g.kids.rect = [new Elem(attrsOf(m[3]))];
	g.kids.text = [new Elem(attrsOf(m[4]), unescape(m[5]))];
	g.name = unescape(m[2]).split('\n')[0];
	frames.push(g);
}
byId.frames = new Elem({ id: 'frames' });
byId.frames.kids.g = frames;
const doc = new Elem();
doc.getElementById = (id) => byId[id] || null;
let answer = null;
const win = { prompt: () => answer };
const script = svg.split('<![CDATA[')[1].split(']]>')[0];
new Function('document', 'window', script)(doc, win);

const find = (name) => {
	const f = frames.find((g) => g.name === name);
	if (!f) throw new Error('no frame named ' + name);
	return f;
};
for (const action of process.argv.slice(3)) {
	const [what, ...rest] = action.split(':');
	const arg = rest.join(':');
	if (what === 'click') find(arg).fire('click');
	else if (what === 'key') doc.fire('keydown', { key: arg, preventDefault() {} });
	else if (what === 'search') { answer = arg; byId.search.fire('click'); }
	else if (what === 'frame') {
		const f = find(arg), r = f.kids.rect[0];
		console.log(JSON.stringify({ frame: arg, x: +r.getAttribute('x'), width: +r.getAttribute('width'),
			display: f.style.display, class: f.classList.toString(), label: f.kids.text[0].textContent,
			fill: r.getAttribute('fill') }));
	} else if (what === 'matched') console.log(JSON.stringify({ matched: byId.matched.textContent, search: byId.search.textContent }));
	else if (what === 'unzoom') console.log(JSON.stringify({ unzoom: byId.unzoom.classList.toString() }));
	else throw new Error('unknown action ' + action);
}
