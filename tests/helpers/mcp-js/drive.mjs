// Drives `perfeng mcp` with the official MCP TypeScript SDK's client
// (@modelcontextprotocol/sdk), for tests/e2e/t8000-mcp.sh: connects over
// stdio, lists and checks the tools' schemas, calls the tools, cancels a long
// load, reads resources, and writes what it saw as JSON files into $OUT for
// the shell test to assert on. Every step is bounded by a timeout.
//
// Environment: PERFENG_BIN, OUT (a directory), BURN, HEAP, LOCKS (tests/helpers/pe-burn, pe-heap, pe-locks),
// URL (a pe-httpd), CSV (points for model), PERFENG_STORE.
import { writeFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { Ajv } from "ajv";

const env = process.env;
const out = (name, v) => writeFileSync(`${env.OUT}/${name}.json`, JSON.stringify(v, null, 1));
const steps = {};

async function step(name, f) {
	try {
		const v = await f();
		out(name, v);
		steps[name] = "ok";
	} catch (e) {
		steps[name] = `error: ${e && e.message ? e.message : String(e)}`;
		out(name, { thrown: String(e && e.message ? e.message : e), code: e && e.code });
	}
}

const transport = new StdioClientTransport({
	command: env.PERFENG_BIN,
	args: ["mcp"],
	env: { ...env },
	stderr: "inherit",
});
const client = new Client({ name: "perfeng-t8000", version: "1.0.0" });
const call = (name, args, opts = {}) => client.callTool({ name, arguments: args }, undefined, { timeout: 60000, ...opts });

await step("connect", async () => {
	await client.connect(transport);
	return { server: client.getServerVersion(), capabilities: client.getServerCapabilities() };
});

await step("tools", async () => {
	const { tools } = await client.listTools();
	const ajv = new Ajv({ strict: false });
	const bad = [];
	for (const t of tools) {
		for (const k of ["inputSchema", "outputSchema"]) {
			try {
				ajv.compile(t[k]);
			} catch (e) {
				bad.push(`${t.name}.${k}: ${e.message}`);
			}
		}
	}
	return { names: tools.map((t) => t.name), bad, tools };
});

await step("bench", () => call("bench", { commands: ["true"], runs: 5, save: "mcp" }));
await step("bench2", () => call("bench", { commands: ["true"], runs: 5, save: "mcp" }));
await step("compare", () => call("compare", { old: "mcp@latest~1", new: "mcp@latest" }));
await step("model", () => call("model", { file: env.CSV }));
await step("diagnose", () => call("diagnose", { command: [env.BURN, "1", "400"] }));
await step("profile", async () => {
	const r = await call("profile", { command: [env.BURN, "1", "400"] });
	const uri = r.structuredContent && r.structuredContent.flamegraph;
	const svg = uri ? await client.readResource({ uri }) : null;
	return { result: r, svg_start: svg ? svg.contents[0].text.slice(0, 60) : null, svg_mime: svg ? svg.contents[0].mimeType : null };
});
await step("observe", () => call("observe", { interval: "0.2", count: 2 }));
await step("heap", () => call("heap", { command: [env.HEAP] }));
await step("locks", () => call("locks", { command: [env.LOCKS, "2", "10"] }));

// progress notifications, then a cancel mid-way through a long load
await step("cancel", async () => {
	const progress = [];
	const ac = new AbortController();
	let err = null;
	const p = call("load", { url: env.URL, duration: "30s", connections: 2 }, {
		signal: ac.signal,
		onprogress: (n) => {
			progress.push(n);
			if (progress.length === 2) ac.abort("enough");
		},
		resetTimeoutOnProgress: true,
	});
	try {
		await p;
	} catch (e) {
		err = String(e && e.message ? e.message : e);
	}
	const after = await client.ping();	// the server still serves
	const kept = await client.readResource({ uri: "perfeng://cancelled/1" });	// what it measured
	return { progress, err, after, kept: JSON.parse(kept.contents[0].text) };
});

await step("load", () => call("load", { url: env.URL, requests: 200, connections: 2 }));
await step("load_refused", () => call("load", { url: "http://192.0.2.1/", requests: 1 }));
await step("bad_type", () => call("bench", { commands: "true" }));
await step("bad_arg", () => call("bench", { commands: ["true"], nonsense: 1 }));
await step("unknown_tool", () => call("nonexistent", {}));
await step("resources", async () => {
	const { resources } = await client.listResources();
	const run = resources.find((r) => r.uri.startsWith("perfeng://runs/"));
	const read = run ? await client.readResource({ uri: run.uri }) : null;
	let missing = null;
	try {
		await client.readResource({ uri: "perfeng://runs/999999" });
	} catch (e) {
		missing = { code: e.code, message: e.message };
	}
	return { resources, read, missing };
});

out("steps", steps);
await client.close();
