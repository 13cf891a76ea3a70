import { expect, test } from '@playwright/test';
import { WorkersPage } from './pages/workers-page';

test('every page says when it runs against the simulator', async ({ page }) => {
  for (const path of ['/', WorkersPage.path('default', 'stable-diffusion'), '/namespaces/default/apps/stable-diffusion/history']) {
    await page.goto(path);
    await expect(page.getByTestId('simulator-badge')).toHaveText('Simulator');
  }
});

test('the view link is the canonical URL of the view, without actions', async ({ page }) => {
  await page.goto(`${WorkersPage.path('default', 'image-resize')}?dir=desc&sort=created&q=&status=STATUS_RUNNING&confirm=up&count=1`);
  await expect(page.getByTestId('view-link')).toHaveAttribute(
    'href',
    '/namespaces/default/apps/image-resize/workers?status=STATUS_RUNNING',
  );
});

test('Copy link puts the full URL of the view on the clipboard', async ({ page, context, javaScriptEnabled, baseURL }) => {
  test.skip(!javaScriptEnabled, 'copying needs the hydrated app');
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/namespaces/default/apps/stable-diffusion/history?days=7&status=STATUS_TERMINATED');
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByTestId('copy-result')).toHaveText('Copied.');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(`${baseURL}/namespaces/default/apps/stable-diffusion/history?status=STATUS_TERMINATED&days=7`);
});

test('the start page offers the apps this browser opened lately', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'remembered in the browser by the hydrated app');
  for (const app of ['llm-chat', 'stable-diffusion']) {
    await page.goto(WorkersPage.path('default', app));
    await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  }
  await page.goto('/');
  const recent = page.getByTestId('recent-apps').getByRole('link');
  await expect(recent).toHaveText(['default / stable-diffusion', 'default / llm-chat']);
  await recent.first().click();
  await expect(page).toHaveURL(/\/namespaces\/default\/apps\/stable-diffusion\/workers$/);
});
