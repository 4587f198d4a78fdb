// The console in a real browser against a real `meridian serve` (e2e/harness.mjs): an agent
// of eu signs in, sees an inbound WhatsApp message arrive in her inbox without a reload and
// never a us one, answers it, transfers it, resolves it, and switches the interface to Arabic
// (right to left); a supervisor's board and the executive screen open the conversations
// behind their figures; a compliance key holds, exports and erases that eu customer, applies
// retention and reads the residency report; axe-core checks each screen. Run by `make test-console` (part of
// `make test`).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { get as httpGet } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accessibilityProblems, launchBrowser, startMeridian, waitFor } from "./harness.mjs";

const adminKey = "console-admin-key-0123";
const lenaKey = "console-lena-key-0123";

// axe-core's serious and critical findings on the page as it is now (evaluated through the
// DevTools protocol, which the page's Content-Security-Policy does not govern).
let meridian, base, browser;
const gql = (...args) => meridian.gql(...args);
const metric = (name) => meridian.metric(name);
const whatsApp = (...args) => meridian.whatsApp(...args);

// The bytes a response carries on the wire (Node's fetch would decode them).
function rawGet(url) {
  return new Promise((ok, fail) => {
    httpGet(url, { headers: { "Accept-Encoding": "gzip" } }, (res) => {
      let bytes = 0;
      res.on("data", (c) => (bytes += c.length));
      res.on("end", () => ok({ encoding: res.headers["content-encoding"], bytes }));
    }).on("error", fail);
  });
}

