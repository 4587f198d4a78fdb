// The planner screen in a real browser against a real `meridian serve` (e2e/harness.mjs):
// four weeks of eu WhatsApp history are posted to /v1/events with their past timestamps; a
// planner key opens Planner and sees the forecast, its backtest, the staffing plan at two
// service-level targets and a follow-the-sun plan whose figures equal the GraphQL answers for
// the same input; an hour of the history lists its conversations; a planning event the form
// creates (after the server refused it unnamed, then without a start) is marked on the chart and listed by
// planningEvents, and moving it as a what-if draws a second forecast without saving the move;
// axe-core finds nothing serious; the forecast and the heat-map work from the keyboard alone; an agent
// key has no Planner link. Run with
// `make build && cd console && node --test --test-reporter=spec e2e/planner.test.mjs`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accessibilityProblems, launchBrowser, signIn, startMeridian, waitFor } from "./harness.mjs";

const adminKey = "planner-admin-key-0123";
const plannerKey = "planner-key-0123";
const agentKey = "planner-agent-key-0123";

let meridian, base, browser;
const gql = (...args) => meridian.gql(...args);
const num = (v, o = {}) => new Intl.NumberFormat("en-US", o).format(v);
const hour = 3_600_000;

// Contacts per hour: busier on weekdays' office hours (UTC), none on Sundays.
function contactsAt(t) {
  const d = new Date(t);
  if (d.getUTCDay() === 0) return 0;
  const office = d.getUTCHours() >= 8 && d.getUTCHours() < 18;
  return d.getUTCDay() === 6 ? (office ? 2 : 0) : office ? 4 : 1;
}

