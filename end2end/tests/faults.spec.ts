import { expect, test } from '@playwright/test';
import { WorkersPage } from './pages/workers-page';
import { setFaults } from './support/simulator';

// The simulator makes one app fail while every other stays healthy; no other
// test reads staging/sdxl-canary. The faults are process-wide, so these tests
// run one after another, in the hydrated project only, and open a
// JavaScript-off browser themselves where they need one.
const [NS, APP] = ['staging', 'sdxl-canary'];
const scope = { apps: [`${NS}/${APP}`] };

test.describe.configure({ mode: 'serial' });

test.beforeEach(({ javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'runs once, in the hydrated project; it opens its own no-JS browser');
});

test.afterEach(async ({ request }) => {
  await setFaults(request, {});
});

test('a failing platform turns the live view stale, keeps its rows, and it recovers', async ({ page, request }) => {
  await setFaults(request, {});
  await page.clock.install();
  const workers = new WorkersPage(page);
  await workers.open(NS, APP);
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  const rows = await workers.rowCount();
  expect(rows).toBeGreaterThan(0);
  const live = page.getByTestId('live');
  const stale = page.getByTestId('stale');
  await expect(stale).toHaveCount(0);

  await setFaults(request, { ...scope, error_rate: 1, error_status: 429, retry_after_secs: 30 });
  const failed = page.waitForResponse((r) => r.url().includes('/api/list_workers'));
  await page.clock.runFor(6_000);
  await failed;
  await expect(stale).toHaveText(
    'Could not refresh: The EverAI API is rate limiting the console (429). Try again in 30 s. ' +
      'Showing the workers as they were at the last good read.',
  );
  // The page is alive: same rows, controls usable, the age keeps counting.
  await workers.expectRowCount(rows);
  await page.clock.runFor(6_000);
  await expect(live).toContainText(/Updated 1\d s ago/);
  await expect(page.getByRole('button', { name: 'Pause updates' })).toBeEnabled();

  await setFaults(request, {});
  const recovered = page.waitForResponse((r) => r.url().includes('/api/list_workers') && r.status() === 200);
  await page.clock.runFor(6_000);
  await recovered;
  await expect(stale).toHaveCount(0);
  await expect(live).toContainText('Updated just now');
});

test('each kind of failure gets its own banner and status, and the page stays usable', async ({ browser, request, baseURL }) => {
  test.setTimeout(60_000);
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const page = await context.newPage();
  const cases: [Parameters<typeof setFaults>[1], number, string][] = [
    // Longer than the client's 8 s deadline: the page still comes, in time.
    [{ latency_ms: 9_000 }, 504, 'The EverAI API did not answer in time.'],
    [{ error_rate: 1, error_status: 401 }, 502, "The EverAI API did not accept the console's token (401). Check EVERAI_TOKEN."],
    [{ error_rate: 1, error_status: 429, retry_after_secs: 7 }, 502, 'rate limiting the console (429). Try again in 7 s.'],
    [{ error_rate: 1, error_status: 502 }, 502, 'The EverAI API failed on its side (502)'],
    [{ error_rate: 1, error_status: 503 }, 502, 'The EverAI API failed on its side (503)'],
    [{ truncate_rate: 1 }, 502, 'sent an answer the console cannot read'],
    [{ html_rate: 1 }, 502, 'sent an answer the console cannot read'],
  ];
  for (const [faults, status, text] of cases) {
    await setFaults(request, { ...scope, ...faults });
    const response = await page.goto(WorkersPage.path(NS, APP));
    expect(response?.status(), JSON.stringify(faults)).toBe(status);
    const banner = page.getByRole('alert');
    await expect(banner, JSON.stringify(faults)).toContainText(text);
    await expect(banner).toContainText(/Reload|token/);
    // Never the upstream's own body.
    await expect(page.locator('body')).not.toContainText('<html>');
    await expect(page.locator('body')).not.toContainText('Service temporarily unavailable');
  }
  // The rest of the console is unaffected, and the app comes back.
  await page.getByRole('link', { name: 'History' }).click();
  await expect(page.getByRole('alert')).toContainText('sent an answer the console cannot read');
  await page.goto('/');
  await expect(page.locator(`tr[data-app="${APP}"]`).getByRole('link', { name: APP })).toBeVisible();

  // That was the app's fifth outage in a row (the 401 and 429 were answers,
  // which end a run): its calls are paused, fast, with a reason and a time.
  await setFaults(request, {});
  const paused = await page.goto(WorkersPage.path(NS, APP));
  expect(paused?.status()).toBe(503);
  expect(paused?.headers()['retry-after']).toMatch(/^[1-5]$/);
  await expect(page.getByRole('alert')).toContainText(
    'The EverAI API failed several times in a row for this app, so the console is not calling it for the next',
  );
  // After the pause (5 s in this suite) it comes back by itself. Each of
  // the app's reads has its own breaker, opened by its own run of failures
  // at its own moment, so a panel may come back a moment after the table:
  // poll for the whole page.
  await expect
    .poll(
      async () => {
        const status = (await page.goto(WorkersPage.path(NS, APP)))?.status();
        return `${status} alerts=${await page.getByRole('alert').count()}`;
      },
      { timeout: 15_000 },
    )
    .toBe('200 alerts=0');
  await context.close();
});

