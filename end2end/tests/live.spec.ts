import { expect, test } from '@playwright/test';
import { WorkersPage } from './pages/workers-page';

// The browser's clock is Playwright's: time moves only when a test says so.

const isList = (url: string) => url.includes('/api/list_workers');

test('the live view reads again every 5 s and keeps what the person is doing', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'live updates need the hydrated app');
  await page.clock.install();
  await page.setViewportSize({ width: 390, height: 700 });
  const workers = new WorkersPage(page);
  await workers.open('default', 'image-resize');
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  const live = page.getByTestId('live');
  await expect(live).toContainText('live, every 5 s');

  const label = (await page.getByRole('checkbox', { name: /^Select worker / }).nth(2).getAttribute('aria-label'))!;
  const id = label.replace('Select worker ', '');
  const box = page.getByRole('checkbox', { name: label });
  await box.check();
  // The search narrows the table as it is typed; the ticked worker stays in view.
  const search = page.getByPlaceholder('Search worker or device id');
  await search.fill(id.slice(0, 12));
  await expect(workers.rows).toHaveCount(1);
  await page.evaluate(() => window.scrollTo(0, 200));
  const scrolled = await page.evaluate(() => window.scrollY);
  expect(scrolled).toBeGreaterThan(0);

  const refreshed = page.waitForResponse((r) => isList(r.url()));
  await page.clock.runFor(6_000);
  expect((await refreshed).status()).toBe(200);
  await expect(live).toContainText('Updated just now');

  await expect(box).toBeChecked();
  await expect(page.getByTestId('selected-count')).toHaveText('1 worker selected.');
  await expect(search).toHaveValue(id.slice(0, 12));
  expect(await page.evaluate(() => window.scrollY)).toBe(scrolled);
  await expect(workers.rows).toHaveCount(1);
  await search.fill('');
  await workers.expectRowCount(40);
  await expect(box).toBeChecked();
});

test('pausing stops the reads, resuming starts them again', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'live updates need the hydrated app');
  await page.clock.install();
  const workers = new WorkersPage(page);
  await workers.open('default', 'stable-diffusion');
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  const live = page.getByTestId('live');

  await page.getByRole('button', { name: 'Pause updates' }).click();
  await expect(live).toContainText('paused');
  const reads: string[] = [];
  page.on('request', (r) => {
    if (isList(r.url())) reads.push(r.url());
  });
  await page.clock.runFor(20_000);
  await expect(live).toContainText(/Updated 2\d s ago/);
  expect(reads).toHaveLength(0);

  const resumed = page.waitForResponse((r) => isList(r.url()));
  await page.getByRole('button', { name: 'Resume updates' }).click();
  await page.clock.runFor(1_500);
  expect((await resumed).status()).toBe(200);
  await expect(live).toContainText('Updated just now');
});

test('a hidden tab reads nothing, and reads again once it is shown', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'live updates need the hydrated app');
  await page.clock.install();
  const workers = new WorkersPage(page);
  await workers.open('default', 'stable-diffusion');
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  const reads: string[] = [];
  page.on('request', (r) => {
    if (isList(r.url())) reads.push(r.url());
  });
  // The tab goes to the background (another tab in front, a locked screen).
  await page.evaluate(() => Object.defineProperty(document, 'hidden', { configurable: true, get: () => true }));
  await page.clock.runFor(20_000);
  expect(reads).toHaveLength(0);
  await expect(page.getByTestId('live')).toContainText(/Updated 2\d s ago/);

  // Back in front: the next tick reads.
  const resumed = page.waitForResponse((r) => isList(r.url()));
  await page.evaluate(() => delete (document as { hidden?: boolean }).hidden);
  await page.clock.runFor(1_500);
  expect((await resumed).status()).toBe(200);
  await expect(page.getByTestId('live')).toContainText('Updated just now');
});

test('a confirmation holds the list still', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'live updates need the hydrated app');
  await page.clock.install();
  await page.goto(`${WorkersPage.path('default', 'image-resize')}?confirm=down&count=2`);
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  await expect(page.getByTestId('live')).toContainText('paused while you confirm');
  const reads: string[] = [];
  page.on('request', (r) => {
    if (isList(r.url())) reads.push(r.url());
  });
  await page.clock.runFor(12_000);
  await expect(page.getByTestId('live')).toContainText(/Updated 1\d s ago/);
  expect(reads).toHaveLength(0);
});

test('without JavaScript the page says when it was read', async ({ page, javaScriptEnabled }) => {
  test.skip(javaScriptEnabled, 'only meaningful with JavaScript off');
  const workers = new WorkersPage(page);
  await workers.open('default', 'stable-diffusion');
  await expect(page.getByTestId('live')).toContainText('Updated just now');
  await expect(page.getByRole('button', { name: 'Pause updates' })).toBeDisabled();
});
