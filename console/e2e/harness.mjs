// What the console's browser test and its benchmark share: a real `meridian serve` on a free
// port with a temporary data directory (routing and analysis on), WhatsApp pointed at a local
// fake of the Cloud API's send endpoint, signed webhook deliveries, and Debian's Chromium.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

export const root = resolve(import.meta.dirname, "../..");
const bin = process.env.MERIDIAN_BIN ?? join(root, "bin/meridian");
const chromePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const appSecret = "app-secret";
const phoneNumberId = "1029384756";

export async function waitFor(what, fn, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });
}

/** Debian's Chromium, never a downloaded browser. */
export function launchBrowser() {
  assert.ok(existsSync(chromePath), `${chromePath} is missing: run scripts/setup.sh --test`);
  return chromium.launch({ executablePath: chromePath, args: ["--no-sandbox"] });
}

/** Starts meridian serve with keys (MERIDIAN_API_KEYS), and more environment, and waits for /readyz. */
export async function startMeridian(keys, env = {}) {
  assert.ok(existsSync(bin), `${bin} is missing: run make build`);
  // The WhatsApp Cloud API's send endpoint, as its documentation describes it.
  const sends = [];
  const graph = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.headers.authorization !== "Bearer wa-token" || req.method !== "POST" || req.url !== `/v21.0/${phoneNumberId}/messages`) {
        res.writeHead(404, { "Content-Type": "application/json" }).end('{"error":{"message":"Unknown path","code":100}}');
        return;
      }
      const msg = JSON.parse(body);
      sends.push(msg);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ messaging_product: "whatsapp", contacts: [{ input: msg.to, wa_id: msg.to }], messages: [{ id: `wamid.OUT${sends.length}` }] }));
    });
  });
  await new Promise((ok) => graph.listen(0, "127.0.0.1", ok));

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), "meridian-console-"));
  let logs = "";
  const server = spawn(bin, ["serve", "--addr", `127.0.0.1:${port}`, "--data-dir", dataDir], {
    cwd: root,
    env: {
      ...process.env,
      MERIDIAN_API_KEYS: keys,
      MERIDIAN_LOG_LEVEL: "warn",
      MERIDIAN_ROUTING: "on",
      MERIDIAN_ANALYSIS: "on",
      MERIDIAN_LANGUAGE_HIGH_ACCURACY: "de,en",
      MERIDIAN_WHATSAPP_APP_SECRET: appSecret,
      MERIDIAN_WHATSAPP_VERIFY_TOKEN: "verify-me",
      MERIDIAN_WHATSAPP_ACCESS_TOKEN: "wa-token",
      MERIDIAN_WHATSAPP_API_BASE: `http://127.0.0.1:${graph.address().port}`,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout.on("data", (d) => (logs += d));
  server.stderr.on("data", (d) => (logs += d));

  const m = {
    base,
    sends,
    logs: () => logs,
    async gql(key, query, variables = {}) {
      const resp = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = await resp.json();
      assert.equal(body.errors, undefined, `${query}: ${JSON.stringify(body.errors)}`);
      return body.data;
    },
    async metric(name) {
      const text = await (await fetch(`${base}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith(name + " "));
      return line ? Number(line.split(" ")[1]) : 0;
    },
    /** Posts a customer's WhatsApp text to the webhook, signed as the Cloud API signs; at (ms) is when they wrote. */
    async whatsApp(from, name, wamid, text, at = Date.now()) {
      const delivery = JSON.stringify({
        object: "whatsapp_business_account",
        entry: [{ id: phoneNumberId, changes: [{ field: "messages", value: {
          messaging_product: "whatsapp",
          metadata: { display_phone_number: phoneNumberId, phone_number_id: phoneNumberId },
          contacts: [{ profile: { name }, wa_id: from }],
          messages: [{ from, id: wamid, timestamp: String(Math.floor(at / 1000)), type: "text", text: { body: text } }],
        } }] }],
      });
      const signature = "sha256=" + createHmac("sha256", appSecret).update(delivery).digest("hex");
      const hook = await fetch(`${base}/webhooks/whatsapp`, { method: "POST", headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signature }, body: delivery });
      assert.equal(hook.status, 200);
    },
    async stop() {
      if (server.exitCode === null) {
        server.kill("SIGTERM");
        await new Promise((ok) => server.once("exit", ok));
      }
      graph.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(
      "meridian /readyz",
      async () => {
        if (server.exitCode !== null) throw new Error(`meridian exited:\n${logs}`);
        return fetch(`${base}/readyz`).then((r) => r.ok, () => false);
      },
      120_000,
    );
  } catch (err) {
    await m.stop();
    throw err;
  }
  return m;
}

/**
 * A Shopify shop's Admin GraphQL API (POST /admin/api/{version}/graphql.json with
 * X-Shopify-Access-Token), answering what package commerce asks: an order by name, a
 * customer's orders by e-mail or customer id, customers by phone. orders are Admin API Order
 * objects with `_customer` (the Shopify customer id) and `_phone` (that customer's phone).
 * Point Meridian at it with MERIDIAN_SHOPIFY_BASE_URL and MERIDIAN_SHOPIFY_ACCESS_TOKEN.
 */
export async function startShopify(orders, token = "shpat_test") {
  const requests = [];
  const shop = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const json = (status, v) => res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(v));
      if (req.method !== "POST" || !/^\/admin\/api\/\d{4}-\d{2}\/graphql\.json$/.test(req.url)) return json(404, { errors: "Not Found" });
      if (req.headers["x-shopify-access-token"] !== token) return json(401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
      const { query, variables } = JSON.parse(body);
      requests.push({ query: query.split("(")[0], variables });
      const q = variables.query ?? "";
      const matching = orders.filter((o) =>
        q.startsWith("name:") ? q === `name:"${o.name}"` : q.startsWith("email:") ? q.toLowerCase() === `email:"${o.email}"`.toLowerCase() : q === `customer_id:${o._customer}`,
      );
      const cost = { requestedQueryCost: 52, actualQueryCost: 12, throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1988, restoreRate: 100 } };
      let data;
      if (query.startsWith("query OrderByName")) data = { orders: { nodes: matching } };
      else if (query.startsWith("query CustomerOrders")) data = { orders: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: matching.slice(0, variables.first) } };
      else if (query.startsWith("query CustomersByPhone"))
        data = { customers: { nodes: [...new Set(orders.filter((o) => q === `phone:"${o._phone}"`).map((o) => o._customer))].map((id) => ({ id: `gid://shopify/Customer/${id}` })) } };
      else return json(400, { errors: "unknown operation" });
      json(200, { data, extensions: { cost } });
    });
  });
  await new Promise((ok) => shop.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${shop.address().port}`, requests, close: () => shop.close() };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** The serious and critical accessibility violations axe-core finds on the page. */
export async function accessibilityProblems(page) {
  await page.evaluate(axeSource);
  const found = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] })).violations);
  return found
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Signs in with key on the sign-in page and waits for the signed-in header. */
export async function signIn(page, base, key) {
  await page.goto(`${base}/`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("viewer").waitFor();
}

/**
 * Runs fn with a new page that must raise no page error; on a failure it keeps a screenshot
 * and prints the server's log.
 */
export async function withPage(browser, meridian, name, fn) {
  const page = await browser.newPage({ locale: "en-US" });
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  try {
    await fn(page);
    assert.deepEqual(problems, []);
  } catch (err) {
    const shot = join(tmpdir(), `meridian-${name}.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.log(`screenshot of the failure: ${shot}\nserver log:\n${meridian.logs()}`);
    throw err;
  } finally {
    await page.close();
  }
}
