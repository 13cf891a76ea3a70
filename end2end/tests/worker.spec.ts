import { expect, test, type Page } from '@playwright/test';
import { WorkersPage } from './pages/workers-page';
import { ownApp } from './support/simulator';

// One worker's page: opened from the table's link or pasted, found among
// the live workers or in the history window, or a real 404; its removal
// goes through the worker page's confirmation. JavaScript off and hydrated.

const widths = { desktop: 1280, phone: 375 };

function workerPath(namespace: string, app: string, id: string) {
  return `${WorkersPage.path(namespace, app)}/${encodeURIComponent(id)}`;
}

/** Screenshots of the page at both widths, each checked to fit the screen. */
async function shoot(page: Page, name: string, project: string) {
  for (const [label, width] of Object.entries(widths)) {
    await page.setViewportSize({ width, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name} at ${width} px is wider than the screen`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `test-results/screenshots/${name}-${label}-${project}.png`, fullPage: true });
  }
}

test('a worker id in the table opens its page, found among the live workers', async ({ page, javaScriptEnabled }, info) => {
  await page.goto(WorkersPage.path('default', 'stable-diffusion'));
  if (javaScriptEnabled) await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  const link = page.locator('table.workers tbody tr[data-worker-id] td.worker-id a').first();
  const id = (await link.innerText()).trim();
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/apps/stable-diffusion/workers/${id}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Worker ${id}`);
  await expect(page).toHaveTitle(`Worker ${id} · stable-diffusion · default · EverAI Worker Console`);
  await expect(page.getByTestId('found-in')).toHaveAttribute('data-found-in', 'live');
  await expect(page.getByTestId('found-in')).toContainText('Found among the app\'s live workers.');
  const fields = page.getByTestId('worker-fields');
  await expect(fields).toContainText('Running');
  await expect(fields).toContainText(id);
  await expect(fields).toContainText('A100');
  await expect(page.getByTestId('lifecycle').locator('li')).toHaveCount(4);
  await expect(page.getByTestId('lifecycle')).toContainText(/cold start \d/);
  await expect(page.getByTestId('counts')).toHaveText(/requests served, \d+ failed: a failure rate of [\d.]+ %\.$|^No requests served yet\.$/);
  // The raw fields, as JSON behind a disclosure.
  await page.getByText("The platform's fields as JSON").click();
  const json = JSON.parse(await page.getByTestId('worker-json').innerText());
  expect(json.id).toBe(id);
  expect(json.status).toBe('STATUS_RUNNING');
  // The events that name it: its launch, at least.
  await expect(page.getByTestId('worker-events').locator('li').first()).toContainText(id);
  await shoot(page, 'worker-live', info.project.name);
});

test('a pasted link to a worker that ended is found in the history window', async ({ page }, info) => {
  await page.goto('/namespaces/default/apps/image-resize/history?days=30&status=STATUS_TERMINATED');
  const link = page.locator('table.workers tbody tr[data-worker-id] td.worker-id a').first();
  const id = (await link.innerText()).trim();
  expect(await link.getAttribute('href')).toBe(workerPath('default', 'image-resize', id));
  const response = await page.goto(workerPath('default', 'image-resize', id));
  expect(response?.status()).toBe(200);
  await expect(page.getByTestId('found-in')).toHaveAttribute('data-found-in', 'history');
  await expect(page.getByTestId('found-in')).toContainText('found in the app\'s history of the last 30 days');
  await expect(page.getByTestId('worker-fields')).toContainText('Terminated');
  await expect(page.getByTestId('lifecycle')).toContainText('Deleted');
  // Nothing to remove.
  await expect(page.getByTestId('remove-worker')).toHaveCount(0);
  await expect(page.getByTestId('remove-off')).toContainText('nothing to remove');
  await shoot(page, 'worker-history', info.project.name);
});

test('a worker in neither list is a 404 page that says where it looked', async ({ page }, info) => {
  const response = await page.goto(workerPath('default', 'image-resize', 'NoSuchWorker42'));
  expect(response?.status()).toBe(404);
  const alert = page.getByTestId('worker-not-found');
  await expect(alert).toContainText(
    'There is no worker "NoSuchWorker42" among the live workers of image-resize in default, nor in its history of the last 30 days.',
  );
  await shoot(page, 'worker-not-found-link', info.project.name);
  await alert.getByRole('link', { name: 'Back to the workers of image-resize' }).click();
  await expect(page).toHaveURL(/\/apps\/image-resize\/workers$/);
});

