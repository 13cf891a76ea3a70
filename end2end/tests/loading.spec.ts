import { expect, test, type Page, type Route } from '@playwright/test';

// Navigations inside the hydrated app wait for data; while they do, the page
// shows grey shapes where the data will go, and nothing already on screen
// moves when the data arrives.

/** Holds every call of the server function `name` until `release()`. */
async function hold(page: Page, name: string) {
  const held: Route[] = [];
  let open = false;
  await page.route(`**/api/${name}**`, async (route) => {
    if (open) return route.continue();
    held.push(route);
  });
  return {
    waitHeld: () => expect.poll(() => held.length).toBeGreaterThan(0),
    release: async () => {
      open = true;
      for (const route of held.splice(0)) await route.continue();
    },
  };
}

/** Starts adding up layout shifts (Chromium's Layout Instability API). */
async function watchShifts(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __shift: number };
    w.__shift = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[]) {
        if (!e.hadRecentInput) w.__shift += e.value;
      }
    }).observe({ type: 'layout-shift', buffered: false });
  });
}

const shifted = (page: Page) => page.evaluate(() => (window as unknown as { __shift: number }).__shift);

for (const [label, width] of [['desktop', 1280], ['phone', 375]] as const) {
  test(`a worker page opened from the start page shows a skeleton, then the table (${label})`, async ({ page, javaScriptEnabled }, info) => {
    test.skip(!javaScriptEnabled, 'without JavaScript every page arrives complete');
    await page.setViewportSize({ width, height: 800 });
    await page.goto('/');
    await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
    const list = await hold(page, 'list_workers');

    await page.locator('tr[data-app="stable-diffusion"]').getByRole('link', { name: 'stable-diffusion' }).click();
    await list.waitHeld();
    const skeleton = page.getByTestId('skeleton');
    await expect(skeleton).toBeVisible();
    await expect(skeleton).toHaveAttribute('aria-busy', 'true');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('stable-diffusion');
    await page.screenshot({ path: `test-results/screenshots/workers-loading-${label}-${info.project.name}.png`, fullPage: true });
    const heading = await page.getByRole('heading', { level: 1 }).boundingBox();

    await watchShifts(page);
    await list.release();
    await expect(page.locator('table.workers tbody tr[data-worker-id]').first()).toBeVisible();
    await expect(skeleton).toHaveCount(0);
    expect(await page.getByRole('heading', { level: 1 }).boundingBox()).toEqual(heading);
    expect(await shifted(page)).toBeLessThan(0.05);
  });
}

test('the history tab shows a skeleton while it loads', async ({ page, javaScriptEnabled }, info) => {
  test.skip(!javaScriptEnabled, 'without JavaScript every page arrives complete');
  await page.goto('/namespaces/default/apps/stable-diffusion/workers');
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  const list = await hold(page, 'worker_history');
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'History' }).click();
  await list.waitHeld();
  await expect(page.getByTestId('skeleton')).toBeVisible();
  await page.screenshot({ path: `test-results/screenshots/history-loading-desktop-${info.project.name}.png`, fullPage: true });
  await watchShifts(page);
  await list.release();
  await expect(page.getByTestId('history-summary')).toBeVisible();
  await expect(page.getByTestId('skeleton')).toHaveCount(0);
  expect(await shifted(page)).toBeLessThan(0.05);
});

test('the start page shows a skeleton while it reads the apps', async ({ page, javaScriptEnabled }, info) => {
  test.skip(!javaScriptEnabled, 'without JavaScript every page arrives complete');
  await page.goto('/audit');
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  const list = await hold(page, 'list_apps');
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Apps' }).click();
  await list.waitHeld();
  const skeleton = page.locator('.apps-card').getByTestId('skeleton');
  await expect(skeleton).toBeVisible();
  await page.screenshot({ path: `test-results/screenshots/start-loading-desktop-${info.project.name}.png`, fullPage: true });
  await list.release();
  await expect(page.getByTestId('apps-summary')).toBeVisible();
  await expect(skeleton).toHaveCount(0);
  await expect(page.locator('tr[data-app="batch-nightly"]')).toHaveClass(/trouble/);
});

test("a worker's page opened from the table shows a skeleton, then the worker", async ({ page, javaScriptEnabled }, info) => {
  test.skip(!javaScriptEnabled, 'without JavaScript every page arrives complete');
  for (const [label, width] of [['desktop', 1280], ['phone', 375]] as const) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto('/namespaces/default/apps/stable-diffusion/workers');
    await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
    const read = await hold(page, 'worker_detail');
    await page.locator('table.workers tbody tr[data-worker-id] td.worker-id a').first().click();
    await read.waitHeld();
    await expect(page.getByTestId('skeleton')).toBeVisible();
    await page.screenshot({ path: `test-results/screenshots/worker-loading-${label}-${info.project.name}.png`, fullPage: true });
    await read.release();
    await expect(page.getByTestId('found-in')).toHaveAttribute('data-found-in', 'live');
    await expect(page.getByTestId('skeleton')).toHaveCount(0);
  }
});
