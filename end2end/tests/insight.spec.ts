import { expect, test, type Page } from '@playwright/test';
import { WorkersPage } from './pages/workers-page';
import { ownApp } from './support/simulator';

// The worker page's queue, state and events panels, drawn by the server:
// the same with JavaScript off and hydrated. The demo world's
// staging/autoscaled-api is busier than its workers (requests queue, its
// builtin autoscaler acts) and staging/batch-nightly is paused; no test
// changes either.

async function open(page: Page, javaScriptEnabled: boolean, path: string) {
  const response = await page.goto(path);
  expect(response?.status()).toBe(200);
  if (javaScriptEnabled) {
    await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  }
}

test('a busy app says what waits and why, how it scales, and what changed', async ({ page, javaScriptEnabled }) => {
  await open(page, javaScriptEnabled, WorkersPage.path('staging', 'autoscaled-api'));
  const queue = page.getByTestId('queue-panel');
  await expect(queue.getByRole('heading', { name: 'Request queue' })).toBeVisible();
  await expect(queue.getByTestId('queue-waiting')).toHaveText(/^\d+ requests? (is|are) waiting, the oldest for .+\.$/);
  const busy = queue.locator('li[data-reason="QueueReasonWorkerBusy"]');
  await expect(busy).toContainText(/^Worker busy: \d+ Every worker was busy\./);

  const state = page.getByTestId('app-state-panel');
  await expect(state.getByTestId('app-status')).toHaveText('Deployed');
  await expect(state.getByTestId('app-status')).toHaveAttribute('title', 'STATUS_DEPLOYED');
  await expect(state.getByTestId('app-scaler')).toHaveText('Builtin autoscaler “simple”, scheduler “queue”.');
  await state.getByTestId('scaler-details').locator('summary').click();
  const args = state.getByTestId('scaler-arguments');
  await expect(args.locator('tbody tr')).toHaveCount(5);
  await expect(args.getByRole('row', { name: /max_idle_time/ })).toContainText('120');
  await expect(state.getByTestId('scaler-overrides')).toContainText(
    'While “* 9-22 * * 1-5” matches (Asia/Shanghai): min_workers 2, max_workers 8.',
  );
  await expect(page.getByTestId('insight-notes')).toContainText(
    'The autoscaler removes workers idle for 120 s (max_idle_time), keeping min_workers',
  );

  const events = page.getByTestId('events-panel');
  const rows = events.locator('li.event');
  await expect(rows.first()).toBeVisible();
  expect(await rows.count()).toBeLessThanOrEqual(5);
  // Newest first, each with its exact time.
  const times = await events.locator('li.event time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime') ?? ''));
  expect([...times].sort().reverse()).toEqual(times);
  // The autoscaler's own actions are in the feed, with their reason.
  await events.getByRole('link', { name: /^SCALE_UP \(\d+\)$/ }).click();
  await expect(page).toHaveURL(/[?&]events=SCALE_UP(&|$)/);
  await expect(events.getByRole('link', { name: /^SCALE_UP/ })).toHaveAttribute('aria-current', 'true');
  await expect(rows.first()).toBeVisible();
  for (const type of await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-type')))) {
    expect(type).toBe('EVENT_TYPE_SCALE_UP');
  }
  await expect(events).toContainText('autoscaler');
  await events.getByRole('link', { name: 'All' }).click();
  await expect(page).not.toHaveURL(/events=/);
});

test('a paused app says so first, and its requests wait undispatched', async ({ page, javaScriptEnabled }) => {
  await open(page, javaScriptEnabled, WorkersPage.path('staging', 'batch-nightly'));
  await expect(page.getByTestId('insight-notes').locator('li').first()).toHaveText(
    'Paused: no workers will start until the app is resumed.',
  );
  await expect(page.getByTestId('app-status')).toHaveText('Paused');
  await expect(page.getByTestId('no-workers')).toHaveText(
    'The app is paused, so it has no live workers; none will start until it is resumed.',
  );
  await expect(page.getByTestId('app-scaler')).toHaveText(
    'Manual: workers change only when someone scales the app (default 2 workers).',
  );
  const queue = page.getByTestId('queue-panel');
  await expect(queue.locator('li[data-reason="QueueReasonNotDispatch"]')).toContainText(
    'No worker could take it: none is running yet, or the app is paused.',
  );
  await expect(queue.locator('li')).toHaveCount(1);
  const first = page.getByTestId('events-panel').locator('li.event').first();
  await expect(first).toContainText('APP_PAUSED');
  await expect(first).toContainText('ops-oncall');
});

