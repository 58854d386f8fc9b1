// A loopback webhook receiver for the integration tests (webhooks.sh).
//
//   node webhook_receiver.mjs --log FILE --modules DIR SECRET [SECRET...]
//
// Listens on 127.0.0.1, port 0; the chosen port is the first line on
// stdout.  Every request is checked with the npm `standardwebhooks`
// verifier (the version scripts/test-setup.sh installs into DIR), once per
// secret given, and one JSON line per request is appended to FILE:
//   {"seq", "time" (ms, arrival), "method", "path", "headers": {webhook-id,
//    webhook-timestamp, webhook-signature, content-type, title, priority,
//    tags, click, user-agent, ...}, "body", "status" (null: never answered),
//    "verified" (some secret verifies), "verified_by" ([bool] per secret),
//    "verify_errors", "json" (JSON bodies: parses)}
//
// JSON bodies go through Webhook.verify(), which checks the timestamp
// tolerance and the signatures and then JSON-parses the body.  verify()
// would throw SyntaxError on a plain-text body (ntfy, text templates:
// NOTES.md), so those are checked with the same library's verifyTimestamp()
// and sign(), compared with each "v1," signature of the header.
//
// Behaviour by path (the rest of a path is a key that keeps tests apart):
//   /ok/...            200
//   /fail/N/KEY        500 for the first N requests with KEY, then 200
//                      (POST /_ctl/pass/KEY makes KEY succeed from then on)
//   /429/SECS/...      first request per path 429 with Retry-After: SECS,
//                      then 200
//   /hang/...          never answers (the socket stays open)
//   /hangonce/...      the first request per path never answers, then 200
//   /gone/...          410
//   /discord/...       first request per path 429 with a JSON body
//                      {"retry_after": 1.5} (no Retry-After header), then 204
//   /slack/...         200 "ok"
//   /ntfy/TOPIC        200 (a JSON message, as ntfy answers)
//   anything else      404
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";

function usage(msg) {
	process.stderr.write(
		`webhook_receiver: ${msg}\n` +
			"usage: node webhook_receiver.mjs --log FILE --modules DIR SECRET...\n",
	);
	process.exit(2);
}

let logFile = null;
let modules = null;
const secrets = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
	if (argv[i] === "--log") logFile = argv[++i];
	else if (argv[i] === "--modules") modules = argv[++i];
	else secrets.push(argv[i]);
}
if (!logFile) usage("--log FILE is required");
if (!modules) usage("--modules DIR is required");
if (secrets.length === 0) usage("at least one whsec_ secret is required");

const require = createRequire(join(modules, "package.json"));
const { Webhook, WebhookVerificationError } = require("standardwebhooks");
const verifiers = secrets.map((s) => new Webhook(s));

const LOGGED_HEADERS = [
	"webhook-id",
	"webhook-timestamp",
	"webhook-signature",
	"content-type",
	"content-length",
	"title",
	"priority",
	"tags",
	"click",
	"user-agent",
	"x-team",
];

// Checks one secret; returns null when it verifies, else the reason.
function check(wh, body, headers, isJson) {
	try {
		if (isJson) {
			wh.verify(body, headers); // throws on a bad signature or JSON
			return null;
		}
		// Plain text: the library's own timestamp rule and signer.
		const id = headers["webhook-id"];
		const ts = headers["webhook-timestamp"];
		const sigs = headers["webhook-signature"];
		if (!id || !ts || !sigs) return "missing webhook-* headers";
		const when = wh.verifyTimestamp(ts);
		const expected = wh.sign(id, when, body);
		for (const s of sigs.split(" ")) if (s === expected) return null;
		return "no matching signature found";
	} catch (e) {
		if (e instanceof WebhookVerificationError)
			return `WebhookVerificationError: ${e.message}`;
		return `${e.name}: ${e.message}`;
	}
}

let seq = 0;
const counts = new Map(); // path or key -> requests seen
const passed = new Set(); // /fail keys told to succeed
const hung = new Set(); // sockets of requests never answered

function bump(key) {
	const n = (counts.get(key) || 0) + 1;
	counts.set(key, n);
	return n;
}

