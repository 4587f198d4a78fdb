// The product insights screen in a real browser against a real `meridian serve`
// (e2e/harness.mjs): customers in Germany and the United States write about a competitor, a
// failing battery and prices through POST /v1/events; an analyst opens Product insights and
// reads the same competitor and price rates, per market and segment, as GraphQL gives for the
// same filters, the German customers' theme with its examples masked (no e-mail address, no
// phone number), and opens the conversations behind a count: a rate's bar or hits list only
// the conversations whose customer messages mention a competitor or price, a theme's volume
// or trend point those with one of its phrases, as the server's mention filter gives them;
// an executive, whose role reads no texts, is offered none of those drills; an agent's
// console has no such screen. axe-core checks the screen. Run: make build && cd console && node --test e2e/insights.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accessibilityProblems, launchBrowser, startMeridian, waitFor } from "./harness.mjs";

const adminKey = "insights-admin-key-0123";
const analystKey = "insights-analyst-key-0123";
const agentKey = "insights-agent-key-0123";
const executiveKey = "insights-executive-key-0123";

let meridian, base, browser;
const gql = (...args) => meridian.gql(...args);

// What the screen asks for by default: the last 28 UTC days, today included, by week.
const today = new Date().toISOString().slice(0, 10);
const from = new Date(new Date(`${today}T00:00:00Z`).getTime() - 27 * 86_400_000).toISOString();
const to = new Date(new Date(`${today}T00:00:00Z`).getTime() + 86_400_000).toISOString();
const pct = (v) => new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 }).format(v);
const num = (v) => new Intl.NumberFormat("en-US").format(v);

// Customer messages of two markets and two segments. German customers report the robot
// vacuum's battery and compare it with Sony, leaving an e-mail address and a phone number;
// American customers find the kettle too expensive, a few of them mention Panasonic.
const seeded = [];
function message(country, tier, i, text, extra = {}) {
  const n = seeded.length;
  seeded.push({
    id: `ins-${country}-${n}`,
    type: "message.received",
    occurred_at: new Date(Date.now() - (60 - n) * 1000).toISOString(),
    channel: "webchat",
    direction: "inbound",
    conversation_id: `ins-${country.toLowerCase()}-${n}`,
    customer: { country, tier, external_id: `${country}-${i}`, ...extra },
    text,
    language: "en",
  });
}
const email = (i) => `hans.weber${i}@example.com`;
const phone = (i) => `+49 151 2345 67${10 + i}`;
for (let i = 0; i < 12; i++) {
  message("DE", i % 2 ? "enterprise" : "smb", i, `The robot vacuum battery drains overnight again, a Sony would be better. Write to ${email(i)} or call ${phone(i)}`);
}
for (let i = 0; i < 6; i++) message("DE", "smb", 100 + i, "Where is my parcel? The tracking page shows nothing since Monday.");
for (let i = 0; i < 10; i++) {
  const rival = i < 3 ? " Panasonic sells one for less." : "";
  message("US", i % 2 ? "enterprise" : "smb", i, `The kettle is too expensive, is there a discount this month?${rival}`);
}
for (let i = 0; i < 8; i++) message("US", "enterprise", 100 + i, "Where is my parcel? The tracking page shows nothing since Monday.");