test('an app with no traffic and no history has an empty queue and feed', async ({ page, request, javaScriptEnabled }, info) => {
  const { namespace, app } = await ownApp(request, info, { live: 0, maxWorkers: 3 });
  await open(page, javaScriptEnabled, WorkersPage.path(namespace, app));
  await expect(page.getByTestId('queue-empty')).toHaveText('No requests are waiting.');
  await expect(page.getByTestId('events-empty')).toHaveText('The platform has no events for this app.');
  await expect(page.getByTestId('app-max-workers')).toHaveText('3');
  await expect(page.getByTestId('insight-notes')).toHaveText(
    'Manual scaling: no autoscaler adds or removes workers; they change only when someone scales the app.',
  );
});

test('an app at its maxWorkers says a scale-up may not add workers', async ({ page, request, javaScriptEnabled }, info) => {
  const { namespace, app } = await ownApp(request, info, { live: 2, maxWorkers: 2 });
  await open(page, javaScriptEnabled, WorkersPage.path(namespace, app));
  await expect(page.getByTestId('insight-notes')).toContainText(
    'At maxWorkers (2 of 2 running or starting): a scale-up may not add workers.',
  );
});

test('an event type that is not one is said and ignored', async ({ page, javaScriptEnabled }) => {
  await open(page, javaScriptEnabled, `${WorkersPage.path('staging', 'batch-nightly')}?events=%3Cscript%3E`);
  await expect(page.getByTestId('events-bad-filter')).toHaveText(
    '“<script>” is not an event type (letters, digits and _ only), so every event is shown.',
  );
  await expect(page.getByTestId('events-panel').locator('li.event').first()).toBeVisible();
});

test('the panels refresh with the table once hydrated', async ({ page, request, javaScriptEnabled }, info) => {
  test.skip(!javaScriptEnabled, 'needs the hydrated page');
  const { namespace, app } = await ownApp(request, info, { live: 1, maxWorkers: 4 });
  await page.clock.install();
  await open(page, javaScriptEnabled, WorkersPage.path(namespace, app));
  await expect(page.getByTestId('events-panel').locator('li.event')).toHaveCount(1);
  // A scale-up through the page's own form, then the next live read.
  await page.goto(`${WorkersPage.path(namespace, app)}?confirm=up&count=1`);
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  await page.getByRole('button', { name: /^Add 1 worker/ }).click();
  await expect(page.getByTestId('events-panel').getByRole('link', { name: /^SCALE_UP \(1\)$/ })).toBeVisible();
  // The new worker launches within seconds; the panels follow the live
  // reads, each let through by moving the page's clock on.
  const running = page.getByTestId('events-panel').getByRole('link', { name: /^WORKER_RUNNING \(2\)$/ });
  await expect
    .poll(
      async () => {
        const read = page.waitForResponse((r) => r.url().includes('/api/list_workers') && r.status() === 200);
        await page.clock.runFor(6_000);
        await read;
        return running.count();
      },
      { timeout: 20_000 },
    )
    .toBe(1);
});

test('a feed longer than the worker page reads says where it was cut', async ({ page, request, javaScriptEnabled }, info) => {
  // 120 workers launched in the last six hours: 120 events, more than the
  // worker page reads (100).
  const { namespace, app } = await ownApp(request, info, { live: 120, maxWorkers: 120 });
  await open(page, javaScriptEnabled, WorkersPage.path(namespace, app));
  await expect(page.getByTestId('events-cut')).toHaveText(
    'The latest 100 events are read here: older ones are on the history page.',
  );
  await expect(page.getByTestId('events-panel').locator('li.event')).toHaveCount(5);
});

test('a window with more events than one read says its older events are missing', async ({ page, request, javaScriptEnabled }, info) => {
  // 1,100 workers launched in the last six hours: more events in one day
  // than the platform sends in one read (1,000). The debug build's history
  // of 1,100 workers takes a while to draw and hydrate.
  test.setTimeout(90_000);
  const { namespace, app } = await ownApp(request, info, { live: 1100, maxWorkers: 1100 });
  const response = await page.goto(`/namespaces/${namespace}/apps/${app}/history?days=1`);
  expect(response?.status()).toBe(200);
  if (javaScriptEnabled) {
    await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1, { timeout: 60_000 });
  }
  await expect(page.getByTestId('history-events-count')).toHaveText('1000 events in this window, newest first.');
  await expect(page.getByTestId('history-events-cut')).toContainText(
    'The platform sent its latest 1000 events, its most for one read',
  );
});
