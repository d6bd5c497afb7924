// The booking screen in headless Chromium (Debian's `chromium`, driven by playwright-core): load the
// page, read the free slots, click a taken time and a free one, hold a time, and check the messages —
// all without a request to the server after the page has loaded. Saves a screenshot.
//
//   node --test examples/browser/test.mjs
//   CHROMIUM=/path/to/chromium, HMS_SCREENSHOT=/path/to/shot.png to override the defaults.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";

const SCREENSHOT = process.env.HMS_SCREENSHOT ?? join(tmpdir(), "hms-browser-example.png");
// A Sunday: Monday 2 March 2026 is bookable from then on.
const NOW = "2026-03-01T08:00:00Z";

/** @type {Awaited<ReturnType<typeof serve>>} */
let site;
/** @type {import("playwright-core").Browser} */
let browser;

before(async () => {
  site = await serve(0);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  site?.server.close();
});

/** @param {import("playwright-core").Page} page */
const labels = (page, cls = "") =>
  page.$$eval(`#slots li${cls} button`, (bs) => bs.map((b) => b.textContent));

test("a receptionist sees free slots, a conflict on a taken time, and holds a free one", async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  await page.goto(`${site.url}/examples/browser/index.html?now=${NOW}&date=2026-03-02`);
  await page.waitForSelector("body[data-ready=true]");
  assert.deepEqual(problems, []);

  // Dr. Rao, Monday 2 March 2026 in Berlin, follow-ups of 15 minutes; booked 09:00-09:30, 10:15-10:30
  // and 14:00-15:00.
  assert.equal(await page.textContent("#day-title"), "Slots on 2026-03-02 (Europe/Berlin)");
  // The fee is priced in the page too, by the billing rules the invoice uses.
  assert.equal(await page.textContent("#fee"), "Visit fee: 45.00 EUR (self-pay, tax-exempt)");
  assert.deepEqual(await labels(page, ".free"), [
    "09:30", "09:45", "10:00", "10:30", "10:45", "11:00", "11:15", "11:30", "11:45",
    "13:00", "13:15", "13:30", "13:45", "15:00", "15:15", "15:30", "15:45",
  ]);
  assert.deepEqual(await labels(page, ".taken"), ["09:00", "09:15", "10:15", "14:00", "14:15", "14:30", "14:45"]);

  // From here on, every check runs in the page: not one request may leave it.
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));

  await page.click("#slots li.taken button[data-start='2026-03-02T08:15:00Z']");
  await page.waitForSelector("#result.blocked");
  assert.equal(await page.textContent("#result .headline"), "09:15 cannot be booked.");
  assert.equal(
    await page.textContent("#result .finding.error[data-code=slot_conflict]"),
    "slot_conflict doctor `0190b4a0-0000-7000-8000-000000000001` is already booked from 2026-03-02 08:00 " +
      "to 08:30 UTC (appointment `0190b4a0-0000-7000-8000-0000000000a1`)",
  );
  assert.equal(
    await page.textContent("#result .conflict"),
    "Overlaps the doctor's booking from 09:00 to 09:30 (Europe/Berlin time).",
  );
  assert.equal(await page.isVisible("#book"), false);

  await page.click("#slots li.free button[data-start='2026-03-02T08:30:00Z']");
  await page.waitForSelector("#result.ok");
  assert.equal(await page.textContent("#result .headline"), "09:30 can be booked.");
  assert.equal(await page.locator("#result .finding").count(), 0);

  // Hold 09:30: it turns taken, and clicking it again is a conflict with the new booking.
  await page.click("#book");
  await page.waitForSelector("#slots li.taken button[data-start='2026-03-02T08:30:00Z']");
  await page.click("#slots li.taken button[data-start='2026-03-02T08:30:00Z']");
  await page.waitForSelector("#result.blocked");
  assert.match(
    await page.textContent("#result .finding.error") ?? "",
    /^slot_conflict doctor `.*` is already booked from 2026-03-02 08:30 to 08:45 UTC/,
  );
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  console.log(`screenshot: ${SCREENSHOT}`);

  assert.deepEqual(requests, []);
  assert.deepEqual(problems, []);
  await page.close();
});

test("a New York clinic open 01:00-04:00 on the fall-back night shows 01:00 and 01:30 twice", async () => {
  const page = await browser.newPage();
  await page.goto(`${site.url}/examples/browser/index.html?now=${NOW}&date=2026-11-01`);
  await page.waitForSelector("body[data-ready=true]");
  await page.selectOption("#doctor", "1");
  assert.equal(await page.textContent("#fee"), "Visit fee: 120.00 USD (self-pay, tax-exempt)");
  assert.deepEqual(await labels(page), ["01:00", "01:30", "01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]);
  // The second 01:00 is 06:00 UTC (EST), an hour after the first (05:00 UTC, EDT).
  const starts = await page.$$eval("#slots button", (bs) => bs.map((b) => b.dataset.start));
  assert.deepEqual(starts.slice(0, 3), ["2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z"]);
  await page.close();
});