before(async () => {
  meridian = await startMeridian(`${adminKey},${analystKey}:analyst,${agentKey}:agent:eu,${executiveKey}:executive`);
  base = meridian.base;
  const resp = await fetch(`${base}/v1/events`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${adminKey}` },
    body: JSON.stringify(seeded),
  });
  assert.equal(resp.status, 202);
  assert.deepEqual(await resp.json(), { accepted: seeded.length });
  await waitFor("the customer messages in ClickHouse", async () => {
    const { metrics } = await gql(adminKey, `{ metrics(measures: ["inbound_messages"]) { rows { values } } }`);
    return metrics.rows[0]?.values[0] === seeded.length;
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await meridian?.stop();
});

const reportsQuery = `query($from: Time, $to: Time, $markets: [String!], $segments: [String!]) {
  competitorMentions(markets: $markets, segments: $segments, from: $from, to: $to, period: "week") { rate { hits docs rate } markets { market rate { hits docs rate } } }
  priceSensitivity(markets: $markets, segments: $segments, from: $from, to: $to, period: "week") { rate { hits docs rate } marketSegments { key hits docs rate } }
}`;

const drillQuery = `query($f: [FilterInput!], $from: Time, $to: Time) { conversations(filters: $f, from: $from, to: $to, first: 100) { totalCount edges { node { id messageCount } } } }`;

/** The conversation ids of the seeded messages [lo, hi) of a market, sorted as strings. */
const seededIds = (country, lo, hi) =>
  Array.from({ length: hi - lo }, (_, i) => `ins-${country.toLowerCase()}-${lo + i}`).sort();

const themesQuery = `query($target: SegmentInput!, $from: Time, $to: Time) {
  opportunities(target: $target, from: $from, to: $to, period: "week", limit: 10) { label phrases volume markets { key hits rate } periods { period docs } examples { conversationId text } }
}`;

test("an analyst reads competitor and price rates, themes with masked examples, and the conversations behind a count, as GraphQL gives them", async () => {
  const page = await browser.newPage({ locale: "en-US" });
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message} ${e.stack}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  try {
    const want = await gql(analystKey, reportsQuery, { from, to });
    // The seeded figures, so that a server answering zeros would fail here.
    const de = want.competitorMentions.markets.find((m) => m.market === "DE");
    const us = want.competitorMentions.markets.find((m) => m.market === "US");
    assert.deepEqual([de.rate.hits, de.rate.docs, us.rate.hits, us.rate.docs], [12, 18, 3, 18]);
    assert.deepEqual(
      want.priceSensitivity.marketSegments.filter((r) => r.hits > 0).map((r) => [r.key, r.hits, r.docs]),
      [["US/enterprise", 5, 13], ["US/smb", 5, 5]],
    );

    await page.goto(`${base}/`);
    await page.getByLabel("API key").fill(analystKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "Product insights" }).click();
    await page.getByRole("heading", { name: "Product insights" }).waitFor();

    // Competitor mentions per market: rate, mentions and messages as GraphQL says.
    const competitors = page.getByTestId("competitors");
    await competitors.locator("tbody tr").nth(want.competitorMentions.markets.length - 1).waitFor();
    const shownCompetitors = await competitors.locator("tbody tr").evaluateAll((rows) =>
      rows.map((r) => [r.dataset.market, ...["rate", "hits", "docs"].map((k) => r.querySelector(`[data-testid=${k}]`).textContent)]),
    );
    assert.deepEqual(
      shownCompetitors,
      want.competitorMentions.markets.map((m) => [m.market, pct(m.rate.rate), num(m.rate.hits), num(m.rate.docs)]),
    );
    const c = want.competitorMentions.rate;
    await page.getByTestId("competitor-overall").getByText(`All markets: ${pct(c.rate)} (${num(c.hits)} of ${num(c.docs)})`).waitFor();
    await page.getByRole("img", { name: "Share of customer messages mentioning a competitor, by market" }).waitFor();

    // Price sensitivity per market and segment.
    const shownPrice = await page.getByTestId("price").locator("tbody tr").evaluateAll((rows) =>
      rows.map((r) => [r.dataset.cell, ...["rate", "hits", "docs"].map((k) => r.querySelector(`[data-testid=${k}]`).textContent)]),
    );
    assert.deepEqual(
      shownPrice,
      want.priceSensitivity.marketSegments.map((r) => [r.key, pct(r.rate), num(r.hits), num(r.docs)]),
    );
    await page.getByRole("img", { name: "Share of customer messages about price, by market and segment" }).waitFor();

    // A count of messages lists the conversations behind it: the metrics filters of the figure.
    const filters = [
      { dimension: "type", op: "eq", values: ["message.received"] },
      { dimension: "country", op: "in", values: ["DE"] },
    ];
    const { conversations } = await gql(analystKey, `query($f: [FilterInput!], $from: Time, $to: Time) { conversations(filters: $f, from: $from, to: $to, first: 100) { totalCount edges { node { id messageCount } } } }`, { f: filters, from, to });
    assert.equal(conversations.totalCount, 18);
    await page.getByRole("button", { name: `Customer messages · DE: ${num(de.rate.docs)}` }).click();
    const drill = page.getByTestId("drill");
    await drill.getByRole("heading", { name: `${num(conversations.totalCount)} conversations: DE: customer messages` }).waitFor();
    const listed = await drill.locator("tbody tr").evaluateAll((rows) => rows.map((r) => [r.children[0].textContent, Number(r.children[3].textContent)]));
    assert.deepEqual(listed.map(([id]) => id).sort(), conversations.edges.map((e) => e.node.id).sort());
    // Their messages add up to the figure clicked.
    assert.equal(listed.reduce((s, [, n]) => s + n, 0), de.rate.docs);

    // A rate's hits list only the conversations behind them: the server's hits (the mention
    // filter), whose customer messages add up to the hits shown, and no other.
    const hitsOf = async (f) => (await gql(analystKey, drillQuery, { f, from, to })).conversations;
    const listedIn = (heading) => heading.waitFor().then(() => drill.locator("tbody tr").evaluateAll((rows) => rows.map((r) => [r.children[0].textContent, Number(r.children[3].textContent)])));
    const deHits = await hitsOf([...filters, { dimension: "mention", op: "eq", values: ["competitor"] }]);
    // The German battery messages name Sony; the parcel questions (ins-de-12 to 17) name nobody.
    assert.deepEqual(deHits.edges.map((e) => e.node.id).sort(), seededIds("DE", 0, 12));
    await page.getByRole("button", { name: `Messages mentioning a competitor · DE: ${num(de.rate.hits)}` }).click();
    const deListed = await listedIn(drill.getByRole("heading", { name: `${num(deHits.totalCount)} conversations: DE: customer messages mentioning a competitor` }));
    assert.deepEqual(deListed.map(([id]) => id).sort(), deHits.edges.map((e) => e.node.id).sort());
    assert.equal(deListed.reduce((s, [, n]) => s + n, 0), de.rate.hits);
    assert.ok(!deListed.some(([id]) => id === "ins-de-12"), "a parcel question is listed as a competitor mention");

    // A bar of the chart lists its hits too: the United States' three Panasonic messages, not
    // the kettle messages without a competitor (ins-us-21 on) nor the parcel questions.
    const usHits = await hitsOf([filters[0], { dimension: "country", op: "in", values: ["US"] }, { dimension: "mention", op: "eq", values: ["competitor"] }]);
    assert.deepEqual(usHits.edges.map((e) => e.node.id).sort(), seededIds("US", 18, 21));
    const usBar = want.competitorMentions.markets.findIndex((m) => m.market === "US");
    const bars = page.getByRole("img", { name: "Share of customer messages mentioning a competitor, by market" }).locator('path[fill]:not([fill="none"]):not([fill="transparent"])');
    assert.equal(await bars.count(), want.competitorMentions.markets.length);
    await bars.nth(usBar).click();
    const usListed = await listedIn(drill.getByRole("heading", { name: `${num(usHits.totalCount)} conversations: US: customer messages mentioning a competitor` }));
    assert.deepEqual(usListed.map(([id]) => id).sort(), usHits.edges.map((e) => e.node.id).sort());
    assert.equal(usListed.reduce((s, [, n]) => s + n, 0), us.rate.hits);
    assert.ok(!usListed.some(([id]) => id === "ins-us-21" || id === "ins-us-28"), `non-hits listed: ${usListed}`);

    // One competitor of a market's top competitors: the German Sony messages.
    await page.getByRole("button", { name: `Messages mentioning sony · DE: ${num(12)}` }).click();
    const sonyHits = await hitsOf([...filters, { dimension: "mention", op: "eq", values: ["competitor:sony"] }]);
    const sonyListed = await listedIn(drill.getByRole("heading", { name: `${num(sonyHits.totalCount)} conversations: DE: customer messages mentioning sony` }));
    assert.deepEqual(sonyListed.map(([id]) => id).sort(), sonyHits.edges.map((e) => e.node.id).sort());

    // Price: the American enterprise customers' kettle messages, not their parcel questions.
    const cell = want.priceSensitivity.marketSegments.find((r) => r.key === "US/enterprise");
    const priceHits = await hitsOf([
      filters[0],
      { dimension: "country", op: "in", values: ["US"] },
      { dimension: "tier", op: "in", values: ["enterprise"] },
      { dimension: "mention", op: "eq", values: ["price"] },
    ]);
    assert.deepEqual(priceHits.edges.map((e) => e.node.id).sort(), seededIds("US", 18, 28).filter((_, i) => i % 2 === 1));
    await page.getByRole("button", { name: `Messages about price · US · enterprise: ${num(cell.hits)}` }).click();
    const priceListed = await listedIn(drill.getByRole("heading", { name: `${num(priceHits.totalCount)} conversations: US · enterprise: customer messages about price` }));
    assert.deepEqual(priceListed.map(([id]) => id).sort(), priceHits.edges.map((e) => e.node.id).sort());
    assert.equal(priceListed.reduce((s, [, n]) => s + n, 0), cell.hits);
    assert.ok(!priceListed.some(([id]) => id === "ins-us-28"), "a parcel question is listed as a price mention");

    // Themes of the German customers against everyone else's.
    const themesRead = (r) => r.url() === `${base}/graphql` && /InsightThemes/.test(r.request().postData() ?? "") && /"DE"/.test(r.request().postData() ?? "");
    await Promise.all([
      page.waitForResponse(themesRead),
      (async () => {
        await page.getByRole("combobox", { name: "Markets" }).click();
        await page.getByRole("option", { name: "DE", exact: true }).click();
        await page.keyboard.press("Escape");
      })(),
    ]);
    const { opportunities } = await gql(analystKey, themesQuery, { target: { markets: ["DE"], segments: [], languages: [] }, from, to });
    assert.ok(opportunities.length > 0, "no theme for the German customers");
    assert.ok(opportunities.some((th) => /battery|drains|vacuum/.test(th.label)), `themes: ${opportunities.map((th) => th.label)}`);
    const themes = page.getByTestId("themes");
    await themes.locator("tbody tr").nth(opportunities.length - 1).waitFor();
    const shownThemes = await themes.locator("tbody tr").evaluateAll((rows) => rows.map((r) => [r.children[0].textContent, r.children[2].textContent]));
    assert.deepEqual(shownThemes, opportunities.map((th) => [th.label, num(th.volume)]));
    await page.getByRole("img", { name: `${opportunities[0].label}: messages per period` }).waitFor();

    // Its volume lists the conversations whose German customer messages have one of its
    // phrases (the server's theme filter), their messages adding up to the volume: the
    // battery messages, not the parcel questions.
    const th = opportunities[0];
    const themeFilters = [...filters, { dimension: "mention", op: "in", values: th.phrases.map((ph) => `theme:${ph}`) }];
    const themeHits = await hitsOf(themeFilters);
    assert.ok(themeHits.totalCount > 0, `no conversation for theme ${th.label}`);
    await themes.getByRole("button", { name: `Messages on ${th.label}: ${num(th.volume)}` }).click();
    const themeListed = await listedIn(drill.getByRole("heading", { name: `${num(themeHits.totalCount)} conversations: DE: customer messages on “${th.label}”` }));
    assert.deepEqual(themeListed.map(([id]) => id).sort(), themeHits.edges.map((e) => e.node.id).sort());
    assert.equal(themeListed.reduce((s, [, n]) => s + n, 0), th.volume);
    assert.ok(!themeListed.some(([id]) => id === "ins-de-12"), "a parcel question is listed in a battery theme");

    // A point of its trend lists the conversations of the period's German customer messages
    // with the theme, adding up to the point's figure.
    const trend = page.getByRole("img", { name: `${th.label}: messages per period` });
    const points = trend.locator('path[fill="#fff"], path[fill="#ffffff"]');
    assert.equal(await points.count(), th.periods.length);
    const last = th.periods.at(-1);
    const periodStart = new Date(Math.max(Date.parse(`${last.period}T00:00:00Z`), Date.parse(from))).toISOString();
    const periodEnd = new Date(Math.min(Date.parse(`${last.period}T00:00:00Z`) + 7 * 86_400_000, Date.parse(to))).toISOString();
    const inPeriod = (await gql(analystKey, drillQuery, { f: themeFilters, from: periodStart, to: periodEnd })).conversations;
    await points.last().click();
    const day = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" }).format(new Date(`${last.period}T00:00:00Z`));
    const pointListed = await listedIn(drill.getByRole("heading", { name: `${num(inPeriod.totalCount)} conversations: DE · ${day}: customer messages on “${th.label}”` }));
    assert.deepEqual(pointListed.map(([id]) => id).sort(), inPeriod.edges.map((e) => e.node.id).sort());
    assert.equal(pointListed.reduce((s, [, n]) => s + n, 0), last.docs);

    // Its rate in a market lists that market's customer messages with the theme (the
    // baseline's too): for Germany, the same conversations.
    const deTheme = th.markets.find((m) => m.key === "DE");
    await themes.getByRole("button", { name: `DE ${pct(deTheme.rate)} · Messages on ${th.label} · DE: ${num(deTheme.hits)}` }).click();
    const marketListed = await listedIn(drill.getByRole("heading", { name: `${num(themeHits.totalCount)} conversations: DE: customer messages on “${th.label}”` }));
    assert.deepEqual(marketListed.map(([id]) => id).sort(), themeHits.edges.map((e) => e.node.id).sort());
    assert.equal(marketListed.reduce((s, [, n]) => s + n, 0), deTheme.hits);

    // Its examples as the analyst may see them: the same texts, masked, each opening its conversation.
    const examples = opportunities[0].examples;
    assert.ok(examples.length > 0, "no example");
    const shownExamples = await page.getByTestId("example").allTextContents();
    assert.deepEqual(shownExamples, examples.map((e) => `“${e.text}”`));
    for (const text of shownExamples) {
      assert.doesNotMatch(text, /@example\.com|hans\.weber|\+49|151 2345/, `an example shows personal data: ${text}`);
    }
    // The stored messages do hold them: the admin reads them in the clear.
    const { conversation } = await gql(adminKey, `query($id: ID!) { conversation(id: $id) { messages { text } } }`, { id: examples[0].conversationId });
    assert.match(conversation.messages[0].text, /@example\.com/);
    await page.getByRole("link", { name: `Open conversation ${examples[0].conversationId}` }).waitFor();

    assert.deepEqual(await accessibilityProblems(page), []);

    await page.getByRole("link", { name: `Open conversation ${examples[0].conversationId}` }).click();
    await page.waitForURL(`${base}/conversations/${encodeURIComponent(examples[0].conversationId)}`);
    assert.deepEqual(problems, []);
  } catch (err) {
    const shot = join(tmpdir(), "meridian-console-e2e-insights.png");
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.log(`screenshot of the failure: ${shot}\npage problems: ${problems.join("; ")}\nserver log:\n${meridian.logs()}`);
    throw err;
  } finally {
    await page.close();
  }
});

test("an executive reads the same figures, but no count or chart offers the conversations behind a mention or a theme (the field policy hides texts from the role)", async () => {
  const page = await browser.newPage({ locale: "en-US" });
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  try {
    // What the server's field policy says: executives read no message text anywhere, and the
    // mention filter refuses them.
    const { me } = await gql(executiveKey, `{ me { role fields { field outcome regions { region outcome } } } }`);
    const text = me.fields.find((f) => f.field === "text");
    assert.equal(text.outcome, "hidden");
    assert.ok(text.regions.length > 0 && text.regions.every((r) => r.outcome === "hidden"), JSON.stringify(text));
    assert.equal(me.fields.find((f) => f.field === "phrase").outcome, "clear");
    const refused = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${executiveKey}` },
      body: JSON.stringify({ query: drillQuery, variables: { f: [{ dimension: "mention", op: "eq", values: ["competitor"] }], from, to } }),
    }).then((r) => r.json());
    assert.match(refused.errors?.[0]?.message ?? "", /field policy hides their texts/);

    const want = await gql(executiveKey, reportsQuery, { from, to });
    await page.goto(`${base}/`);
    await page.getByLabel("API key").fill(executiveKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "Product insights" }).click();
    await page.getByRole("heading", { name: "Product insights" }).waitFor();
    await page.getByTestId("no-text-drill").getByText("Your role may not read message texts").waitFor();

    // The same figures as GraphQL gives the executive, the hits as plain text.
    const competitors = page.getByTestId("competitors");
    await competitors.locator("tbody tr").nth(want.competitorMentions.markets.length - 1).waitFor();
    const shown = await competitors.locator("tbody tr").evaluateAll((rows) => rows.map((r) => [r.dataset.market, r.querySelector("[data-testid=hits]").textContent]));
    assert.deepEqual(shown, want.competitorMentions.markets.map((m) => [m.market, num(m.rate.hits)]));
    assert.equal(await competitors.locator("[data-testid=hits] button, [data-testid=top] button").count(), 0);
    assert.equal(await page.getByTestId("price").locator("[data-testid=hits] button").count(), 0);
    assert.equal(await page.getByRole("button", { name: /^Messages mentioning|^Messages about price/ }).count(), 0);
    // A count of messages (no text read) still lists its conversations.
    const de = want.competitorMentions.markets.find((m) => m.market === "DE");
    await page.getByRole("button", { name: `Customer messages · DE: ${num(de.rate.docs)}` }).waitFor();

    // A bar is no link: clicking it lists nothing.
    const bars = page.getByRole("img", { name: "Share of customer messages mentioning a competitor, by market" }).locator('path[fill]:not([fill="none"]):not([fill="transparent"])');
    await bars.first().click();

    // Themes: the volume is plain text and a trend point lists nothing.
    await page.getByRole("combobox", { name: "Markets" }).click();
    await page.getByRole("option", { name: "DE", exact: true }).click();
    await page.keyboard.press("Escape");
    const { opportunities } = await gql(executiveKey, themesQuery, { target: { markets: ["DE"], segments: [], languages: [] }, from, to });
    assert.ok(opportunities.length > 0, "no theme for the executive");
    const themes = page.getByTestId("themes");
    await themes.locator("tbody tr").nth(opportunities.length - 1).waitFor();
    assert.deepEqual(await themes.locator("[data-testid=volume]").allTextContents(), opportunities.map((th) => num(th.volume)));
    assert.equal(await themes.locator("[data-testid=volume] button").count(), 0);
    const trend = page.getByRole("img", { name: `${opportunities[0].label}: messages per period` });
    await trend.locator('path[fill="#fff"], path[fill="#ffffff"]').last().click();
    await page.waitForTimeout(500);
    assert.equal(await page.getByTestId("drill").count(), 0, "a drill opened for the executive");
    assert.equal(await page.getByRole("alert").count(), 0, "an error shows");
    assert.deepEqual(await accessibilityProblems(page), []);
    assert.deepEqual(problems, []);
  } catch (err) {
    const shot = join(tmpdir(), "meridian-console-e2e-insights-executive.png");
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.log(`screenshot of the failure: ${shot}\npage problems: ${problems.join("; ")}`);
    throw err;
  } finally {
    await page.close();
  }
});

test("an agent's console has no product insights", async () => {
  const page = await browser.newPage({ locale: "en-US" });
  try {
    await page.goto(`${base}/`);
    await page.getByLabel("API key").fill(agentKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
    assert.equal(await page.getByRole("link", { name: "Product insights" }).count(), 0);
    // Nor by its address; the server refuses the agent's key the figures anyway.
    await page.evaluate(() => {
      history.pushState(null, "", "/insights");
      dispatchEvent(new PopStateEvent("popstate"));
    });
    await page.getByText("This screen is not built yet.").waitFor();
    const resp = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${agentKey}` },
      body: JSON.stringify({ query: reportsQuery, variables: { from, to } }),
    });
    const body = await resp.json();
    assert.ok(body.errors?.length, "an agent read competitor mentions");
  } finally {
    await page.close();
  }
});