before(async () => {
  meridian = await startMeridian(`${adminKey},${lenaKey}:agent:eu::lena`);
  base = meridian.base;
  const days = [1, 2, 3, 4, 5, 6, 7].map((d) => `{weekday: ${d}, start: "00:00", end: "24:00"}`).join(", ");
  await gql(adminKey, `mutation { upsertAgent(input: {id: "lena", name: "Lena Vogel", region: "eu", languages: ["de", "en:4"], skills: [], tiers: [],
    maxConcurrent: 5, timezone: "Europe/Berlin", shifts: [${days}]}) { id } }`);
  await gql(adminKey, `mutation { setAgentPresence(agentId: "lena", status: ONLINE) { id } }`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await meridian?.stop();
});

test("an agent signs in, sees a WhatsApp message arrive live and no other region's, answers, transfers, resolves, and reads the console in Arabic", async () => {
  const page = await browser.newPage({ locale: "en-US" });
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  const urls = [];
  page.on("request", (r) => urls.push(r.url()));
  try {
    await agentJourney(page, urls, problems);
  } catch (err) {
    const shot = join(tmpdir(), "meridian-console-e2e.png");
    await page.screenshot({ path: shot }).catch(() => {});
    console.log(`screenshot of the failure: ${shot}\nserver log:\n${meridian.logs()}`);
    throw err;
  }
});

async function agentJourney(page, urls, problems) {

  const resp = await page.goto(`${base}/`);
  const csp = resp.headers()["content-security-policy"];
  assert.match(csp, /script-src 'self';/);
  assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/);

  // What the first screen costs over the wire (compressed by the server).
  const firstScreen = { js: 0, css: 0 };
  for (const u of urls.filter((u) => /\.(js|css)$/.test(u))) {
    const { encoding, bytes } = await rawGet(u);
    assert.equal(encoding, "gzip", `${u} is not compressed`);
    firstScreen[u.endsWith(".js") ? "js" : "css"] += bytes;
  }
  console.log(`first screen (sign-in): ${(firstScreen.js / 1024).toFixed(1)} KiB of JavaScript and ${(firstScreen.css / 1024).toFixed(1)} KiB of CSS, gzip`);

  const a11y = {};
  a11y.signIn = await accessibilityProblems(page);
  // A key the server does not know is refused, and nothing is kept.
  await page.getByLabel("API key").fill("not-a-key-of-this-server");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").getByText("This key was not accepted").waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  // Chromium logs that 401 as a console error: the one expected problem.
  assert.deepEqual(problems, ["console: Failed to load resource: the server responded with a status of 401 (Unauthorized)"]);
  problems.length = 0;

  // Sign in.
  await page.getByLabel("API key").fill(lenaKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Inbox" }).waitFor();
  await page.getByText("Lena Vogel (agent)").waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem("meridian.apiKey")), lenaKey);
  assert.equal(await page.evaluate(() => localStorage.getItem("meridian.apiKey")), null);
  await page.getByTestId("live").getByText("Live").waitFor();
  await waitFor("the inbox subscription", async () => (await metric("meridian_live_subscriptions")) >= 1);
  // Marks this document: a reload would lose it.
  await page.evaluate(() => (window.__sameDocument = true));

  // A customer writes on WhatsApp.
  const text = "Hallo, wo bleibt meine Bestellung 4471? Ich warte schon eine Woche.";
  await whatsApp("4915100777000", "Jonas Weber", "wamid.CONSOLE1", text);
  const acked = Date.now();

  const row = page.locator("[data-conversation]").filter({ hasText: text });
  try {
    await row.waitFor({ timeout: 30_000 });
  } catch (err) {
    await page.screenshot({ path: join(tmpdir(), "meridian-console-e2e.png") });
    const state = await gql(adminKey, `{ inbox(filters: {status: [QUEUED, ASSIGNED, BOT, PENDING, SNOOZED, RESOLVED]}) { edges { node { id region language status queue assignee { id } messages { text } } } } }`);
    throw new Error(`${err.message}\nthe server's inbox: ${JSON.stringify(state)}\nscreenshot: ${join(tmpdir(), "meridian-console-e2e.png")}`, { cause: err });
  }
  console.log(`inbound WhatsApp message in the open inbox ${Date.now() - acked} ms after the webhook's acknowledgement`);
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "the inbox reloaded");
  await row.getByRole("img", { name: "whatsapp" }).waitFor();

  a11y.inbox = await accessibilityProblems(page);

  // A customer in the United States: the us region's conversation, which the admin sees and
  // Lena, whose key reads eu only, does not, even among all the conversations she may read.
  const usText = "Hi, my order 5512 never arrived and I need it for Friday.";
  await whatsApp("14155550123", "Sam Rivera", "wamid.CONSOLE2", usText);
  await waitFor("the us conversation in the admin's inbox", async () => {
    const { inbox } = await gql(adminKey, `{ inbox(filters: {region: "us"}) { edges { node { region recent: messages { text } } } } }`);
    return inbox.edges.some((e) => e.node.recent.some((m) => m.text === usText));
  });
  const read = page.waitForResponse((r) => r.url() === `${base}/graphql` && (r.request().postData() ?? "").includes("query Inbox"));
  await page.locator("label", { hasText: /^All$/ }).click();
  const answer = await (await read).json();
  const conversationId = await row.getAttribute("data-conversation");
  assert.deepEqual(answer.data.inbox.edges.map((e) => [e.node.id, e.node.region]), [[conversationId, "eu"]]);
  await page.locator('[role="listbox"][aria-busy="false"]').waitFor();
  assert.deepEqual(await page.locator("[data-conversation]").evaluateAll((rows) => rows.map((r) => r.dataset.conversation)), [conversationId]);

  // Open it, answer it.
  await row.click();
  await page.getByTestId("original").filter({ hasText: text }).waitFor();
  a11y.conversation = await accessibilityProblems(page);
  // The AI's draft for the agent: no article answers (the server's knowledge base is empty),
  // so the AI did not send it and says why; "Use as reply" puts it in the reply box.
  const draft = page.getByTestId("ai-draft");
  await draft.getByText(/Not sent by the AI: .*no article/).waitFor({ timeout: 30_000 });
  await draft.getByRole("button", { name: "Use as reply" }).click();
  assert.notEqual(await page.getByRole("textbox", { name: "Reply" }).inputValue(), "");
  const reply = "Hallo Jonas, Ihre Bestellung 4471 ist unterwegs und kommt morgen an.";
  await page.getByRole("textbox", { name: "Reply" }).fill(reply);
  await page.getByRole("button", { name: "Send" }).click();
  await page.locator('[data-direction="outbound"]').filter({ hasText: reply }).waitFor({ timeout: 30_000 });
  assert.equal(meridian.sends.length, 1);
  assert.equal(meridian.sends[0].to, "4915100777000");
  assert.equal(meridian.sends[0].text.body, reply);

  // Transfer it to a colleague who joined since (so the first routing could only pick her).
  const days = [1, 2, 3, 4, 5, 6, 7].map((d) => `{weekday: ${d}, start: "00:00", end: "24:00"}`).join(", ");
  await gql(adminKey, `mutation { upsertAgent(input: {id: "max", name: "Max Braun", region: "eu", languages: ["de"], skills: [], tiers: [],
    maxConcurrent: 5, timezone: "Europe/Berlin", shifts: [${days}]}) { id } }`);
  await gql(adminKey, `mutation { setAgentPresence(agentId: "max", status: ONLINE) { id } }`);
  await page.getByRole("tab", { name: "Transfer" }).click();
  await page.locator("label", { hasText: /^Agent ID$/ }).click();
  await page.getByRole("textbox", { name: "Agent ID" }).fill("max");
  await page.getByRole("button", { name: "Transfer", exact: true }).click();
  await page.getByText("Assigned to Max Braun").waitFor();
  await waitFor("the conversation out of her inbox", async () => {
    const { inbox } = await gql(lenaKey, `{ inbox(filters: {mine: true}) { edges { node { id } } } }`);
    return !inbox.edges.some((e) => e.node.id === conversationId);
  });

  // Resolve it: the server says so, and the page shows it.
  await page.getByRole("tab", { name: "Reply" }).click();
  await page.getByRole("button", { name: "Resolve" }).click();
  await page.getByTestId("status").getByText("Resolved").waitFor();
  // The stored lifecycle follows the engine within moments.
  await waitFor("the conversation stored as RESOLVED", async () => {
    const { conversation } = await gql(adminKey, `query($id: ID!) { conversation(id: $id) { status } }`, { id: conversationId });
    return conversation?.status === "RESOLVED";
  });
  const { inbox } = await gql(lenaKey, `{ inbox(filters: {mine: true}) { edges { node { id } } } }`);
  assert.ok(!inbox.edges.some((e) => e.node.id === conversationId), "a resolved conversation is still in her inbox");

  // Arabic, right to left, at once and without signing in again.
  await page.getByLabel("Language").selectOption({ label: "العربية" });
  await page.getByText("العودة إلى صندوق الوارد").waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.dir), "rtl");
  assert.equal(await page.evaluate(() => document.documentElement.lang), "ar");
  const options = await page.getByLabel("Language").locator("option").allTextContents();
  assert.deepEqual(options, ["English", "中文", "日本語", "Deutsch", "Español", "العربية"]);

  a11y.arabic = await accessibilityProblems(page);
  assert.deepEqual(a11y, { signIn: [], inbox: [], conversation: [], arabic: [] }, "axe-core's serious or critical violations");
  assert.deepEqual(problems, []);
  assert.ok(!urls.some((u) => u.includes(lenaKey)), "the key appeared in a URL");
  assert.ok(urls.every((u) => u.startsWith(base) || u.startsWith("data:") || u.startsWith("ws://127.0.0.1")), `requests elsewhere: ${urls.filter((u) => !u.startsWith(base))}`);
}

