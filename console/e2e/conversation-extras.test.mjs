// The conversation screen's extras in a real browser against a real `meridian serve` and a
// local Shopify (e2e/harness.mjs): a customer quotes two order numbers on WhatsApp, one of
// them someone else's; the conversation shows the status of theirs only, as GraphQL gives
// it; the customer panel shows their WhatsApp identity as the compliance gate shows it to
// the key's role (and GraphQL gives nothing to a role that may not read customers); a culture suggestion
// chip inserts its template and "Adapt to culture" lists the rules adaptReply applied; the
// inbox's tier filter shows what the inbox query returns for that tier. axe-core checks the
// screens.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { accessibilityProblems, launchBrowser, signIn, startMeridian, startShopify, waitFor, withPage } from "./harness.mjs";

const adminKey = "extras-admin-key-0123";
const lenaKey = "extras-lena-key-0123";
const analystKey = "extras-analyst-key-0123";
const waID = "4915112345678";

// Admin API orders: #1001 is the WhatsApp customer's (their phone), in transit with DHL;
// #1002 is someone else's.
function shopifyOrder(n, email, phone, customer, fulfillment) {
  return {
    _customer: customer,
    _phone: phone,
    id: `gid://shopify/Order/${5000 + n}`,
    name: `#${n}`,
    createdAt: "2026-12-01T09:30:00Z",
    email,
    phone,
    cancelledAt: null,
    displayFinancialStatus: "PAID",
    displayFulfillmentStatus: fulfillment ? "FULFILLED" : "UNFULFILLED",
    totalPriceSet: { shopMoney: { amount: "59.90", currencyCode: "EUR" } },
    shippingAddress: { countryCodeV2: "DE" },
    lineItems: { nodes: [{ id: `gid://shopify/LineItem/${n}1`, sku: "TEE-M", title: "T-shirt", quantity: 2 }] },
    fulfillments: fulfillment ? [fulfillment] : [],
  };
}
const inTransit = {
  status: "SUCCESS",
  displayStatus: "IN_TRANSIT",
  estimatedDeliveryAt: "2026-12-09T18:00:00Z",
  trackingInfo: [{ company: "DHL Express", number: "JD014600006281230704", url: "https://www.dhl.com/de-en/home/tracking.html?tracking-id=JD014600006281230704" }],
  fulfillmentLineItems: { nodes: [{ id: "gid://shopify/FulfillmentLineItem/11", quantity: 2, lineItem: { id: "gid://shopify/LineItem/10011" } }] },
};

let meridian, shop, base, browser;
const gql = (...args) => meridian.gql(...args);