// Four weeks of history up to the last full hour, one message.received per conversation.
async function seedHistory() {
  const end = Math.floor(Date.now() / hour) * hour;
  const events = [];
  for (let t = end - 28 * 24 * hour; t < end; t += hour) {
    for (let k = 0; k < contactsAt(t); k++) {
      const id = `h${t / hour}-${k}`;
      events.push({
        id: `e-${id}`,
        type: "message.received",
        occurred_at: new Date(t + k * 7 * 60_000).toISOString(),
        channel: "whatsapp",
        conversation_id: `c-${id}`,
        customer: { country: "DE", external_id: `4915100${String(events.length).padStart(5, "0")}` },
        text: "Wo ist meine Bestellung?",
        language: "de",
      });
    }
  }
  for (let i = 0; i < events.length; i += 500) {
    const resp = await fetch(`${base}/v1/events`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${adminKey}` },
      body: JSON.stringify(events.slice(i, i + 500)),
    });
    assert.ok(resp.ok, `POST /v1/events: ${resp.status} ${await resp.text()}`);
  }
  await waitFor(
    "the history in ClickHouse",
    async () => {
      const { metrics } = await gql(adminKey, `{ metrics(measures: ["contacts"], filters: [{dimension: "region", op: "eq", values: ["eu"]}]) { rows { values } } }`);
      return metrics.rows[0]?.values[0] === events.length;
    },
    180_000,
  );
  return events.length;
}

before(async () => {
  meridian = await startMeridian(`${adminKey},${plannerKey}:planner:eu+us,${agentKey}:agent:eu`);
  base = meridian.base;
  await seedHistory();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await meridian?.stop();
});

test("a planner's forecast, backtest, staffing and follow-the-sun figures are the API's; an hour lists its conversations; a planning event is created, marked and moved as a what-if", async () => {
  const page = await browser.newPage({ locale: "en-US", timezoneId: "UTC", viewport: { width: 1400, height: 1000 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  try {
    await signIn(page, base, plannerKey);
    await page.getByRole("link", { name: "Planner" }).click();
    await page.getByRole("heading", { name: "Workforce planning" }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/planner");

    // The forecast of eu (the key's first region), all languages and channels, a week ahead.
    const summary = page.getByTestId("forecast-summary");
    await summary.waitFor({ timeout: 60_000 });
    const q = `query($move: [PlanningEventMoveInput!]) { forecast(series: {region: "eu"}, horizon: 168, move: $move) {
      series market model contacts historyFrom historyTo history { t contacts } points { t mean } accuracy { model mae mase smape coverage } baselines { model mase }
      events { id name startsAt } } }`;
    const { forecast: f } = await gql(plannerKey, q);
    assert.equal(f.series, "eu/*/*/*");
    assert.equal(f.market, "DE");
    const text = await summary.textContent();
    assert.ok(text.includes(`model ${f.model}, ${num(f.contacts)} contacts`), `${text} vs ${JSON.stringify({ model: f.model, contacts: f.contacts })}`);
    assert.equal(f.history.reduce((s, p) => s + p.contacts, 0), f.contacts);
    const chart = page.getByTestId("forecast-chart");
    assert.equal(await chart.getAttribute("aria-label"), `History and forecast of eu/*/*/* (model ${f.model}, 168 intervals ahead, 0 planning events)`);
    assert.ok((await chart.locator("svg path").count()) > 3, "the chart draws its lines");

    // The backtest: the selected model's row and each baseline's, as the API scored them.
    const row = (model) => page.getByTestId(`score-${model}`).locator("td");
    const sel = await row(f.accuracy.model).allTextContents();
    assert.deepEqual(sel.slice(2), [
      num(f.accuracy.mae, { maximumFractionDigits: 2 }),
      num(f.accuracy.mase, { maximumFractionDigits: 2 }),
      num(f.accuracy.smape / 100, { style: "percent", maximumFractionDigits: 1 }),
      num(f.accuracy.coverage, { style: "percent", maximumFractionDigits: 0 }),
    ]);
    assert.equal(f.baselines.length, 2);
    for (const b of f.baselines) assert.equal((await row(b.model).allTextContents())[3], num(b.mase, { maximumFractionDigits: 2 }));

    // Staffing at 80% and, as the what-if, 90% of contacts answered within 20 s: the server
    // staffs both and gives the difference.
    const { staffing: at80 } = await gql(plannerKey, `{ staffing(input: {ahtSeconds: 300, answerSeconds: 20, shrinkage: 0.3, serviceLevel: 0.8, compareServiceLevel: 0.9,
        series: {region: "eu"}, source: "live", horizon: 24}) { peakAgents agentHours serviceLevel compare { peakAgents agentHours serviceLevel peakAgentsDifference } } }`);
    const at90 = at80.compare;
    assert.ok(at90.peakAgents >= at80.peakAgents && at80.peakAgents > 0);
    const eu = page.getByTestId("staffing-eu").locator("td");
    await eu.nth(2).waitFor({ timeout: 60_000 });
    const cells = await eu.allTextContents();
    const pct = (v) => num(v, { style: "percent", maximumFractionDigits: 1 });
    assert.deepEqual(cells.slice(2), [
      num(at80.peakAgents),
      `${num(at90.peakAgents)} (${num(at90.peakAgentsDifference, { signDisplay: "exceptZero" })})`,
      num(at80.agentHours, { maximumFractionDigits: 1 }),
      num(at90.agentHours, { maximumFractionDigits: 1 }),
      `${pct(at80.serviceLevel)} → ${pct(at90.serviceLevel)}`,
    ]);
    // us has no history: its row says so, and the heat-map has eu's row only.
    assert.match(await page.getByTestId("staffing-us").textContent(), /no contacts in its history/);
    assert.equal(await page.getByTestId("staffing-heatmap").getAttribute("aria-label"), "Agents needed per hour in eu over 24 hours");
    await page.locator("label", { hasText: "Difference in agents" }).click();
    assert.ok(await page.getByRole("radio", { name: "Difference in agents" }).isChecked());
    await page.getByTestId("staffing-heatmap").locator("svg").waitFor();

    // Follow-the-sun: the busiest market (DE, German, in eu) from eu's and us's sites.
    await page.getByRole("button", { name: "Plan follow-the-sun" }).click();
    const sunText = page.getByTestId("sun-summary");
    await sunText.waitFor({ timeout: 60_000 });
    const { followTheSun: sun } = await gql(plannerKey, `{ followTheSun(input: {
        regions: [{name: "eu", timeZone: "Europe/Berlin", startHour: 8, endHour: 18, costPerHour: 40, languages: ["de"]},
                  {name: "us", timeZone: "America/New_York", startHour: 8, endHour: 18, costPerHour: 45, languages: ["en"]}],
        demand: [{market: "DE", language: "de", series: {region: "eu", language: "de"}}], source: "live", horizon: 168, ahtSeconds: 300}) {
      cost serviceLevel baseline { region cost } coverage { market language hours baselineHours cost baselineCost humanContacts aiContacts serviceLevel } } }`);
    const st = await sunText.textContent();
    assert.ok(st.startsWith(`Cost ${num(sun.cost, { maximumFractionDigits: 0 })} against ${num(sun.baseline.cost, { maximumFractionDigits: 0 })} for eu's office hours`), st);
    // The market's row: its coverage, its cost, who handles its contacts and its service level.
    const cov = await page.getByTestId("sun-coverage").locator("tbody td").allTextContents();
    const de = sun.coverage[0];
    assert.ok(de.cost > 0 && de.humanContacts > 0 && de.serviceLevel > 0, JSON.stringify(de));
    assert.deepEqual(cov, [
      "DE",
      "German",
      num(de.hours, { maximumFractionDigits: 1 }),
      num(de.baselineHours, { maximumFractionDigits: 1 }),
      num(de.cost, { maximumFractionDigits: 0 }),
      num(de.baselineCost, { maximumFractionDigits: 0 }),
      num(de.humanContacts, { maximumFractionDigits: 0 }),
      num(de.aiContacts, { maximumFractionDigits: 0 }),
      pct(de.serviceLevel),
    ]);

    // An hour of the history (last Tuesday 10:00 UTC) lists the conversations of that hour.
    const tue = new Date(Date.parse(f.historyTo) - 7 * 24 * hour);
    tue.setUTCDate(tue.getUTCDate() - ((tue.getUTCDay() + 5) % 7));
    tue.setUTCHours(10, 0, 0, 0);
    const { conversations } = await gql(plannerKey, `query($from: Time, $to: Time) { conversations(filters: [{dimension: "region", op: "eq", values: ["eu"]}], from: $from, to: $to) { totalCount } }`, {
      from: tue.toISOString(),
      to: new Date(tue.getTime() + hour).toISOString(),
    });
    assert.equal(conversations.totalCount, 4);
    await page.getByLabel("Interval start").fill(tue.toISOString().slice(0, 16));
    await page.getByRole("button", { name: "List its conversations" }).click();
    await page.getByRole("heading", { name: new RegExp(`^${conversations.totalCount} conversations: eu/\\*/\\*/\\*`) }).waitFor();
    assert.equal(await page.getByTestId("drill").getByRole("link", { name: /^c-h/ }).count(), 4);
    // A click on the chart's history opens an hour too.
    const title = page.getByTestId("drill").locator("h3");
    const tuesday = await title.textContent();
    const box = await chart.boundingBox();
    await page.mouse.click(box.x + 80, box.y + box.height / 2);
    await waitFor("the clicked hour's conversations", async () => /^\d+ conversations: eu\/\*\/\*\/\*, /.test((await title.textContent()) ?? "") && (await title.textContent()) !== tuesday);

    // The server names what is wrong with an event; then one is created.
    const refusal = page.getByTestId("create-error");
    const refused = async (why) => (await refusal.count()) === 1 && (await refusal.textContent()) === why;
    await page.getByRole("button", { name: "Create event" }).click();
    await waitFor("the refusal of an unnamed event", () => refused("planning event: the name is empty"));
    await page.getByLabel("Name").fill("App 7.0");
    await page.getByRole("button", { name: "Create event" }).click();
    await waitFor("the refusal of an event without a start", () => refused("planning event: no start time"));
    const starts = new Date(Date.parse(f.points[0].t) + 2 * 24 * hour + 9 * hour);
    await page.getByLabel("Starts").fill(starts.toISOString().slice(0, 16));
    await page.getByLabel("Markets").fill("de");
    await page.getByRole("button", { name: "Create event" }).click();
    await page.getByRole("status").getByText(/^Created App 7\.0/).waitFor();
    const { planningEvents } = await gql(plannerKey, `{ planningEvents(region: "eu") { id name kind markets startsAt } }`);
    assert.equal(planningEvents.length, 1);
    assert.deepEqual({ ...planningEvents[0], id: undefined }, { id: undefined, name: "App 7.0", kind: "release", markets: ["DE"], startsAt: starts.toISOString().replace(".000", "") });
    await page.getByTestId("planning-events").getByRole("cell", { name: "App 7.0" }).waitFor();
    // The forecast is read again: its chart marks the event.
    await waitFor("the event on the chart", async () => (await chart.getAttribute("aria-label"))?.endsWith("1 planning events)"), 60_000);
    await chart.locator("svg text", { hasText: "App 7.0" }).first().waitFor();

    // What-if: the release two days later, not saved.
    await page.getByRole("combobox", { name: "Planning event" }).click();
    await page.getByRole("option", { name: /^App 7\.0/ }).click();
    const moved = new Date(starts.getTime() + 2 * 24 * hour);
    await page.getByLabel("New start").fill(moved.toISOString().slice(0, 16));
    await page.getByRole("button", { name: "Compare forecasts" }).click();
    await chart.locator("svg text", { hasText: "App 7.0 (moved)" }).first().waitFor({ timeout: 60_000 });
    await chart.locator("svg text", { hasText: "What-if forecast" }).first().waitFor();
    const { forecast: whatIf } = await gql(plannerKey, q, { move: [{ id: planningEvents[0].id, startsAt: moved.toISOString() }] });
    assert.equal(whatIf.events[0].startsAt, moved.toISOString().replace(".000", ""));
    const again = await gql(plannerKey, `{ planningEvents(region: "eu") { startsAt } }`);
    assert.equal(again.planningEvents[0].startsAt, planningEvents[0].startsAt);

    assert.deepEqual(await accessibilityProblems(page), []);
    assert.deepEqual(problems, []);
    if (process.env.PLANNER_SHOT) await page.screenshot({ path: process.env.PLANNER_SHOT, fullPage: true });
  } catch (err) {
    const shot = join(tmpdir(), "meridian-planner-e2e.png");
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.log(`screenshot of the failure: ${shot}\nserver log:\n${meridian.logs().slice(-4000)}`);
    throw err;
  } finally {
    await page.close();
  }
});

