import { writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';

// Browser figures for `make bench`: first view of 1,000 workers, and the
// search box with 10,000. Results go to BENCH_OUT as JSON.
const big = '/namespaces/bench/apps/fleet-1000/workers';
const huge = '/namespaces/bench/apps/fleet-10000/workers';
const loads = Number(process.env.BENCH_LOADS ?? 5);
const results: Record<string, unknown> = {};

test.afterAll(() => {
  const out = process.env.BENCH_OUT;
  if (out) writeFileSync(out, JSON.stringify(results, null, 2));
});

/**
 * Opens the 1,000-worker page in `page` and returns, on the page's own clock
 * (milliseconds from the start of the navigation), its first contentful
 * paint, when the header's hydrated flag flipped, and when the document
 * had loaded.
 */
async function firstView(page: Page, timeout: number) {
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.querySelector('[data-hydrated="true"]')) {
        (window as any).__hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-hydrated'] });
  });
  await page.goto(big);
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1, { timeout });
  const timing = await page.evaluate(() => ({
    hydratedMs: (window as any).__hydratedAt as number,
    fcpMs: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    domContentLoadedMs: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming)
      .domContentLoadedEventEnd,
  }));
  expect(timing.hydratedMs).toBeGreaterThan(0);
  expect(timing.fcpMs).toBeGreaterThan(0);
  return timing;
}

test('first view of 1,000 workers', async ({ browser }) => {
  const runs = [];
  for (let i = 0; i < loads; i++) {
    // A fresh context each time: nothing cached, as for a pasted link.
    const context = await browser.newContext();
    const page = await context.newPage();
    runs.push(await firstView(page, 60_000));
    await context.close();
  }
  // Readable before hydration: the server's HTML alone has the rows.
  const noScript = await browser.newContext({ javaScriptEnabled: false });
  const page = await noScript.newPage();
  await page.goto(big);
  const rowsWithoutScript = await page.locator('table.workers tbody tr[data-worker-id]').count();
  expect(rowsWithoutScript).toBeGreaterThan(0);
  await noScript.close();
  results.firstView = { runs, rowsWithoutScript };
});

test('first view of 1,000 workers on a slow link', async ({ browser }) => {
  // A hotel or phone link: 1.6 Mbit/s down, 750 kbit/s up, 150 ms latency,
  // by Chromium's own network emulation; a fresh context, nothing cached.
  const link = { downloadKbps: 1600, uploadKbps: 750, latencyMs: 150 };
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: link.latencyMs,
    downloadThroughput: (link.downloadKbps * 1000) / 8,
    uploadThroughput: (link.uploadKbps * 1000) / 8,
  });
  // Bytes on the wire, as received (compressed where the server compressed).
  let wireBytes = 0;
  const requests: string[] = [];
  cdp.on('Network.requestWillBeSent', (e) => requests.push(e.request.url));
  cdp.on('Network.loadingFinished', (e) => {
    wireBytes += e.encodedDataLength;
  });
  const timing = await firstView(page, 120_000);
  expect(wireBytes).toBeGreaterThan(0);
  await context.close();
  results.slowLink = { ...link, ...timing, wireBytes, requests: requests.length };
});

test('keystroke to table with 10,000 workers', async ({ page }) => {
  await page.goto(huge);
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1, { timeout: 120_000 });
  await expect(page.getByTestId('showing')).toHaveText('Showing all 10000 workers');
  // Live updates off, so that no refresh lands inside a measured keystroke.
  await page.getByRole('button', { name: 'Pause updates' }).click();
  const search = page.getByRole('searchbox', { name: 'Search worker or device id' });
  await search.focus();
  // Texts typed one key at a time: narrowing, then widening again.
  // Ids from the rows drawn (those near the viewport).
  const ids = await page.locator('table.workers tbody td.worker-id').allTextContents();
  expect(ids.length).toBeGreaterThan(8);
  const words = [ids[3].slice(0, 4), ids.at(-2)!.slice(-4), '7', ids[ids.length >> 1].slice(0, 3)];
  const steps: string[] = [];
  for (const word of words) {
    for (let i = 1; i <= word.length; i++) steps.push(word.slice(0, i));
    for (let i = word.length - 1; i >= 0; i--) steps.push(word.slice(0, i));
  }
  const runs: number[] = [];
  const scripts: number[] = [];
  let maxRows = 0;
  for (const text of steps) {
    const { ms, scriptMs, rows, showing, matching, filled } = await page.evaluate(async (text) => {
      const input = document.querySelector<HTMLInputElement>('input[type=search]')!;
      const t0 = performance.now();
      input.value = text;
      input.dispatchEvent(new InputEvent('input', { bubbles: true, data: text.slice(-1) }));
      // The update runs in microtasks; a new task starts after all of them.
      await new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = resolve;
        channel.port2.postMessage(null);
      });
      const scriptMs = performance.now() - t0;
      void document.body.offsetHeight; // style and layout of the new rows
      const ms = performance.now() - t0;
      const cells = [...document.querySelectorAll('table.workers tbody tr[data-worker-id]')];
      const needle = text.toLowerCase();
      const matching = cells.every((tr) => {
        const id = tr.querySelector('td.worker-id')?.textContent ?? '';
        const device = tr.querySelector('td[title]')?.getAttribute('title') ?? '';
        return (id + ' ' + device).toLowerCase().includes(needle);
      });
      const showing = document.querySelector('[data-testid=showing]')?.textContent ?? '';
      // Rows not drawn stand behind a spacer; those drawn fill the viewport.
      const last = cells.at(-1);
      const filled =
        !last || !last.nextElementSibling || last.getBoundingClientRect().bottom >= window.innerHeight;
      return { ms, scriptMs, rows: cells.length, showing, matching, filled };
    }, text);
    // The table really changed: every row matches, and the count says so.
    expect(matching, `rows for ${JSON.stringify(text)}`).toBe(true);
    expect(filled, `rows drawn to the bottom of the viewport for ${JSON.stringify(text)}`).toBe(true);
    expect(showing).toMatch(text === '' ? /^Showing all 10000 workers$/ : /^Showing \d+ of 10000 workers$/);
    runs.push(ms);
    scripts.push(scriptMs);
    maxRows = Math.max(maxRows, rows);
  }
  // The URL carries the search, so the view can be shared.
  await search.fill(words[0]);
  await expect(page).toHaveURL(new RegExp(`[?&]q=${words[0]}`));
  results.keystroke = { workers: 10000, runs, scriptMs: scripts, maxRows };
});

test('first view of the start page of every app', async ({ browser }) => {
  // The console with kept reads off: each load reads every app afresh.
  const url = process.env.BENCH_START_URL;
  expect(url, 'BENCH_START_URL names the console to measure').toBeTruthy();
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url!);
    await expect(page.getByTestId('apps-summary')).toBeVisible({ timeout: 60_000 });
    runs.push(
      await page.evaluate(() => ({
        fcpMs: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
        responseEndMs: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).responseEnd,
      })),
    );
    await context.close();
  }
  expect(runs.every((r) => r.fcpMs > 0)).toBe(true);
  results.startPage = { runs };
});