before(async () => {
  shop = await startShopify([
    shopifyOrder(1001, "lena.k@example.de", `+${waID}`, "71", inTransit),
    shopifyOrder(1002, "other@example.de", "+4915187654321", "72", null),
  ]);
  meridian = await startMeridian(`${adminKey},${lenaKey}:agent:eu::lena,${analystKey}:analyst:eu`, {
    MERIDIAN_SHOPIFY_BASE_URL: shop.url,
    MERIDIAN_SHOPIFY_ACCESS_TOKEN: "shpat_test",
  });
  base = meridian.base;
  const days = [1, 2, 3, 4, 5, 6, 7].map((d) => `{weekday: ${d}, start: "00:00", end: "24:00"}`).join(", ");
  await gql(adminKey, `mutation { upsertAgent(input: {id: "lena", name: "Lena Vogel", region: "eu", languages: ["de", "en:4"], skills: [], tiers: [],
    maxConcurrent: 5, timezone: "Europe/Berlin", shifts: [${days}]}) { id } }`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await meridian?.stop();
  shop?.close();
});

test("a quoted order's status, the customer's identities, culture suggestions and the tier filter", async () => {
  await meridian.whatsApp(waID, "Lena Krüger", "wamid.EXTRAS1", "Hallo, wo ist meine Bestellung #1001? Und was ist mit #1002?");
  // The conversation, once it is stored for reading with its analysed language.
  let conv;
  await waitFor(
    "the WhatsApp conversation",
    async () => {
      const { customerByIdentity: c } = await gql(adminKey, `query($id: String!) { customerByIdentity(channel: "whatsapp", externalId: $id) { id conversations { id } } }`, { id: waID });
      if (!c || c.conversations.length !== 1) return false;
      const { conversation } = await gql(adminKey, `query($id: ID!) { conversation(id: $id) { id customerId culture { locale } } }`, { id: c.conversations[0].id });
      conv = conversation;
      return conv?.culture != null;
    },
    60_000,
  );

  // What GraphQL gives Lena's key for the same conversation and customer.
  const { conversation: truth } = await gql(lenaKey, `query($id: ID!) { conversation(id: $id) {
    orders { number status shipmentStatus trackingUrl total currency expectedDelivery }
    culture { locale templates { key text } } } }`, { id: conv.id });
  assert.deepEqual(truth.orders.map((o) => o.number), ["1001"], "only the customer's own order");
  assert.equal(truth.orders[0].status, "shipped");
  const { customer } = await gql(lenaKey, `query($id: ID!) { customer(id: $id) { identities { kind value } orders { number } } }`, { id: conv.customerId });
  assert.deepEqual(customer.orders.map((o) => o.number), ["1001"], "the customer's recent orders are theirs only");
  const waIdentity = customer.identities.find((i) => i.kind === "whatsapp");
  assert.ok(waIdentity, "a WhatsApp identity");

  await withPage(browser, meridian, "conversation-extras", async (page) => {
    await signIn(page, base, lenaKey);
    await page.goto(`${base}/conversations/${encodeURIComponent(conv.id)}`);

    // The quoted order, as the shop answered GraphQL.
    const quoted = page.getByTestId("quoted-orders");
    await quoted.getByTestId("order").first().waitFor();
    const shown = await quoted.getByTestId("order").evaluateAll((els) => els.map((e) => e.dataset.order));
    assert.deepEqual(shown, truth.orders.map((o) => o.number));
    assert.equal(await quoted.getByTestId("order-status").first().getAttribute("data-status"), truth.orders[0].status);
    assert.equal(await quoted.getByTestId("order-tracking").first().getAttribute("href"), truth.orders[0].trackingUrl);
    assert.match(await quoted.getByTestId("order-total").first().innerText(), /59\.90/);
    await quoted.getByText("In transit (DHL Express)").waitFor();

    // The customer across channels: the WhatsApp identity as the gate shows it to an agent.
    const panel = page.getByTestId("customer-panel");
    const waRow = panel.locator('tr[data-kind="whatsapp"]');
    await waRow.waitFor();
    assert.equal(await waRow.getByTestId("identity-value").innerText(), waIdentity.value);
    const recent = await panel.getByTestId("order").evaluateAll((els) => els.map((e) => e.dataset.order));
    assert.deepEqual(recent, customer.orders.map((o) => o.number));

    // A suggestion chip inserts the culture profile's template for this customer.
    const greeting = truth.culture.templates.find((t) => t.key === "greeting").text;
    const reply = page.getByRole("textbox", { name: "Reply" });
    await page.getByRole("button", { name: "Greeting", exact: true }).click();
    assert.equal(await reply.inputValue(), greeting);
    // Adapt to culture: the rules adaptReply applies to the same text are the ones listed.
    const draft = "hey, we cannot refund this";
    await reply.fill(draft);
    const { adaptReply } = await gql(lenaKey, `query($t: String!, $l: String!) { adaptReply(text: $t, locale: $l) { text rules { id } } }`, { t: draft, l: truth.culture.locale });
    assert.ok(adaptReply.rules.length > 0, "the draft is one the culture profile changes");
    await page.getByTestId("adapt").click();
    await page.getByTestId("adapt-rules").waitFor();
    const rules = await page.getByTestId("adapt-rules").locator("[data-rule]").evaluateAll((els) => els.map((e) => e.dataset.rule));
    assert.deepEqual(rules, adaptReply.rules.map((r) => r.id));
    assert.equal(await reply.inputValue(), adaptReply.text);

    const problems = await accessibilityProblems(page);
    assert.deepEqual(problems, [], "axe on the conversation");
  });

  // A role that may not read customers (an analyst, whose console has no conversation
  // screen either): GraphQL refuses the customer and its identities.
  const refused = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${analystKey}` },
    body: JSON.stringify({ query: `query($id: ID!) { customer(id: $id) { identities { value } } }`, variables: { id: conv.customerId } }),
  }).then((r) => r.json());
  assert.match(JSON.stringify(refused.errors), /forbidden/i);
  // The tier filter: customers of two tiers write; the inbox filtered to vip shows what the
  // inbox query returns for vip.
  const at = Date.now() - 60_000;
  const events = ["vip", "returning", "vip"].map((tier, i) => ({
    id: `tier-ev-${i}`,
    type: "message.received",
    occurred_at: new Date(at + i * 1000).toISOString(),
    channel: "webchat",
    direction: "inbound",
    conversation_id: `tier-conv-${i}`,
    customer: { country: "DE", external_id: `tier-cust-${i}`, tier },
    text: "Wo bleibt meine Lieferung?",
    language: "de",
  }));
  const posted = await fetch(`${base}/v1/events`, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${adminKey}` }, body: JSON.stringify(events) });
  assert.equal(posted.status, 202);
  const inboxIDs = async (filters) =>
    (await gql(lenaKey, `query($f: InboxFilters) { inbox(filters: $f, first: 100) { edges { node { id } } } }`, { f: filters })).inbox.edges.map((e) => e.node.id).sort();
  await waitFor("the tier conversations in the inbox", async () => (await inboxIDs({})).filter((id) => id.startsWith("tier-conv-")).length === 3, 60_000);
  // The tier dimension of the metrics (what the filter offers) has them too.
  await waitFor("the tiers in the metrics", async () => {
    const { metrics } = await gql(lenaKey, `{ metrics(measures: ["messages"], dimensions: ["tier"]) { rows { dimensions } } }`);
    return metrics.rows.some((r) => r.dimensions[0] === "vip");
  });
  const vip = await inboxIDs({ tier: ["vip"] });
  assert.deepEqual(vip, ["tier-conv-0", "tier-conv-2"]);

  await withPage(browser, meridian, "inbox-tier", async (page) => {
    await signIn(page, base, lenaKey);
    // Every conversation Lena may read, not only hers.
    await page.goto(`${base}/inbox?scope=all`);
    await page.locator("[data-conversation]").first().waitFor();
    await page.getByRole("textbox", { name: "Tier" }).or(page.getByRole("combobox", { name: "Tier" })).first().click();
    await page.getByRole("option", { name: "vip", exact: true }).click();
    await waitFor("the vip inbox", async () => {
      const rows = await page.locator("[data-conversation]").evaluateAll((els) => els.map((e) => e.dataset.conversation).sort());
      return JSON.stringify(rows) === JSON.stringify(vip);
    });
    const tiers = await page.getByTestId("row-tier").allTextContents();
    assert.deepEqual(tiers, ["vip", "vip"]);
    const problems = await accessibilityProblems(page);
    assert.deepEqual(problems, [], "axe on the inbox");
  });
});