test("the forecast and the staffing heat-map work from the keyboard: arrows walk the hours, Enter and Space list an hour's conversations as GraphQL gives them", async () => {
  const page = await browser.newPage({ locale: "en-US", timezoneId: "UTC", viewport: { width: 1400, height: 1000 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  const when = (iso) => new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
  try {
    await signIn(page, base, plannerKey);
    await page.getByRole("link", { name: "Planner" }).click();
    await page.getByTestId("forecast-summary").waitFor({ timeout: 60_000 });
    const { forecast: f } = await gql(plannerKey, `{ forecast(series: {region: "eu"}, horizon: 168) { history { t contacts } } }`);
    const chart = page.getByTestId("forecast-chart");
    const point = page.locator('[data-testid="forecast-chart"] ~ [data-chart-point]').first();

    // Tab from the interval control reaches the chart; the hour field beside it stays.
    await chart.locator("svg").waitFor();
    await page.getByRole("radio", { name: "Hourly", exact: true }).focus();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")), "forecast-chart");
    await page.getByLabel("Interval start").waitFor();
    assert.match(await page.locator(`[id="${await chart.getAttribute("aria-describedby")}"]`).textContent(), /Enter lists the conversations/);

    // The first key lands on the latest hour of the history, announced with its contacts.
    const said = (p) => `${when(p.t)} · History: ${num(p.contacts, { maximumFractionDigits: 1 })}`;
    const last = f.history.length - 1;
    await page.keyboard.press("ArrowLeft");
    await waitFor("the latest hour announced", async () => (await point.textContent()) === said(f.history[last]));
    // Home goes to the first hour, four weeks back, outside the chart's window: the window follows, the tooltip shows it.
    await page.keyboard.press("Home");
    await waitFor("the first hour announced", async () => (await point.textContent()) === said(f.history[0]));
    await waitFor("the first hour's tooltip", async () => (await chart.textContent()).includes(when(f.history[0].t)));

    // Last Tuesday 10:00 UTC: a day per Page Up from the first hour, then the arrows.
    const tue = new Date(Date.parse(f.history[last].t) - 7 * 24 * hour);
    tue.setUTCDate(tue.getUTCDate() - ((tue.getUTCDay() + 5) % 7));
    tue.setUTCHours(10, 0, 0, 0);
    const at = f.history.findIndex((p) => Date.parse(p.t) === tue.getTime());
    assert.ok(at > 0 && f.history[at].contacts > 0, `Tuesday 10:00 in the history: ${at}`);
    for (let i = 0; i < Math.floor(at / 24); i++) await page.keyboard.press("PageUp");
    for (let i = 0; i < at % 24; i++) await page.keyboard.press("ArrowRight");
    await waitFor("Tuesday 10:00 announced", async () => (await point.textContent()) === said(f.history[at]));
    if (process.env.PLANNER_KEYS_SHOT) await chart.screenshot({ path: process.env.PLANNER_KEYS_SHOT });

    // Enter lists that hour's conversations, Space (after one more arrow) the next hour's: each exactly GraphQL's.
    const listed = async (from, key) => {
      const { conversations } = await gql(
        plannerKey,
        `query($from: Time, $to: Time) { conversations(filters: [{dimension: "region", op: "eq", values: ["eu"]}], from: $from, to: $to, first: 50) { totalCount edges { node { id } } } }`,
        { from: new Date(from).toISOString(), to: new Date(from + hour).toISOString() },
      );
      assert.equal(conversations.totalCount, f.history.find((p) => Date.parse(p.t) === from).contacts);
      await page.keyboard.press(key);
      const drill = page.getByTestId("drill");
      await drill.getByRole("heading", { name: `${num(conversations.totalCount)} conversations: eu/*/*/*, ${when(new Date(from).toISOString())}` }).waitFor();
      const ids = await drill.getByRole("link").allTextContents();
      assert.deepEqual(ids.sort(), conversations.edges.map((e) => e.node.id).sort());
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")), "forecast-chart", "the chart keeps the focus");
    };
    await listed(tue.getTime(), "Enter");
    await page.keyboard.press("ArrowRight");
    await waitFor("11:00 announced", async () => (await point.textContent()) === said(f.history[at + 1]));
    await listed(tue.getTime() + hour, "Space");

    // The staffing heat-map: its cells, walked with the arrows, are the staffing answer's.
    const { staffing } = await gql(plannerKey, `{ staffing(input: {ahtSeconds: 300, answerSeconds: 20, shrinkage: 0.3, serviceLevel: 0.8, compareServiceLevel: 0.9,
        series: {region: "eu"}, source: "live", horizon: 24}) { intervals { start agents } } }`);
    const heat = page.getByTestId("staffing-heatmap");
    await heat.locator("svg").waitFor({ timeout: 60_000 });
    const cell = page.locator('[data-testid="staffing-heatmap"] ~ [data-chart-point]').first();
    assert.match(await page.locator(`[id="${await heat.getAttribute("aria-describedby")}"]`).textContent(), /Arrow keys move/);
    await heat.focus();
    await page.keyboard.press("ArrowRight");
    const iv = (i) => `eu · ${when(staffing.intervals[i].start)}: ${num(staffing.intervals[i].agents)}`;
    await waitFor("the first interval announced", async () => (await cell.textContent()) === iv(0));
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    await waitFor("the third interval announced", async () => (await cell.textContent()) === iv(2));
    await page.keyboard.press("End");
    await waitFor("the last interval announced", async () => (await cell.textContent()) === iv(staffing.intervals.length - 1));

    assert.deepEqual(await accessibilityProblems(page), []);
    assert.deepEqual(problems, []);
  } catch (err) {
    const shot = join(tmpdir(), "meridian-planner-keys-e2e.png");
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.log(`screenshot of the failure: ${shot}\nserver log:\n${meridian.logs().slice(-4000)}`);
    throw err;
  } finally {
    await page.close();
  }
});

test("an agent has no Planner link and /planner is not hers", async () => {
  const page = await browser.newPage({ locale: "en-US" });
  try {
    await signIn(page, base, agentKey);
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
    assert.equal(await page.getByRole("link", { name: "Planner" }).count(), 0);
    await page.goto(`${base}/planner`);
    await page.getByRole("heading", { name: "Inbox" }).or(page.getByText("not built")).first().waitFor();
    assert.equal(await page.getByRole("heading", { name: "Workforce planning" }).count(), 0);
  } finally {
    await page.close();
  }
});
