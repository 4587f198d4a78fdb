// The channels and consent purposes the console offers are the server's (the channels and
// consentPurposes queries), in a real browser against a real `meridian serve` with WhatsApp
// and LINE configured (e2e/harness.mjs): the inbox's channel filter lists every channel,
// those the server has on first; the compliance screen's Consents tab offers the customer's
// channels, then every other one, and the server's purposes. Run with
// `make build && cd console && node --test --test-reporter=spec e2e/catalogue.test.mjs`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { accessibilityProblems, launchBrowser, signIn, startMeridian, waitFor, withPage } from "./harness.mjs";

const adminKey = "catalogue-admin-key-0123";
const waID = "4915177788899";
// The English labels of the purposes the server ships (i18n/en.ts consentPurpose_*).
const purposeLabels = { service: "Service", marketing: "Marketing" };

let meridian, base, browser;
const gql = (...args) => meridian.gql(...args);

before(async () => {
  meridian = await startMeridian(adminKey, { MERIDIAN_LINE_CHANNEL_SECRET: "line-secret", MERIDIAN_LINE_ACCESS_TOKEN: "line-token" });
  base = meridian.base;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await meridian?.stop();
});

/** The options of the combobox named name, as its open list shows them. */
async function options(page, name) {
  const box = page.getByRole("combobox", { name });
  await box.click();
  const list = page.locator(`[id="${await box.getAttribute("aria-controls")}"]`);
  await list.getByRole("option").first().waitFor();
  const out = await list.getByRole("option").allTextContents();
  await page.keyboard.press("Escape");
  return out;
}

test("the inbox's channel filter and the consent choices are the server's channels and purposes", async () => {
  const { channels, consentPurposes } = await gql(adminKey, `{ channels { name configured } consentPurposes }`);
  assert.deepEqual(
    channels.filter((c) => c.configured).map((c) => c.name),
    ["whatsapp", "line"],
  );
  const names = channels.map((c) => c.name);
  assert.ok(names.includes("email") && names.includes("kakaotalk"), names.join(","));

  // A WhatsApp customer, for the Consents tab.
  await meridian.whatsApp(waID, "Jonas Weber", "wamid.CAT1", "Hallo");
  let customerId;
  await waitFor("the customer", async () => {
    const { customerByIdentity: c } = await gql(adminKey, `query($id: String!) { customerByIdentity(channel: "whatsapp", externalId: $id) { id } }`, { id: waID });
    customerId = c?.id;
    return Boolean(customerId);
  });

  await withPage(browser, meridian, "catalogue", async (page) => {
    await signIn(page, base, adminKey);
    await page.getByRole("link", { name: "Inbox" }).click();
    // Every channel, those on this server first, in the server's order otherwise.
    const on = channels.filter((c) => c.configured).map((c) => c.name);
    const off = channels.filter((c) => !c.configured).map((c) => c.name);
    await waitFor("the channel filter's options", async () => (await options(page, "Channel")).length === channels.length + 1);
    assert.deepEqual(await options(page, "Channel"), ["Any", ...on, ...off]);

    await page.getByRole("link", { name: "Compliance" }).click();
    await page.getByRole("tab", { name: "Consents" }).click();
    await page.getByRole("textbox", { name: "Customer ID" }).fill(customerId);
    await page.getByRole("button", { name: "Show consents" }).click();
    await page.getByTestId("consents").waitFor();
    // The customer's channel first, then every other one the server knows.
    assert.deepEqual(await options(page, "Channel"), ["whatsapp", ...names.filter((c) => c !== "whatsapp")]);
    assert.deepEqual(await options(page, "Purpose"), consentPurposes.map((p) => purposeLabels[p] ?? `no English label for ${p}`));
    assert.equal(await page.getByRole("combobox", { name: "Purpose" }).inputValue(), purposeLabels[consentPurposes[0]]);
    assert.deepEqual(await accessibilityProblems(page), []);
  });
});
