// The executive screen's trend chart from the keyboard alone, in a real browser against a real
// `meridian serve` (e2e/harness.mjs): conversations of two days in eu and us are posted to
// /v1/events; Tab from the measure reaches the chart, the arrow keys walk its points (each
// announced with the figure the metrics query gives), and Enter or Space lists the
// conversations behind the point, the same as the conversations query for that region and day;
// axe-core finds nothing serious. (The Planner's forecast and heat-map: e2e/planner.test.mjs.)
// Run with `make build && cd console && node --test --test-reporter=spec e2e/keyboard-charts.test.mjs`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { accessibilityProblems, launchBrowser, signIn, startMeridian, waitFor, withPage } from "./harness.mjs";

const adminKey = "keys-admin-key-0123";
const execKey = "keys-exec-key-0123";
const day = 86_400_000;

let meridian, base, browser;
const gql = (...args) => meridian.gql(...args);
// Conversations per region on the day before yesterday and yesterday (UTC).
const today = Math.floor(Date.now() / day) * day;
const days = [today - 2 * day, today - day];
const plan = { eu: [2, 3], us: [4, 1] };

before(async () => {
  meridian = await startMeridian(`${adminKey},${execKey}:executive`);
  base = meridian.base;
  const events = [];
  for (const [region, counts] of Object.entries(plan)) {
    counts.forEach((n, d) => {
      for (let k = 0; k < n; k++) {
        const id = `${region}-${d}-${k}`;
        events.push({
          id: `e-${id}`,
          type: "message.received",
          occurred_at: new Date(days[d] + 10 * 3_600_000 + k * 60_000).toISOString(),
          channel: "whatsapp",
          conversation_id: `c-${id}`,
          customer: region === "eu" ? { country: "DE", external_id: `49151000${events.length}` } : { country: "US", external_id: `1202555${events.length}` },
          text: "Where is my order?",
          language: "en",
        });
      }
    });
  }
  const resp = await fetch(`${base}/v1/events`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${adminKey}` },
    body: JSON.stringify(events),
  });
  assert.ok(resp.ok, `POST /v1/events: ${resp.status} ${await resp.text()}`);
  await waitFor("the conversations in ClickHouse", async () => {
    const { metrics } = await gql(adminKey, `{ metrics(measures: ["conversations"]) { rows { values } } }`);
    return metrics.rows[0]?.values[0] === events.length;
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await meridian?.stop();
});

test("the executive trend chart from the keyboard: arrows walk its points, Enter and Space list a point's conversations as GraphQL gives them", async () => {
  await withPage(browser, meridian, "keyboard-charts", async (page) => {
    const iso = (t) => new Date(t).toISOString();
    const date = (t) => new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" }).format(new Date(t));
    // The figures the chart draws: conversations per day and region.
    const { metrics } = await gql(execKey, `query($from: Time) { metrics(measures: ["conversations"], dimensions: ["time", "region"], granularity: "day", from: $from) { rows { dimensions values } } }`, {
      from: iso(days[0]),
    });
    const figure = (region, d) => metrics.rows.find((r) => r.dimensions[0] === iso(days[d]).slice(0, 10) && r.dimensions[1] === region)?.values[0];
    assert.deepEqual([figure("eu", 0), figure("eu", 1), figure("us", 0), figure("us", 1)], [...plan.eu, ...plan.us]);

    await signIn(page, base, execKey);
    await page.getByRole("link", { name: "Executive" }).click();
    const chart = page.getByRole("img", { name: "Per day by region: Conversations" });
    await chart.locator("svg").waitFor({ timeout: 60_000 });
    const point = page.locator('[data-chart-point]').first();

    // Tab from the measure reaches the chart.
    await page.getByRole("combobox", { name: "Measure" }).focus();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")), "Per day by region: Conversations");
    const said = (region, d) => `${region} · ${date(days[d])}: ${figure(region, d)}`;
    // The first key lands on eu's latest day; left goes a day back, down to us.
    await page.keyboard.press("ArrowRight");
    await waitFor("eu yesterday announced", async () => (await point.textContent()) === said("eu", 1));
    await page.keyboard.press("ArrowLeft");
    await waitFor("eu the day before announced", async () => (await point.textContent()) === said("eu", 0));
    await page.keyboard.press("ArrowDown");
    await waitFor("us the day before announced", async () => (await point.textContent()) === said("us", 0));

    const listed = async (region, d, key) => {
      const { conversations } = await gql(
        execKey,
        `query($r: String!, $from: Time, $to: Time) { conversations(filters: [{dimension: "region", op: "eq", values: [$r]}], from: $from, to: $to) { totalCount edges { node { id } } } }`,
        { r: region, from: iso(days[d]), to: iso(days[d] + day) },
      );
      assert.equal(conversations.totalCount, figure(region, d));
      await page.keyboard.press(key);
      const drill = page.getByTestId("drill");
      await drill.getByRole("heading", { name: `${conversations.totalCount} conversations: ${region} · ${date(days[d])}` }).waitFor();
      assert.deepEqual((await drill.getByRole("link").allTextContents()).sort(), conversations.edges.map((e) => e.node.id).sort());
    };
    await listed("us", 0, "Enter");
    await page.keyboard.press("ArrowRight");
    await waitFor("us yesterday announced", async () => (await point.textContent()) === said("us", 1));
    await listed("us", 1, " ");
    assert.deepEqual(await accessibilityProblems(page), []);
  });
});
