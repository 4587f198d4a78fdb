// Consent to messages outside a conversation in a real browser against a real `meridian serve`
// (e2e/harness.mjs): a WhatsApp customer writes; an agent records their service consent on
// WhatsApp from the conversation's customer panel, and consents(customerId) has it granted; a
// compliance key finds it in the compliance screen's Consents tab, as GraphQL returns it, and
// revokes it, and consents has it refused; the audit trail holds admin.set_consent for both;
// an unknown customer's error is shown as the server words it; axe-core checks both screens.
// A reply to a customer who last wrote 30 hours ago is refused for want of consent, and the
// error takes the agent to the consent switch; once consent is recorded, the template goes.
// Run with `make build && cd console && node --test --test-reporter=spec e2e/consents.test.mjs`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { accessibilityProblems, launchBrowser, signIn, startMeridian, waitFor, withPage } from "./harness.mjs";

const adminKey = "consent-admin-key-0123";
const agentKey = "consent-lena-key-0123";
const complianceKey = "consent-compliance-key-0123";
const waID = "4915122233344";

let meridian, base, browser;
const gql = (...args) => meridian.gql(...args);
const consentsQuery = `query($id: ID!) { consents(customerId: $id) { channel purpose granted updatedAt } }`;

before(async () => {
  // A template for replies after WhatsApp's 24-hour window: with consent, that is what goes.
  meridian = await startMeridian(`${adminKey},${agentKey}:agent:eu::lena,${complianceKey}:compliance:eu`, { MERIDIAN_WHATSAPP_TEMPLATE: "order_update:de" });
  base = meridian.base;
  const days = [1, 2, 3, 4, 5, 6, 7].map((d) => `{weekday: ${d}, start: "00:00", end: "24:00"}`).join(", ");
  await gql(adminKey, `mutation { upsertAgent(input: {id: "lena", name: "Lena Vogel", region: "eu", languages: ["de", "en:4"], skills: [], tiers: [],
    maxConcurrent: 5, timezone: "Europe/Berlin", shifts: [${days}]}) { id } }`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await meridian?.stop();
});

/** The customer and conversation of a WhatsApp number, once the agent's key can read the conversation. */
async function conversationOf(waID) {
  let out;
  await waitFor(
    `the WhatsApp conversation of ${waID}`,
    async () => {
      const { customerByIdentity: c } = await gql(adminKey, `query($id: String!) { customerByIdentity(channel: "whatsapp", externalId: $id) { id conversations { id } } }`, { id: waID });
      if (!c || c.conversations.length !== 1) return false;
      const { conversation } = await gql(agentKey, `query($id: ID!) { conversation(id: $id) { id } }`, { id: c.conversations[0].id });
      if (!conversation) return false;
      out = { customerId: c.id, conversationId: conversation.id };
      return true;
    },
    60_000,
  );
  return out;
}

/** The customer's answer for a channel and purpose as GraphQL gives it to key, or undefined. */
async function consentOf(key, customerId, channel, purpose) {
  const { consents } = await gql(key, consentsQuery, { id: customerId });
  return consents.find((c) => c.channel === channel && c.purpose === purpose);
}

test("an agent records WhatsApp consent in the conversation, compliance revokes it, both audited", async () => {
  await meridian.whatsApp(waID, "Jonas Berg", "wamid.CONSENT1", "Hallo, bitte schreibt mir auf WhatsApp, sobald das Paket unterwegs ist.");
  const { customerId, conversationId } = await conversationOf(waID);
  assert.deepEqual((await gql(agentKey, consentsQuery, { id: customerId })).consents, [], "no consent before the agent records one");

  await withPage(browser, meridian, "consents-conversation", async (page) => {
    await signIn(page, base, agentKey);
    await page.goto(`${base}/conversations/${encodeURIComponent(conversationId)}`);
    const panel = page.getByTestId("customer-panel");
    const service = panel.getByRole("switch", { name: "Service messages on whatsapp" });
    await service.waitFor({ state: "attached" });
    assert.equal(await service.isChecked(), false);
    assert.equal(await panel.locator('[data-consent="whatsapp/service"]').getAttribute("data-granted"), "none");

    // By keyboard; the switch turns when the server has recorded the answer, not before.
    await service.focus();
    await page.keyboard.press("Space");
    await waitFor("service consent granted in GraphQL", async () => (await consentOf(agentKey, customerId, "whatsapp", "service"))?.granted === true);
    const granted = await consentOf(agentKey, customerId, "whatsapp", "service");
    // The panel shows the server's answer, not the click.
    await panel.locator('[data-consent="whatsapp/service"][data-granted="true"]').waitFor();
    assert.equal(await service.isChecked(), true);
    await panel.locator('[data-consent="whatsapp/service"]').getByText(/^Granted · /).waitFor();
    // Marketing was not touched.
    assert.equal(await consentOf(agentKey, customerId, "whatsapp", "marketing"), undefined);
    assert.equal(await panel.locator('[data-consent="whatsapp/marketing"]').getAttribute("data-granted"), "none");
    assert.ok(granted.updatedAt);

    assert.deepEqual(await accessibilityProblems(page), [], "axe on the conversation");
  });

  await withPage(browser, meridian, "consents-compliance", async (page) => {
    // A role without an inbox starts on its first screen, not on "/".
    await signIn(page, base, complianceKey);
    await page.getByRole("heading", { name: "Audit trail" }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/compliance");
    assert.equal(await page.getByText("This screen is not built yet.").count(), 0);
    await page.getByRole("tab", { name: "Consents" }).click();

    // An unknown customer: the server's error, as it words it.
    const unknown = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${complianceKey}` },
      body: JSON.stringify({ query: consentsQuery, variables: { id: "cus_nobody" } }),
    }).then((r) => r.json());
    assert.ok(unknown.errors?.length, "consents refuses an unknown customer");
    await page.getByRole("textbox", { name: "Customer ID" }).fill("cus_nobody");
    await page.getByRole("button", { name: "Show consents" }).click();
    await page.getByRole("alert").getByText(`Error: ${unknown.errors[0].message}`).waitFor();

    // The customer's consents, as GraphQL gives them to this key.
    await page.getByRole("textbox", { name: "Customer ID" }).fill(customerId);
    await page.getByRole("button", { name: "Show consents" }).click();
    const table = page.getByTestId("consents");
    await table.locator("[data-consent]").first().waitFor();
    const { consents: truth } = await gql(complianceKey, consentsQuery, { id: customerId });
    const rows = await table.locator("[data-consent]").evaluateAll((els) => els.map((e) => [e.dataset.consent, e.dataset.granted, e.dataset.updated]));
    assert.deepEqual(rows, truth.map((c) => [`${c.channel}/${c.purpose}`, String(c.granted), c.updatedAt]));
    assert.deepEqual(rows.map((r) => r.slice(0, 2)), [["whatsapp/service", "true"]]);
    assert.equal(await table.locator('[data-consent="whatsapp/service"]').getByRole("cell").nth(2).innerText(), "Granted");
    assert.deepEqual(await accessibilityProblems(page), [], "axe on the Consents tab");

    // Revoked: WhatsApp (the customer's channel, chosen first), service, not granted.
    assert.equal(await page.getByRole("textbox", { name: "Channel" }).or(page.getByRole("combobox", { name: "Channel" })).first().inputValue(), "whatsapp");
    assert.equal(await page.getByRole("textbox", { name: "Purpose" }).or(page.getByRole("combobox", { name: "Purpose" })).first().inputValue(), "Service");
    await page.getByRole("switch", { name: "The customer consents" }).uncheck({ force: true });
    await page.getByRole("button", { name: "Record", exact: true }).click();
    await table.locator('[data-consent="whatsapp/service"][data-granted="false"]').waitFor();
    const revoked = await consentOf(complianceKey, customerId, "whatsapp", "service");
    assert.equal(revoked.granted, false);
    assert.equal(await table.locator('[data-consent="whatsapp/service"]').getAttribute("data-updated"), revoked.updatedAt);
    await page.getByTestId("consent-recorded").getByText(/^Recorded: Service on whatsapp: Refused/).waitFor();
    assert.deepEqual(await accessibilityProblems(page), [], "axe on the Consents tab after a change");
  });

  // Both answers are in the customer's region's audit trail, by the keys that recorded them.
  const { auditLog } = await gql(adminKey, `query($s: String) { auditLog(region: "eu", first: 50, subject: $s, action: "admin.set_consent") { edges { node { role action subject outcome } } } }`, { s: customerId });
  const entries = auditLog.edges.map((e) => e.node);
  assert.deepEqual(
    entries.map((e) => [e.role, e.action, e.subject, e.outcome]).sort(),
    [
      ["agent", "admin.set_consent", customerId, "granted whatsapp service"],
      ["compliance", "admin.set_consent", customerId, "revoked whatsapp service"],
    ],
  );
});

test("a reply refused for want of consent points at the consent switch; with consent the template goes", async () => {
  const late = "4915177766655";
  await meridian.whatsApp(late, "Mira Hahn", "wamid.CONSENT2", "Ist meine Rücksendung angekommen?", Date.now() - 30 * 3600_000);
  const { customerId, conversationId } = await conversationOf(late);
  // What the server answers the same reply: refused, nothing sent.
  const refused = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${agentKey}` },
    body: JSON.stringify({
      query: `mutation($i: SendMessageInput!) { sendMessage(input: $i) { state } }`,
      variables: { i: { conversationId, text: "Ja, sie ist angekommen.", clientMessageId: "consent-probe-1" } },
    }),
  }).then((r) => r.json());
  assert.match(refused.errors?.[0]?.message ?? "", /^sendMessage: no consent: /);

  await withPage(browser, meridian, "consents-refused-reply", async (page) => {
    await signIn(page, base, agentKey);
    await page.goto(`${base}/conversations/${encodeURIComponent(conversationId)}`);
    const service = page.getByTestId("customer-panel").getByRole("switch", { name: "Service messages on whatsapp" });
    await service.waitFor({ state: "attached" });
    await page.getByRole("textbox", { name: "Reply" }).fill("Ja, sie ist angekommen.");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    const alert = page.getByRole("alert").filter({ hasText: "no consent" });
    await alert.getByText(`Error: ${refused.errors[0].message}`).waitFor();
    assert.deepEqual(await accessibilityProblems(page), [], "axe on the refused reply");

    // The error takes the agent to the switch; Space records the consent.
    await alert.getByRole("button", { name: "Go to the whatsapp consent switch" }).click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), "consent-whatsapp-service");
    await page.keyboard.press("Space");
    await waitFor("service consent granted in GraphQL", async () => (await consentOf(agentKey, customerId, "whatsapp", "service"))?.granted === true);
    await page.getByTestId("customer-panel").locator('[data-consent="whatsapp/service"][data-granted="true"]').waitFor();

    // The same reply now goes, as the template (the window has closed).
    const before = meridian.sends.length;
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await waitFor("the template sent to the customer", async () => meridian.sends.slice(before).some((m) => m.to === late && m.type === "template"));
    const sent = meridian.sends.slice(before).find((m) => m.to === late);
    assert.equal(sent.template.name, "order_update");
  });
});
