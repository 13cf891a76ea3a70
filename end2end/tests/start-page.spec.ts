import { expect, test } from '@playwright/test';
import { StartPage } from './pages/start-page';

test('the server-rendered start page says what the console is and how it is set up', async ({ page }) => {
  const start = new StartPage(page);
  await start.open();
  await expect(page).toHaveTitle('EverAI Worker Console');
  await expect(start.heading).toHaveText('EverAI Worker Console');
  await expect(start.upstream).toHaveText('Built-in simulator');
  await expect(start.version).toHaveText(/^\d+\.\d+\.\d+/);
  await expect(start.uptime).toHaveText(/\d+ (s|min|h|d)/);
});

test('without JavaScript the page stays server-rendered and complete', async ({ page, javaScriptEnabled }) => {
  test.skip(javaScriptEnabled, 'only meaningful with JavaScript off');
  const start = new StartPage(page);
  await start.open();
  // Nothing ran in the browser: the marker set after hydration is absent…
  await expect(page.locator('[data-hydrated="false"]')).toHaveCount(1);
  // …yet the data a person came for is there.
  await expect(start.upstream).toHaveText('Built-in simulator');
});

test('without JavaScript, "Check again" reloads the page with a fresh status', async ({ page, javaScriptEnabled }) => {
  test.skip(javaScriptEnabled, 'only meaningful with JavaScript off');
  const start = new StartPage(page);
  await start.open();
  const [response] = await Promise.all([
    page.waitForNavigation(),
    start.checkAgain.click(),
  ]);
  expect(response?.status()).toBe(200);
  await expect(start.upstream).toHaveText('Built-in simulator');
  await expect(start.uptime).toHaveText(/\d+ (s|min|h|d)/);
});

test('after hydration, "Check again" calls the server from the browser', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'needs the hydrated app');
  const start = new StartPage(page);
  await start.open();
  await start.waitForHydration();
  await expect(start.checks).toHaveText('');

  const call = page.waitForResponse(
    (res) => res.url().endsWith('/api/console_status') && res.request().method() === 'POST',
  );
  await start.checkAgain.click();
  const response = await call;
  expect(response.status()).toBe(200);
  expect((await response.json()).upstream).toBe('Simulator');
  await expect(start.checks).toHaveText('Checked once from this page');

  await start.checkAgain.click();
  await expect(start.checks).toHaveText('Checked 2 times from this page');
  await expect(start.upstream).toHaveText('Built-in simulator');
});

test('the status server function answers plain HTTP', async ({ request }) => {
  const res = await request.post('/api/console_status', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(res.status()).toBe(200);
  const body = await res.json();
  expect(body.upstream).toBe('Simulator');
  expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
});

test('an unknown address gets a 404 page that leads back', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
  await page.getByRole('link', { name: 'Go to the start page' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('EverAI Worker Console');
});

test('the start page lists every app with its readiness, linking to its workers', async ({ page }) => {
  await page.goto('/');
  // The demo world's seven apps in three namespaces (tests that change an
  // app add apps of their own in `e2e`, so more may be listed).
  for (const [namespace, app] of [
    ['default', 'stable-diffusion'],
    ['default', 'llm-chat'],
    ['default', 'image-resize'],
    ['default', 'empty-app'],
    ['research', 'whisper-large'],
    ['research', 'tokenizer'],
    ['staging', 'sdxl-canary'],
  ]) {
    await expect(page.locator(`tr[data-app="${app}"]`), `${namespace}/${app}`).toContainText(namespace);
  }
  const sd = page.locator('tr[data-app="stable-diffusion"]');
  await expect(sd).toContainText('default');
  await expect(sd).toContainText('Deployed');
  await expect(sd.locator('td.num')).toHaveText(/^\d+ \/ \d+$/);
  await sd.getByRole('link', { name: 'stable-diffusion' }).click();
  await expect(page).toHaveURL(/\/namespaces\/default\/apps\/stable-diffusion\/workers$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('stable-diffusion');
});

test('the start page puts the apps that need a look first, each with the reason in words', async ({ page }) => {
  await page.goto('/');
  const rows = page.locator('tbody tr[data-app]');
  const classes = await rows.evaluateAll((trs) => trs.map((tr) => tr.classList.contains('trouble')));
  // Every app in trouble comes before every app that is not.
  expect(classes.indexOf(false)).toBeGreaterThan(0);
  expect(classes.slice(classes.indexOf(false))).not.toContain(true);
  await expect(page.getByTestId('apps-summary')).toHaveText(/^\d+ of \d+ apps need a look\./);

  // The busy app: requests wait, and how long the oldest has.
  const busy = page.locator('tr[data-app="autoscaled-api"]');
  await expect(busy).toHaveClass(/trouble/);
  await expect(busy.getByTestId('trouble').first()).toHaveText(/^\d+ requests? waiting, the oldest for \d/);
  // The app with nothing running and nothing asked of it is fine.
  await expect(page.locator('tr[data-app="empty-app"] td.why')).toHaveText('Looks fine');

  // The paused app says so, and leads to its resume confirmation.
  const paused = page.locator('tr[data-app="batch-nightly"]');
  await expect(paused.getByTestId('trouble')).toHaveText('Paused: no workers will start until it is resumed');
  await paused.getByTestId('resume-link').click();
  await expect(page).toHaveURL(/\/namespaces\/staging\/apps\/batch-nightly\/workers\?confirm=resume$/);
  await expect(page.getByRole('region', { name: 'Resume staging/batch-nightly?' })).toBeVisible();
});