test('a worker id that is not one is a 400 page in words', async ({ page }) => {
  const response = await page.goto(workerPath('default', 'image-resize', 'bad id<'));
  expect(response?.status()).toBe(400);
  await expect(page.getByRole('alert')).toContainText('is not a worker id');
  const long = await page.goto(workerPath('default', 'image-resize', 'w'.repeat(129)));
  expect(long?.status()).toBe(400);
});

test("a worker is removed from its own page through the worker page's confirmation", async ({ page, request, javaScriptEnabled }, testInfo) => {
  const { namespace, app } = await ownApp(request, testInfo, { live: 2 });
  await page.goto(WorkersPage.path(namespace, app));
  const id = ((await page.locator('table.workers tbody tr[data-worker-id]').first().getAttribute('data-worker-id')) ?? '');
  await page.goto(workerPath(namespace, app, id));
  if (javaScriptEnabled) await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  await page.getByTestId('remove-worker').click();
  await expect(page).toHaveURL(new RegExp(`/apps/${app}/workers\\?confirm=down&worker=${id}$`));
  const confirm = page.getByRole('region', { name: `Remove 1 worker from ${namespace}/${app}?` });
  await expect(confirm.getByRole('list', { name: 'Workers to remove' }).getByRole('listitem')).toHaveText([
    new RegExp(`^${id}`),
  ]);
  await confirm.getByRole('button', { name: 'Remove 1 worker' }).click();
  await expect(page.getByTestId('action-result')).toHaveText(new RegExp(`^Removing 1 worker from ${namespace}/${app}: ${id}\\.`));

  // Its page says so, and offers nothing more to remove.
  await page.goto(workerPath(namespace, app, id));
  await expect(page.getByTestId('worker-fields')).toContainText(/Terminating|Terminated/);
  await expect(page.getByTestId('remove-worker')).toHaveCount(0);
});

test('once hydrated, the page reads the worker again and shows what changed', async ({ page, request, javaScriptEnabled }, testInfo) => {
  test.skip(!javaScriptEnabled, 'refreshing needs JavaScript; without it the page is one read');
  const { namespace, app } = await ownApp(request, testInfo, { live: 2 });
  await page.goto(WorkersPage.path(namespace, app));
  const ids = await page.locator('table.workers tbody tr[data-worker-id]').evaluateAll((rows) =>
    rows.map((r) => r.getAttribute('data-worker-id') ?? ''),
  );
  await page.goto(workerPath(namespace, app, ids[0]));
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  await expect(page.getByTestId('worker-fields')).toContainText('Running');
  // Removed from another tab: this page follows without a reload.
  const other = await page.context().newPage();
  await other.goto(`${WorkersPage.path(namespace, app)}?confirm=down&worker=${ids[0]}`);
  await other.getByRole('button', { name: 'Remove 1 worker' }).click();
  await expect(other.getByTestId('action-result')).toContainText('Removing 1 worker');
  await expect(page.getByTestId('worker-fields')).toContainText(/Terminating|Terminated/, { timeout: 15_000 });
  await expect(page.getByTestId('remove-worker')).toHaveCount(0);
});

test('the audit log links the workers an action named', async ({ page, request }, testInfo) => {
  const { namespace, app } = await ownApp(request, testInfo, { live: 2 });
  await page.goto(WorkersPage.path(namespace, app));
  const id = ((await page.locator('table.workers tbody tr[data-worker-id]').first().getAttribute('data-worker-id')) ?? '');
  await page.goto(`${WorkersPage.path(namespace, app)}?confirm=down&worker=${id}`);
  await page.getByRole('button', { name: 'Remove 1 worker' }).click();
  await expect(page.getByTestId('action-result')).toContainText('Removing 1 worker');
  await page.goto(`/audit?app=${encodeURIComponent(`${namespace}/${app}`)}`);
  const link = page.locator('tbody tr').first().getByRole('link', { name: id });
  await expect(link).toHaveAttribute('href', workerPath(namespace, app, id));
});