test("a supervisor's board counts the queues, and a count opens the conversations behind it", async () => {
  const page = await browser.newPage({ locale: "en-US" });
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  try {
    // The first test left a us customer waiting (no us agent writes their language).
    const { board } = await gql(adminKey, `{ board(region: "us") { queues { name language waiting } } }`);
    const queue = board.queues.find((q) => q.waiting > 0);
    assert.ok(queue, `no waiting queue in us: ${JSON.stringify(board)}`);
    const { inbox } = await gql(adminKey, `query($l: [String!]) { inbox(filters: {region: "us", language: $l, status: [QUEUED]}) { edges { node { id } } } }`, { l: [queue.language] });
    assert.equal(inbox.edges.length, queue.waiting);

    await page.goto(`${base}/`);
    await page.getByLabel("API key").fill(adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
    await page.getByRole("link", { name: "Supervisor board" }).click();
    await page.getByRole("heading", { name: "Supervisor board" }).waitFor();
    await page.getByRole("combobox", { name: "Region" }).click();
    await page.getByRole("option", { name: "us", exact: true }).click();
    await page.getByRole("button", { name: `Waiting · ${queue.name}: ${queue.waiting}` }).click();
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/inbox");
    await page.locator('[role="listbox"][aria-busy="false"]').waitFor();
    await page.locator("[data-conversation]").first().waitFor();
    const shown = await page.locator("[data-conversation]").evaluateAll((rows) => rows.map((r) => r.dataset.conversation));
    assert.deepEqual(shown.sort(), inbox.edges.map((e) => e.node.id).sort());
    assert.deepEqual(problems, []);
  } catch (err) {
    const shot = join(tmpdir(), "meridian-console-e2e-board.png");
    await page.screenshot({ path: shot }).catch(() => {});
    console.log(`screenshot of the failure: ${shot}`);
    throw err;
  } finally {
    await page.close();
  }
});

test("the executive screen's figures come from metrics, and a figure lists the conversations behind it", async () => {
  const page = await browser.newPage({ locale: "en-US" });
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  try {
    // The first test's two WhatsApp conversations (eu and us).
    const { metrics } = await gql(adminKey, `{ metrics(measures: ["conversations"], dimensions: ["channel"], filters: [{dimension: "channel", op: "eq", values: ["whatsapp"]}]) { rows { values } } }`);
    const n = metrics.rows[0].values[0];
    assert.equal(n, 2);
    const { conversations } = await gql(adminKey, `{ conversations(filters: [{dimension: "channel", op: "eq", values: ["whatsapp"]}]) { edges { node { id } } } }`);

    await page.goto(`${base}/`);
    await page.getByLabel("API key").fill(adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "Executive" }).click();
    await page.getByTestId("kpi-conversations").getByText(String(n)).waitFor();
    await page.getByRole("button", { name: `Conversations · whatsapp: ${n}` }).click();
    await page.getByRole("heading", { name: `${n} conversations: whatsapp` }).waitFor();
    const listed = await page.getByRole("link", { name: /^c-/ }).allTextContents();
    assert.deepEqual(listed.sort(), conversations.edges.map((e) => e.node.id).sort());
    assert.deepEqual(await accessibilityProblems(page), []);
    assert.deepEqual(problems, []);
  } catch (err) {
    const shot = join(tmpdir(), "meridian-console-e2e-executive.png");
    await page.screenshot({ path: shot }).catch(() => {});
    console.log(`screenshot of the failure: ${shot}`);
    throw err;
  } finally {
    await page.close();
  }
});

