// Opens a page of perfeng report in headless Chromium (Debian's, driven by
// playwright-core) for tests/e2e/t7100-report.sh, and prints what it saw as
// JSON: console errors, requests that left the file, the runs' sections,
// the points of each chart, and whether the flame graph zooms on a click.
// Writes a screenshot. Usage: node check.mjs PAGE.html SHOT.png [WIDTH]
import { chromium } from "playwright-core";

const [page_path, shot, width] = process.argv.slice(2);
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	args: ["--no-sandbox", "--disable-gpu"],
});
const out = { console_errors: [], requests: [] };
try {
	const context = await browser.newContext({ viewport: { width: +(width || 1200), height: 900 } });
	const page = await context.newPage();
	page.on("console", (m) => { if (m.type() === "error") out.console_errors.push(m.text()); });
	page.on("pageerror", (e) => out.console_errors.push(String(e)));
	page.on("request", (r) => {
		const u = r.url();
		if (!u.startsWith("file:") && !u.startsWith("data:") && !u.startsWith("about:")) out.requests.push(u);
	});
	await page.goto("file://" + page_path, { waitUntil: "load", timeout: 20000 });
	out.title = await page.title();
	out.sections = await page.$$eval("section.run", (s) => s.map((x) => x.dataset.kind));
	out.bench_points = await page.$$eval("svg.bench", (s) => s.map((x) => x.querySelectorAll("circle.sample").length));
	out.series_points = await page.$$eval("div.series polyline", (s) =>
		s.map((x) => x.getAttribute("points").trim().split(/\s+/).length));
	out.sweep_points = await page.$$eval("section[data-kind=sweep] circle.point", (s) => s.length);
	out.comparisons = await page.$$eval("section.comparison tr", (s) => s.length - 1);
	out.verdicts = await page.$$eval("p.verdict b", (s) => s.map((x) => x.textContent));
	out.breakdown_parts = await page.$$eval("svg.breakdown rect.part", (s) => s.map((x) => x.dataset.part));
	const frame_el = await page.$("iframe.flamegraph");
	if (frame_el) {
		const frame = await frame_el.contentFrame();
		await frame.waitForSelector("#frames g", { timeout: 10000 });
		out.flamegraph_frames = await frame.$$eval("#frames g", (g) => g.length);
		out.unzoom_hidden_before = await frame.$eval("#unzoom", (e) => e.classList.contains("hide"));
		const target = await frame.$$("#frames g");
		// a frame below the root: the last one drawn is a leaf
		await target[target.length - 1].click();
		out.unzoom_hidden_after = await frame.$eval("#unzoom", (e) => e.classList.contains("hide"));
	}
	out.page_width = await page.evaluate(() => document.documentElement.scrollWidth);
	await page.screenshot({ path: shot, fullPage: true });
} finally {
	await browser.close();
}
console.log(JSON.stringify(out));
