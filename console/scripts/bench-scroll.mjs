// How the inbox holds 10,000 open conversations: posted through /v1/events and routed by the
// engine, then an admin's inbox in Chromium scrolled from the first row to the last (the next
// page is read as the end nears). Reports the time to reach the last row, the frame times while
// scrolling (requestAnimationFrame intervals) and how many rows the page holds at most.
// `make bench-scroll` (CONVERSATIONS to change the count).
import assert from "node:assert/strict";
import { launchBrowser, startMeridian, waitFor } from "../e2e/harness.mjs";

const key = "bench-admin-key-0123";
const n = Number(process.env.CONVERSATIONS ?? 10_000);
const channels = ["whatsapp", "line", "email", "messenger", "telegram", "webchat"];
const markets = [
  { country: "DE", language: "de", text: "Wo ist meine Bestellung" },
  { country: "FR", language: "fr", text: "Où est ma commande" },
  { country: "JP", language: "ja", text: "注文した商品はまだ届きません" },
  { country: "US", language: "en", text: "Where is my order" },
  { country: "SG", language: "en", text: "My parcel has not arrived" },
  { country: "BR", language: "pt", text: "Onde está o meu pedido" },
];

const meridian = await startMeridian(key);
const browser = await launchBrowser();
try {
  const t0 = performance.now();
  const now = Date.now();
  for (let start = 0; start < n; start += 500) {
    const batch = [];
    for (let i = start; i < Math.min(n, start + 500); i++) {
      const m = markets[i % markets.length];
      batch.push({
        id: `scroll-${i}`,
        type: "message.received",
        occurred_at: new Date(now - (n - i) * 100).toISOString(),
        channel: channels[i % channels.length],
        conversation_id: `scroll-c${i}`,
        customer: { country: m.country, external_id: `scroll-customer-${i}` },
        text: `${m.text} ${100000 + i}?`,
        language: m.language,
      });
    }
    const resp = await fetch(`${meridian.base}/v1/events`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
      body: JSON.stringify(batch),
    });
    assert.equal(resp.status, 202, await resp.text());
  }
  // The engine has routed every conversation once the inbox pages add up to n.
  const count = async () => {
    let total = 0;
    for (let after = null; ; ) {
      const { inbox } = await meridian.gql(key, "query($after: String) { inbox(first: 500, after: $after) { edges { cursor } pageInfo { hasNextPage endCursor } } }", { after });
      total += inbox.edges.length;
      if (!inbox.pageInfo.hasNextPage) return total;
      after = inbox.pageInfo.endCursor;
    }
  };
  // Every few seconds: walking the pages costs n/500 requests of the key's 20 a second.
  let open = 0;
  await waitFor(
    `${n} conversations in the inbox`,
    async () => {
      await new Promise((r) => setTimeout(r, 3000));
      return (open = await count()) >= n;
    },
    30 * 60_000,
  );
  console.log(`${open} open conversations routed in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  await page.goto(`${meridian.base}/`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("[data-conversation]").first().waitFor();
  const list = page.getByRole("listbox", { name: "Inbox" });

  // Frame intervals while the wheel scrolls the list to its end.
  await page.evaluate(() => {
    const w = window;
    w.frames_ = [];
    let last = performance.now();
    const tick = (t) => {
      w.frames_.push(t - last);
      last = t;
      if (!w.stopFrames_) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const box = await list.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const s0 = performance.now();
  let maxRows = 0;
  const counter = page.getByTestId("inbox-count");
  for (;;) {
    await page.mouse.wheel(0, 2000);
    maxRows = Math.max(maxRows, await page.locator("[data-conversation]").count());
    const loaded = Number(await counter.getAttribute("data-count"));
    const atEnd = await list.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 2);
    if (loaded >= n && atEnd) break;
    assert.ok(performance.now() - s0 < 10 * 60_000, `the last row was not reached in 10 minutes (${loaded} loaded)`);
  }
  const reachMs = performance.now() - s0;
  const frames = await page.evaluate(() => {
    window.stopFrames_ = true;
    return window.frames_.slice(1);
  });
  frames.sort((a, b) => a - b);
  const at = (q) => frames[Math.min(frames.length - 1, Math.ceil(q * frames.length) - 1)].toFixed(1);
  const long = frames.filter((f) => f > 50).length;
  const shown = await counter.textContent();
  console.log(
    `${n} conversations: last row reached after ${(reachMs / 1000).toFixed(1)} s of wheel scrolling (${shown}); ` +
      `frames p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, p99 ${at(0.99)} ms, ${long} of ${frames.length} over 50 ms; at most ${maxRows} rows in the page`,
  );
} finally {
  await browser.close();
  await meridian.stop();
}