// Decides the answer: [status, headers, body] or null (never answer).
function respond(path) {
	const parts = path.split("/").filter((s) => s !== "");
	const kind = parts[0] || "";
	switch (kind) {
		case "ok":
			return [200, { "content-type": "text/plain" }, "ok"];
		case "fail": {
			const n = Number.parseInt(parts[1], 10);
			const key = parts.slice(2).join("/");
			const seen = bump(`fail:${key}`);
			if (!passed.has(key) && seen <= n)
				return [500, { "content-type": "text/plain" }, "failing on purpose"];
			return [200, { "content-type": "text/plain" }, "ok"];
		}
		case "429": {
			if (bump(path) === 1)
				return [
					429,
					{ "content-type": "text/plain", "retry-after": parts[1] || "1" },
					"slow down",
				];
			return [200, { "content-type": "text/plain" }, "ok"];
		}
		case "hang":
			return null;
		case "hangonce":
			if (bump(path) === 1) return null;
			return [200, { "content-type": "text/plain" }, "ok"];
		case "gone":
			return [410, { "content-type": "text/plain" }, "gone"];
		case "discord":
			if (bump(path) === 1)
				return [
					429,
					{ "content-type": "application/json" },
					JSON.stringify({
						message: "You are being rate limited.",
						retry_after: 1.5,
						global: false,
					}),
				];
			return [204, {}, ""];
		case "slack":
			return [200, { "content-type": "text/plain" }, "ok"];
		case "ntfy":
			return [
				200,
				{ "content-type": "application/json" },
				JSON.stringify({ id: `n${seq}`, topic: parts[1] || "" }),
			];
		default:
			return [404, { "content-type": "text/plain" }, "no such path"];
	}
}

function control(path, res) {
	// /_ctl/pass/KEY
	const m = /^\/_ctl\/pass\/(.+)$/.exec(path);
	if (m) {
		passed.add(m[1]);
		res.writeHead(200, { "content-type": "text/plain" });
		res.end("ok");
		return;
	}
	res.writeHead(404);
	res.end();
}

const server = createServer((req, res) => {
	const chunks = [];
	req.on("data", (c) => chunks.push(c));
	req.on("end", () => {
		const time = Date.now();
		const path = (req.url || "/").split("?")[0];
		if (path.startsWith("/_ctl/")) return control(path, res);
		const body = Buffer.concat(chunks);
		const text = body.toString("utf8");
		const headers = {};
		for (const h of LOGGED_HEADERS)
			if (req.headers[h] !== undefined) headers[h] = req.headers[h];
		const ct = req.headers["content-type"] || "";
		const isJson = /json/i.test(ct);
		const errors = verifiers.map((wh) =>
			check(wh, body, req.headers, isJson),
		);
		let json = null;
		if (isJson) {
			try {
				JSON.parse(text);
				json = true;
			} catch {
				json = false;
			}
		}
		const answer = respond(path);
		const entry = {
			seq: ++seq,
			time,
			method: req.method,
			path,
			headers,
			body: text,
			status: answer ? answer[0] : null,
			verified: errors.some((e) => e === null),
			verified_by: errors.map((e) => e === null),
			verify_errors: errors,
			json,
		};
		// Logged before answering: the line is there when the sender
		// sees the status.
		appendFileSync(logFile, `${JSON.stringify(entry)}\n`);
		if (!answer) {
			hung.add(req.socket);
			req.socket.on("close", () => hung.delete(req.socket));
			return;
		}
		const [status, hdrs, out] = answer;
		res.writeHead(status, hdrs);
		res.end(out);
	});
});
// Hung requests must stay hung: no server-side timeouts.
server.requestTimeout = 0;
server.headersTimeout = 0;
server.timeout = 0;
server.keepAliveTimeout = 5000;

server.listen(0, "127.0.0.1", () => {
	process.stdout.write(`${server.address().port}\n`);
});
for (const sig of ["SIGTERM", "SIGINT"])
	process.on(sig, () => {
		for (const s of hung) s.destroy();
		process.exit(0);
	});
