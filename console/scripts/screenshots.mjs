// Screenshots of every built screen for the docs (docs/console/*.png), refreshed by
// `make screenshots`: a `meridian demo` with a week of traffic (DAYS to change it) on a free port and a temporary
// data directory, Debian's Chromium through playwright-core, an admin key.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const root = resolve(import.meta.dirname, "../..");
const out = join(root, "docs/console");
const key = "screenshots-admin-key-0123";
// Days of demo history behind the screens (DAYS=28 for the four weeks the targets name).
const days = process.env.DAYS ?? "7";

const port = await new Promise((ok) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => ok(port));
  });
});
const base = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), "meridian-shots-"));
const demo = spawn(join(root, "bin/meridian"), ["demo", "--days", days, "--addr", `127.0.0.1:${port}`, "--data-dir", dataDir], {
  cwd: root,
  env: { ...process.env, MERIDIAN_API_KEYS: key, MERIDIAN_LOG_LEVEL: "warn" },
  stdio: ["ignore", "ignore", "inherit"],
});
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  for (let ready = false; !ready; await new Promise((r) => setTimeout(r, 500))) {
    if (demo.exitCode !== null) throw new Error("meridian demo exited");
    ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
  }
  // Live traffic has opened conversations once the inbox has a few.
  for (;;) {
    const r = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: "{ inbox(first: 20) { edges { cursor } } }" }),
    }).then((r) => r.json());
    if ((r.data?.inbox.edges.length ?? 0) >= 10) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  mkdirSync(out, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  const shot = async (name) => {
    await page.waitForTimeout(600); // let the charts and fonts settle
    await page.screenshot({ path: join(out, `${name}.png`) });
    console.log(`docs/console/${name}.png`);
  };
  await page.goto(`${base}/`);
  await shot("sign-in");
  await page.getByLabel("API key").fill(key);
  let t0 = Date.now();
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("[data-conversation]").first().waitFor();
  const inboxMs = Date.now() - t0;
  await shot("inbox");
  await page.locator("[data-conversation]").first().click();
  await page.getByTestId("original").first().waitFor();
  await shot("conversation");
  await page.getByRole("link", { name: "Supervisor board" }).click();
  await page.getByRole("img", { name: "Conversations per queue" }).waitFor();
  await shot("board");
  t0 = Date.now();
  await page.getByRole("link", { name: "Executive" }).click();
  await page.getByRole("img", { name: /Per day by region/ }).waitFor();
  const executiveMs = Date.now() - t0;
  // The picture with every read of the screen in: the cards and the table by channel.
  await page.getByTestId("kpi-conversations").waitFor();
  await page.getByRole("heading", { name: "By channel" }).waitFor();
  await shot("executive");
  // Cold: each screen's first load in this page, its chunks included.
  console.log(`inbox's first rows ${inboxMs} ms after "Sign in"; executive chart ${executiveMs} ms after its link`);
  await page.getByRole("tab", { name: "ROI" }).click();
  await page.locator('[data-testid="roi"][aria-busy="false"]').getByRole("img", { name: /^Waterfall/ }).waitFor();
  await shot("executive-roi");
  await page.getByRole("link", { name: "Product insights" }).click();
  await page.getByRole("img", { name: /mentioning a competitor/ }).waitFor({ timeout: 120_000 });
  // The themes of one market (the first in the list) against every other customer's.
  await page.getByRole("combobox", { name: "Markets" }).click();
  await page.getByRole("option").filter({ hasText: /^[A-Z]{2}$/ }).first().click();
  await page.keyboard.press("Escape");
  await page.getByTestId("themes").or(page.getByText("No theme stands out")).waitFor({ timeout: 120_000 });
  await shot("insights");
  await page.getByRole("link", { name: "Compliance" }).click();
  await page.getByRole("heading", { name: "Audit trail" }).waitFor();
  await page.locator("tbody tr").first().waitFor();
  await shot("compliance");
  // The Consents tab, for the customer of the first conversation in the inbox.
  const { data } = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: "{ inbox(first: 1) { edges { node { customerId } } } }" }),
  }).then((r) => r.json());
  await page.getByRole("tab", { name: "Consents" }).click();
  await page.getByRole("textbox", { name: "Customer ID" }).fill(data.inbox.edges[0].node.customerId);
  await page.getByRole("button", { name: "Show consents" }).click();
  await page.getByTestId("consents").waitFor();
  await shot("compliance-consents");
  // A week of demo history is enough to forecast (the screen opens on the key's first region).
  await page.getByRole("link", { name: "Planner" }).click();
  await page.getByTestId("forecast-chart").locator("svg").waitFor({ timeout: 120_000 });
  await page.getByTestId("staffing-heatmap").locator("svg").waitFor({ timeout: 120_000 });
  await shot("planner");
  await page.getByRole("link", { name: "Inbox" }).click();
  await page.getByLabel("Language", { exact: true }).selectOption({ label: "العربية" });
  await page.locator("[data-conversation]").first().waitFor();
  await shot("inbox-ar");
} finally {
  await browser.close();
  demo.kill("SIGTERM");
  await new Promise((ok) => (demo.exitCode !== null ? ok() : demo.once("exit", ok)));
  rmSync(dataDir, { recursive: true, force: true });
}