test("the compliance screen lists the audit trail, verifies it, holds, exports and erases a customer, applies retention and reports residency", async () => {
  const page = await browser.newPage({ locale: "en-US" });
  try {
    // The first test's reads and actions in eu were audited.
    const { auditLog } = await gql(adminKey, `{ auditLog(region: "eu", first: 3) { edges { node { seq action } } } }`);
    assert.equal(auditLog.edges.length, 3);

    await page.goto(`${base}/`);
    await page.getByLabel("API key").fill(adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "Compliance" }).click();
    await page.getByRole("heading", { name: "Audit trail" }).waitFor();
    // The heading shows before the first page of entries arrives.
    await page.locator("tbody tr").nth(2).waitFor();
    const firstRows = await page.locator("tbody tr").evaluateAll((rows) => rows.slice(0, 3).map((r) => [r.children[0].textContent, r.children[3].textContent]));
    assert.deepEqual(firstRows, auditLog.edges.map((e) => [String(e.node.seq), e.node.action]));
    await page.getByRole("button", { name: "Verify the hash chain" }).click();
    await page.getByTestId("verification").getByText(/^Intact: [\d,]+ entries$/).waitFor();
    const a11y = { audit: await accessibilityProblems(page) };

    // The first test's eu customer, by the WhatsApp number they wrote from.
    const { customerByIdentity } = await gql(adminKey, `{ customerByIdentity(channel: "whatsapp", externalId: "4915100777000") { id } }`);
    const customerId = customerByIdentity.id;

    // A legal hold: placed, listed.
    await page.getByRole("tab", { name: "Legal holds" }).click();
    await page.getByRole("textbox", { name: "Customer ID" }).fill(customerId);
    await page.getByRole("textbox", { name: "Reason" }).fill("Litigation 2026-17");
    await page.getByRole("button", { name: "Place hold" }).click();
    const hold = page.locator(`[data-hold="${customerId}"]`);
    await hold.filter({ hasText: "Litigation 2026-17" }).getByRole("button", { name: `Release the hold on ${customerId}` }).waitFor();
    a11y.holds = await accessibilityProblems(page);

    // Erasure under the hold: confirmed, then BLOCKED, nothing erased.
    await page.getByRole("tab", { name: "Erasure" }).click();
    const eraseForm = async (who) => {
      await page.getByRole("textbox", { name: "Customer ID" }).fill(who);
      await page.getByRole("textbox", { name: "Reason" }).fill("Art. 17 request 4471");
      await page.getByRole("button", { name: "Erase customer…" }).click();
      await page.getByRole("alertdialog").getByRole("button", { name: "Erase permanently" }).click();
    };
    // The server's error, as it words it.
    await eraseForm("cus_nobody");
    await page.getByRole("alert").getByText('Error: eraseCustomer(customerId): no customer "cus_nobody"').waitFor();
    await eraseForm(customerId);
    const blocked = page.locator('[data-testid="certificate"] [data-status="BLOCKED"]');
    await blocked.getByText("Blocked", { exact: true }).waitFor();
    await blocked.getByText(/^Blocked: .+/).waitFor();
    assert.equal(await blocked.locator("[data-entry]").count(), 0);

    // The export, a download from memory, holds their message while they are not erased.
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export data" }).click();
    const exported = JSON.parse(readFileSync(await (await download).path(), "utf8"));
    assert.ok(JSON.stringify(exported).includes("Hallo, wo bleibt meine Bestellung 4471?"), "the export lacks the customer's message");
    a11y.erasureBlocked = await accessibilityProblems(page);

    // Released: out of the active list, in the list with released ones.
    await page.getByRole("tab", { name: "Legal holds" }).click();
    await page.getByRole("button", { name: `Release the hold on ${customerId}` }).click();
    await page.getByText("No entries.").waitFor();
    await page.getByRole("checkbox", { name: "Include released" }).check();
    await page.locator(`[data-hold="${customerId}"][data-active="false"]`).waitFor();

    // Erasure again: COMPLETED, every store verified, as the server's certificate says.
    await page.getByRole("tab", { name: "Erasure" }).click();
    await eraseForm(customerId);
    const done = page.locator('[data-testid="certificate"] [data-status="COMPLETED"]');
    await done.getByText("Completed", { exact: true }).waitFor({ timeout: 30_000 });
    const { erasureCertificates } = await gql(adminKey, `query($c: ID!) { erasureCertificates(customerId: $c) { id status entries { store region verified } } }`, { c: customerId });
    assert.deepEqual(erasureCertificates.map((c) => c.status), ["BLOCKED", "COMPLETED"]);
    const shownEntries = await done.locator("[data-entry]").evaluateAll((rows) => rows.map((r) => [r.children[0].textContent, r.children[1].textContent, r.children[4].textContent]));
    assert.ok(shownEntries.length > 0);
    assert.deepEqual(shownEntries, erasureCertificates[1].entries.map((e) => [e.store, e.region, e.verified ? "Yes" : "No"]));
    assert.ok(shownEntries.every((e) => e[2] === "Yes"), `unverified entries: ${JSON.stringify(shownEntries)}`);
    await page.getByRole("button", { name: "List certificates" }).click();
    await page.getByTestId("certificates").locator("[data-certificate]").nth(erasureCertificates.length - 1).waitFor();
    const listed = await page.getByTestId("certificates").locator("[data-certificate]").evaluateAll((cs) => cs.map((c) => [c.dataset.certificate, c.dataset.status]));
    assert.deepEqual(listed, erasureCertificates.map((c) => [c.id, c.status]));
    a11y.erasureCompleted = await accessibilityProblems(page);

    // Retention, confirmed: the page shows the server's report, line by line.
    await page.getByRole("tab", { name: "Retention" }).click();
    await page.getByRole("button", { name: "Apply retention now…" }).click();
    const ran = page.waitForResponse((r) => r.url() === `${base}/graphql` && (r.request().postData() ?? "").includes("mutation ApplyRetention"));
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete expired data" }).click();
    const { applyRetention } = (await (await ran).json()).data;
    const report = page.getByTestId("retention-report");
    await report.getByRole("status").getByText(new RegExp(`: ${applyRetention.rowsRemoved.toLocaleString("en-US")} rows removed, ${applyRetention.heldCustomers.toLocaleString("en-US")} customers held$`)).waitFor();
    const lines = await report.locator("tbody tr").evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
    assert.ok(applyRetention.removals.length > 0);
    assert.deepEqual(lines.map((l) => [l[0], l[1], l[2], l[4], l[7]]), applyRetention.removals.map((r) => [r.store, r.region, r.kind, r.table, r.rows.toLocaleString("en-US")]));
    a11y.retention = await accessibilityProblems(page);

    // Residency: each region, no misplaced rows.
    const { residencyReport } = await gql(adminKey, `{ residencyReport { region misplacedRows } }`);
    assert.ok(residencyReport.length >= 2);
    await page.getByRole("tab", { name: "Residency" }).click();
    for (const r of residencyReport) {
      assert.equal(r.misplacedRows, 0, `${r.region} has misplaced rows`);
      await page.locator(`[data-region="${r.region}"]`).getByTestId("misplaced").getByText("Misplaced rows: 0").waitFor();
    }
    assert.deepEqual(await page.locator("[data-region]").evaluateAll((s) => s.map((e) => e.dataset.region)), residencyReport.map((r) => r.region));
    a11y.residency = await accessibilityProblems(page);
    assert.deepEqual(a11y, { audit: [], holds: [], erasureBlocked: [], erasureCompleted: [], retention: [], residency: [] }, "axe-core's serious or critical violations");
  } catch (err) {
    const shot = join(tmpdir(), "meridian-console-e2e-compliance.png");
    await page.screenshot({ path: shot }).catch(() => {});
    console.log(`screenshot of the failure: ${shot}`);
    throw err;
  } finally {
    await page.close();
  }
});
