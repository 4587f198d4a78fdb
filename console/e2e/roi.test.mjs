// The executive screen's ROI tab in a real browser against a real `meridian serve`
// (e2e/harness.mjs): three customers write on WhatsApp, so the ROI model's annual contacts
// and AI containment are measured; an executive key signs in, opens the ROI tab, finds the
// scenarios of roiScenarios to choose from with the server's default chosen, and sees the
// NPV, payback, waterfall, tornado and inputs of the roi query for the same key, scenario and
// range; a measured contact count lists the conversations behind it; a new discount rate,
// switching the actuals off and another scenario show the server's new figures. Run with `make build && cd console
// && node --test --test-reporter=spec e2e/roi.test.mjs`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accessibilityProblems, launchBrowser, startMeridian, waitFor } from "./harness.mjs";

const execKey = "roi-executive-key-0123";
let meridian, browser;

before(async () => {
  meridian = await startMeridian(`${execKey}:executive`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await meridian?.stop();
});

// The bars ECharts drew into a chart's SVG: filled rectangles (transparent waterfall bases,
// axis lines and legend icons are not).
function bars(chart) {
  return chart.evaluate(
    (el) =>
      [...el.querySelectorAll("path")].filter((p) => {
        const fill = p.getAttribute("fill");
        return fill && fill !== "none" && fill !== "transparent" && /^M[\d.]+ [\d.]+l-?[\d.]+ 0l0 -?[\d.]+l-?[\d.]+ 0Z$/.test(p.getAttribute("d") ?? "");
      }).length,
  );
}

const roiQuery = `query($s: String!, $r: Float, $a: Boolean, $from: Time, $to: Time) {
  roi(scenario: $s, discountRate: $r, useActuals: $a, from: $from, to: $to) {
    currency horizonMonths npv paybackMonth totalValue sensitivityDelta
    valueByDimension { key } sensitivity { input } actuals { path value }
    inputs { path value source scenarioValue }
  }
}`;

test("the ROI tab shows the roi query's NPV, payback, waterfall, tornado and inputs, and a measured count lists its conversations", async () => {
  const page = await browser.newPage({ locale: "en-US" });
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  try {
    await meridian.whatsApp("4915112345601", "Anna", "wamid.ROI1", "Wo ist meine Bestellung?");
    await meridian.whatsApp("4915112345602", "Ben", "wamid.ROI2", "Ich möchte mein Paket zurückschicken.");
    await meridian.whatsApp("14155550103", "Cara", "wamid.ROI3", "Where is my order?");

    // The screen's default range: the last 28 whole UTC days, today the last.
    const end = new Date();
    end.setUTCHours(24, 0, 0, 0);
    const range = { from: new Date(end.getTime() - 28 * 86_400_000).toISOString(), to: end.toISOString() };
    const contactsNow = async () => (await meridian.gql(execKey, `query($from: Time, $to: Time) { metrics(measures: ["contacts"], from: $from, to: $to) { rows { values } } }`, range)).metrics.rows[0]?.values[0] ?? 0;
    await waitFor("the three contacts in ClickHouse", async () => (await contactsNow()) === 3);

    // The scenarios to choose from, and the one the server marks default.
    const { roiScenarios } = await meridian.gql(execKey, `{ roiScenarios { name title description default } }`);
    const chosen = roiScenarios.find((s) => s.default);
    assert.ok(chosen && roiScenarios.length >= 2, `scenarios: ${JSON.stringify(roiScenarios)}`);
    const scenario = chosen.name;
    const ask = async (vars) => (await meridian.gql(execKey, roiQuery, { s: scenario, ...range, ...vars })).roi;
    const roi = await ask({});
    const measured = roi.actuals.map((a) => a.path).sort();
    assert.ok(measured.includes("value.efficiency.drivers.annual_contacts"), `no measured contacts: ${JSON.stringify(roi.actuals)}`);
    const money = (v) => new Intl.NumberFormat("en-US", { style: "currency", currency: roi.currency, maximumFractionDigits: 0 }).format(v);
    const payback = (m) => (m == null ? `Not within ${roi.horizonMonths} months` : `Month ${m}`);

    await page.goto(`${meridian.base}/`);
    await page.getByLabel("API key").fill(execKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "Executive" }).click();
    await page.getByRole("tab", { name: "ROI" }).click();
    const panel = page.getByTestId("roi");
    await page.locator('[data-testid="roi"][aria-busy="false"]').getByTestId("roi-npv").waitFor();

    // The scenario select: the default chosen and described, its options roiScenarios'.
    const select = panel.getByLabel("Scenario", { exact: true });
    assert.equal(await select.inputValue(), chosen.title);
    await panel.getByText(chosen.description, { exact: true }).waitFor();
    await select.click();
    const options = page.getByRole("listbox").getByRole("option");
    await options.first().waitFor();
    assert.deepEqual(await options.allTextContents(), roiScenarios.map((s) => s.title));
    await page.keyboard.press("Escape");

    // The key figures, as the server computed them.
    assert.equal(await page.getByTestId("roi-npv").getAttribute("data-value"), String(roi.npv));
    assert.equal(await page.getByTestId("roi-npv").textContent(), money(roi.npv));
    assert.equal(await page.getByTestId("roi-payback").textContent(), payback(roi.paybackMonth));

    // The waterfall: a bar per dimension and the total; the tornado: two bars per input.
    const waterfall = panel.getByRole("img", { name: `Waterfall of value by dimension, ending in the total value of ${money(roi.totalValue)}` });
    assert.equal(await bars(waterfall), roi.valueByDimension.length + 1);
    const pct = `${Math.round(roi.sensitivityDelta * 100)}%`;
    const tornado = panel.getByRole("img", { name: `Tornado of the net present value with each input moved by ${pct}, around the base of ${money(roi.npv)}` });
    assert.equal(await bars(tornado), roi.sensitivity.length * 2);

    // Every input the model read, with its value and source as the server gives them, and the
    // measured ones marked as actuals.
    const inputs = page.getByTestId("roi-inputs");
    const shownInputs = () => inputs.locator("[data-input]").evaluateAll((rows) => rows.map((r) => ({ path: r.dataset.input, value: Number(r.dataset.value), source: r.dataset.source })));
    assert.deepEqual(await shownInputs(), roi.inputs.map(({ path, value, source }) => ({ path, value, source })));
    const actual = await inputs.locator('[data-source="actual"]').evaluateAll((rows) => rows.map((r) => r.dataset.input));
    assert.deepEqual(actual.sort(), measured);
    assert.equal(await inputs.locator('[data-source="scenario"]').count(), roi.inputs.length - measured.length);
    assert.equal(await inputs.locator('[data-source="actual"]').getByText("Actual", { exact: true }).count(), measured.length);
    assert.deepEqual(await accessibilityProblems(page), []);

    // The measured contacts: the conversations with a customer message in the range.
    const { conversations } = await meridian.gql(
      execKey,
      `query($from: Time, $to: Time) { conversations(filters: [{dimension: "type", op: "eq", values: ["message.received"]}], from: $from, to: $to) { totalCount edges { node { id } } } }`,
      range,
    );
    assert.equal(conversations.totalCount, 3);
    await page.getByRole("button", { name: /^Conversations behind Annual contacts: / }).click();
    await page.getByRole("heading", { name: "3 conversations: Annual contacts" }).waitFor();
    const drilled = await page.getByRole("link", { name: /^c-/ }).allTextContents();
    assert.deepEqual(drilled.sort(), conversations.edges.map((e) => e.node.id).sort());

    // Another discount rate: the server's NPV for it.
    const at15 = await ask({ r: 0.15 });
    assert.notEqual(at15.npv, roi.npv);
    await page.getByLabel("Discount rate").fill("15");
    await waitFor("the NPV at 15%", async () => (await page.getByTestId("roi-npv").getAttribute("data-value")) === String(at15.npv));
    await page.locator('[data-testid="roi"][aria-busy="false"]').waitFor();
    assert.equal(await page.getByTestId("roi-npv").textContent(), money(at15.npv));
    assert.equal(await page.getByTestId("roi-payback").textContent(), payback(at15.paybackMonth));

    // Without actuals: the scenario's assumptions only.
    const assumed = await ask({ r: 0.15, a: false });
    assert.deepEqual(assumed.actuals, []);
    assert.notEqual(assumed.npv, at15.npv);
    await page.getByLabel("Use measured actuals").click();
    await waitFor("the NPV without actuals", async () => (await page.getByTestId("roi-npv").getAttribute("data-value")) === String(assumed.npv));
    assert.equal(await page.getByTestId("roi-npv").textContent(), money(assumed.npv));
    assert.equal(await inputs.locator('[data-source="actual"]').count(), 0);
    assert.equal(await bars(panel.getByRole("img", { name: /^Tornado/ })), assumed.sensitivity.length * 2);
    assert.deepEqual(await shownInputs(), assumed.inputs.map(({ path, value, source }) => ({ path, value, source })));

    // Another scenario from the select: the server's figures for it, its description shown.
    const other = roiScenarios.find((s) => !s.default);
    const otherRoi = await ask({ s: other.name, r: 0.15, a: false });
    assert.notEqual(otherRoi.npv, assumed.npv);
    await select.click();
    await page.getByRole("option", { name: other.title, exact: true }).click();
    await waitFor(`the NPV of ${other.name}`, async () => (await page.getByTestId("roi-npv").getAttribute("data-value")) === String(otherRoi.npv));
    await page.locator('[data-testid="roi"][aria-busy="false"]').waitFor();
    assert.equal(await select.inputValue(), other.title);
    await panel.getByText(other.description, { exact: true }).waitFor();
    assert.deepEqual(await shownInputs(), otherRoi.inputs.map(({ path, value, source }) => ({ path, value, source })));
    assert.deepEqual(problems, []);
  } catch (err) {
    const shot = join(tmpdir(), "meridian-console-e2e-roi.png");
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.log(`screenshot of the failure: ${shot}`);
    throw err;
  } finally {
    await page.close();
  }
});
