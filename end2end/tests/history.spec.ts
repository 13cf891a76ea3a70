import { expect, test } from '@playwright/test';
import { WorkersPage } from './pages/workers-page';
import { ownApp } from './support/simulator';

test('the history view draws the window it is asked for', async ({ page }) => {
  await page.goto('/namespaces/default/apps/stable-diffusion/history');
  await expect(page.getByRole('link', { name: 'History' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('link', { name: '2 days' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('timeline')).toBeVisible();
  await expect(page.getByTestId('churn').locator('tbody tr')).toHaveCount(2);

  await page.getByRole('link', { name: '7 days' }).click();
  await expect(page).toHaveURL(/\/history\?days=7$/);
  await expect(page.getByTestId('churn').locator('tbody tr')).toHaveCount(7);
  await expect(page.getByTestId('history-summary')).toHaveText(/^\d+ workers in the last 7 days, \d+ of them ended\.$/);
  await expect(page.getByTestId('cold-starts').getByRole('rowheader', { name: 'A100' })).toBeVisible();
  await expect(page.getByTestId('cold-starts').locator('tbody tr').first().locator('td').nth(1)).toHaveText(/^\d/);
});

test('ended workers can be filtered like live ones, and the link keeps the window', async ({ page }) => {
  await page.goto('/namespaces/default/apps/image-resize/history?days=7&status=STATUS_TERMINATED');
  const rows = page.locator('table.workers tbody tr[data-worker-id]');
  expect(await rows.count()).toBeGreaterThan(0);
  for (const text of await rows.locator('td.status').allInnerTexts()) {
    expect(text.trim()).toBe('Terminated');
  }
  await page.getByRole('link', { name: 'Success' }).click();
  await expect(page).toHaveURL(/days=7/);
  await expect(page).toHaveURL(/sort=success/);
});

test('two workers scaled down go Terminating, then show as Terminated in history', async ({ page, request, javaScriptEnabled }, testInfo) => {
  const { namespace, app } = await ownApp(request, testInfo, { live: 4 });
  const workers = new WorkersPage(page);
  await workers.open(namespace, app);
  // Ticked once hydrated, as a person would who waits for the page.
  if (javaScriptEnabled) await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  const boxes = page.getByRole('checkbox', { name: /^Select worker / });
  const n = await boxes.count();
  // Only workers that can still be removed have a box.
  expect(n).toBe(4);
  const picked = [boxes.nth(0), boxes.nth(1)];
  const ids: string[] = [];
  for (const box of picked) {
    ids.push(((await box.getAttribute('aria-label')) ?? '').replace('Select worker ', ''));
  }
  // By name: rows may move as workers come and go.
  for (const id of ids) {
    await page.getByRole('checkbox', { name: `Select worker ${id}` }).check();
  }
  await page.getByRole('button', { name: 'Remove selected…' }).click();
  await page.getByRole('button', { name: 'Remove 2 workers' }).click();
  await expect(page.getByTestId('action-result')).toHaveText(new RegExp(`^Removing 2 workers from ${namespace}/${app}: `));
  for (const id of ids) {
    await expect(page.locator(`tr[data-worker-id="${id}"] td.status`)).toHaveText(/Terminating|Terminated/);
  }

  await page.getByRole('link', { name: 'History' }).click();
  await expect(page).toHaveURL(new RegExp(`/apps/${app}/history$`));
  // Removal takes the simulator 2 to 6 s; read the page again until it shows.
  await expect(async () => {
    await page.reload();
    for (const id of ids) {
      await expect(page.locator(`table.workers tr[data-worker-id="${id}"] td.status`)).toHaveText('Terminated', {
        timeout: 500,
      });
    }
  }).toPass({ timeout: 20_000 });
  // The scale-down is marked on the timeline, read from the audit log.
  const mark = page.getByTestId('timeline').locator('g.action-mark', {
    hasText: `Removing 2 workers from ${namespace}/${app}: `,
  });
  await expect(mark).toHaveCount(1);
  for (const id of ids) await expect(mark).toContainText(id);
});

test('a long list comes in pages of 100, the page in the URL', async ({ page }) => {
  // Four loads of a 30-day history of 1,200 workers and 1,000 events, each
  // about 2 MB of HTML from the debug build: over the default 30 s on a
  // busy 2-core machine.
  test.setTimeout(60_000);
  const path = '/namespaces/default/apps/image-resize/history';
  await page.goto(`${path}?days=30&sort=id`);
  const rows = page.locator('table.workers tbody tr[data-worker-id]');
  const table = page.locator('table.workers');
  const pager = page.getByTestId('pager');
  await expect(table).toHaveAttribute('aria-rowcount', '101');
  const where = /^Rows 1–100 of (\d+) · page 1 of (\d+)$/;
  await expect(pager.locator('.pager-where')).toHaveText(where);
  const [, total, pages] = (await pager.locator('.pager-where').innerText()).match(where) ?? [];
  expect(Number(total)).toBeGreaterThan(1000);
  expect(Number(pages)).toBe(Math.ceil(Number(total) / 100));
  const firstOnPage1 = await rows.first().getAttribute('data-worker-id');

  await pager.getByRole('link', { name: 'Next →' }).click();
  await expect(page).toHaveURL(`${path}?sort=id&days=30&page=2`);
  await expect(pager.locator('.pager-where')).toHaveText(`Rows 101–200 of ${total} · page 2 of ${pages}`);
  await expect(table).toHaveAttribute('aria-rowcount', '101');
  const firstOnPage2 = await rows.first().getAttribute('data-worker-id');
  expect(firstOnPage2! > firstOnPage1!).toBe(true);

  // A shared link opens on its page; one past the end shows the last page.
  await page.goto(`${path}?sort=id&days=30&page=9999`);
  await expect(pager.locator('.pager-where')).toHaveText(new RegExp(`· page ${pages} of ${pages}$`));
  await expect(pager.getByRole('link', { name: 'Next →' })).toHaveCount(0);
  expect(Number(await table.getAttribute('aria-rowcount'))).toBeLessThanOrEqual(101);

  // A new sort starts again at the first page.
  await page.getByRole('link', { name: 'Success' }).click();
  await expect(page).not.toHaveURL(/page=/);
  await expect(pager.locator('.pager-where')).toHaveText(/^Rows 1–100 of /);
});

test("the window's events are listed newest first and marked on the timeline", async ({ page, javaScriptEnabled }) => {
  // The paused demo app: its feed does not move while the suite runs.
  await page.goto('/namespaces/staging/apps/batch-nightly/history?days=30');
  if (javaScriptEnabled) await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  const section = page.getByTestId('history-events');
  const items = section.locator('li.event');
  await expect(items.first()).toContainText('APP_PAUSED');
  await expect(items.first()).toContainText('from ops-oncall');
  const count = await items.count();
  await expect(section.getByTestId('history-events-count')).toHaveText(`${count} events in this window, newest first.`);
  const times = await items.locator('time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime') ?? ''));
  expect([...times].sort().reverse()).toEqual(times);
  // Each event inside the timeline's span is a mark with its line as title.
  const marks = page.locator('svg.timeline .event-mark');
  expect(await marks.count()).toBeGreaterThan(0);
  expect(await marks.count()).toBeLessThanOrEqual(count);
  await expect(marks.first().locator('title')).toContainText('APP_PAUSED from ops-oncall');
  await expect(page.locator('.legend')).toContainText('event (from the platform)');
  // A paused app says so here too, with the way back.
  await expect(page.getByTestId('paused-banner')).toContainText('This app is paused');
  await expect(page.getByTestId('paused-banner').getByRole('link', { name: 'Resume app…' })).toHaveAttribute(
    'href',
    '/namespaces/staging/apps/batch-nightly/workers?confirm=resume',
  );
});

test('an app without events says so on its history page', async ({ page, request, javaScriptEnabled }, info) => {
  const { namespace, app } = await ownApp(request, info, { live: 0, maxWorkers: 1 });
  await page.goto(`/namespaces/${namespace}/apps/${app}/history?days=1`);
  if (javaScriptEnabled) await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  await expect(page.getByTestId('history-events-empty')).toHaveText('No events in this window.');
});
