// How fast an inbound WhatsApp message reaches an open inbox: 50 messages, one after another,
// each from a new customer, timed from the webhook's 200 to the message's row in the
// console (Chromium), an admin's inbox of every conversation. `make bench-console`.
import { launchBrowser, startMeridian, waitFor } from "../e2e/harness.mjs";

const key = "bench-admin-key-0123";
const n = Number(process.env.MESSAGES ?? 50);
const meridian = await startMeridian(key);
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ locale: "en-US" });
  await page.goto(`${meridian.base}/`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("live").getByText("Live").waitFor();
  // The inbox's two subscriptions (inboxChanged, messageAdded) are open on the server.
  await waitFor("the subscriptions", async () => (await meridian.metric("meridian_live_subscriptions")) >= 2);
  const ms = [];
  for (let i = 0; i < n; i++) {
    const text = `Bestellung ${1000 + i} ist noch nicht da, bitte helfen Sie mir.`;
    await meridian.whatsApp(`4915100${String(500000 + i)}`, `Kunde ${i}`, `wamid.BENCH${i}`, text);
    const t0 = performance.now();
    await page.locator("[data-conversation]").filter({ hasText: text }).waitFor({ timeout: 30_000 });
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const at = (q) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)].toFixed(0);
  console.log(`${n} messages, webhook 200 -> row in the open inbox: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms`);
} finally {
  await browser.close();
  await meridian.stop();
}