test('a failing or missing endpoint degrades only its own panel', async ({ page, browser, request, baseURL }) => {
  const noJs = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const cases: [Parameters<typeof setFaults>[1], string, string][] = [
    [
      { calls: ['list_queue'], error_rate: 1, error_status: 503 },
      'queue-failed',
      'The request queue could not be read: The EverAI API failed on its side (503).',
    ],
    [
      { calls: ['get_app'], truncate_rate: 1 },
      'app-state-failed',
      "The app's state could not be read: The EverAI API sent an answer the console cannot read",
    ],
    [
      { calls: ['list_events'], error_rate: 1, error_status: 404 },
      'events-not-served',
      'The platform does not serve the events for this app (404), so it is not shown.',
    ],
  ];
  for (const [faults, id, text] of cases) {
    await setFaults(request, { ...scope, ...faults });
    for (const p of [page, await noJs.newPage()]) {
      const response = await p.goto(WorkersPage.path(NS, APP));
      expect(response?.status(), JSON.stringify(faults)).toBe(200);
      await expect(p.getByTestId(id)).toContainText(text);
      // The table and the other panels are there as usual.
      await expect(p.locator('table.workers tbody tr[data-worker-id]').first()).toBeVisible();
      for (const other of ['queue-panel', 'app-state-panel', 'events-panel']) {
        await expect(p.getByTestId(other)).toBeVisible();
      }
      expect(await p.getByRole('alert').count(), JSON.stringify(faults)).toBeLessThanOrEqual(1);
    }
  }
  // The history page reads the same events: it says so there too, and
  // shows the rest of the window.
  const history = await page.goto(`/namespaces/${NS}/apps/${APP}/history?days=2`);
  expect(history?.status()).toBe(200);
  await expect(page.getByTestId('history-events-not-served')).toContainText('does not serve the events');
  await expect(page.getByTestId('timeline')).toBeVisible();
  await noJs.close();
});

test("a start page read that fails is named on its app's row, and the others are checked", async ({ page, request }, info) => {
  await setFaults(request, { ...scope, calls: ['list_queue'], error_rate: 1, error_status: 503 });
  for (const [label, width] of [['desktop', 1280], ['phone', 375]] as const) {
    await page.setViewportSize({ width, height: 800 });
    const response = await page.goto('/');
    expect(response?.status()).toBe(200);
    await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
    const row = page.locator(`tr[data-app="${APP}"]`);
    await expect(row.getByTestId('unread')).toHaveText(
      "The request queue could not be read: The EverAI API failed on its side (503). The console's log has the platform's own message.",
    );
    await expect(row).not.toContainText('Looks fine');
    await expect(page.getByTestId('apps-summary')).toContainText('1 could not be fully checked.');
    // The others were read as usual.
    await expect(page.locator('tr[data-app="empty-app"] td.why')).toHaveText('Looks fine');
    await page.screenshot({ path: `test-results/screenshots/start-unread-${label}-${info.project.name}.png`, fullPage: true });
  }
});

test("a failed events read degrades only that part of a worker's page; a failed list is the page's banner", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const page = await context.newPage();
  await page.goto(WorkersPage.path(NS, APP));
  const id = (await page.locator('table.workers tbody tr[data-worker-id]').first().getAttribute('data-worker-id')) ?? '';
  const path = `${WorkersPage.path(NS, APP)}/${id}`;
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 800 });
    await setFaults(page.request, { ...scope, calls: ['list_events'], error_rate: 1, error_status: 503 });
    const partly = await page.goto(path);
    expect(partly?.status()).toBe(200);
    await expect(page.getByTestId('worker-events-failed')).toContainText(
      'The events could not be read: The EverAI API failed on its side (503)',
    );
    await expect(page.getByTestId('worker-fields')).toContainText(id);
    await page.screenshot({ path: `test-results/screenshots/worker-events-failed-${width}.png`, fullPage: true });

    await setFaults(page.request, { ...scope, calls: ['list_workers'], error_rate: 1, error_status: 503 });
    const failed = await page.goto(path);
    expect(failed?.status()).toBe(502);
    await expect(page.getByRole('alert')).toContainText('The EverAI API failed on its side (503)');
    await page.screenshot({ path: `test-results/screenshots/worker-failed-${width}.png`, fullPage: true });
  }
  await context.close();
});

test('a failed, garbled or missing statistics read degrades only the requests chart', async ({ page, browser, baseURL }) => {
  const noJs = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const cases: [Parameters<typeof setFaults>[1], string, string][] = [
    [
      { calls: ['request_statistic'], error_rate: 1, error_status: 503 },
      'requests-failed',
      'The request statistics could not be read: The EverAI API failed on its side (503).',
    ],
    [
      { calls: ['request_statistic'], html_rate: 1 },
      'requests-failed',
      'The request statistics could not be read: The EverAI API sent an answer the console cannot read',
    ],
    [
      { calls: ['request_statistic'], error_rate: 1, error_status: 404 },
      'requests-not-served',
      'The platform does not serve the request statistics for this app (404), so it is not shown.',
    ],
  ];
  for (const [faults, id, text] of cases) {
    await setFaults(page.request, { ...scope, ...faults });
    for (const [p, width] of [[page, 1280], [await noJs.newPage(), 375]] as const) {
      await p.setViewportSize({ width, height: 800 });
      const response = await p.goto(`/namespaces/${NS}/apps/${APP}/history?days=2`);
      expect(response?.status(), JSON.stringify(faults)).toBe(200);
      const card = p.getByTestId('history-requests');
      await expect(card.getByTestId(id)).toContainText(text);
      await expect(card.getByTestId('requests-chart')).toHaveCount(0);
      // The rest of the window is there as usual.
      await expect(p.getByTestId('timeline')).toBeVisible();
      await expect(p.getByTestId('history-events')).toBeVisible();
      await expect(p.getByTestId('history-summary')).toBeVisible();
      if (id === 'requests-failed') {
        await p.screenshot({ path: `test-results/screenshots/history-requests-failed-${width}.png`, fullPage: true });
      }
    }
  }
  await noJs.close();
});
