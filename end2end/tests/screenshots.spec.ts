import { expect, test } from '@playwright/test';

// Every page and state at a laptop and a phone width, kept as test
// artifacts (test-results/screenshots/) for people to look at. Each must fit
// the width: only tables scroll sideways, inside their own box.

const views: [string, string][] = [
  ['start', '/'],
  ['workers-many', '/namespaces/default/apps/image-resize/workers'],
  ['workers-filtered', '/namespaces/default/apps/image-resize/workers?detail=DETAIL_STATUS_BUSY&sort=success'],
  ['workers-empty', '/namespaces/default/apps/empty-app/workers'],
  ['workers-queue-autoscaler', '/namespaces/staging/apps/autoscaled-api/workers'],
  ['workers-paused', '/namespaces/staging/apps/batch-nightly/workers?events=APP_PAUSED'],
  ['workers-no-match', '/namespaces/default/apps/stable-diffusion/workers?q=no-such-worker'],
  ['workers-unknown-app', '/namespaces/default/apps/no-such-app/workers'],
  ['workers-bad-name', '/namespaces/default/apps/bad%20name/workers'],
  ['worker-bad-id', '/namespaces/default/apps/image-resize/workers/bad%20id'],
  ['worker-not-found', '/namespaces/default/apps/image-resize/workers/NoSuchWorker42'],
  ['confirm-up', '/namespaces/default/apps/stable-diffusion/workers?confirm=up&count=3'],
  ['confirm-down', '/namespaces/default/apps/image-resize/workers?confirm=down&count=3'],
  ['confirm-problem', '/namespaces/default/apps/stable-diffusion/workers?confirm=up&count=abc'],
  ['confirm-pause', '/namespaces/research/apps/tokenizer/workers?confirm=pause'],
  ['history-paused', '/namespaces/staging/apps/batch-nightly/history?days=30'],
  ['history', '/namespaces/default/apps/image-resize/history?days=7'],
  ['history-one-day', '/namespaces/research/apps/tokenizer/history?days=1'],
  ['history-requests-by-user', '/namespaces/default/apps/stable-diffusion/history?days=2'],
  ['history-requests-empty', '/namespaces/default/apps/empty-app/history?days=7'],
  ['not-found', '/no/such/page'],
  ['audit', '/audit'],
  ['audit-bad-filter', '/audit?to=someday'],
  ['login', '/login?error=rejected&next=%2Faudit'],
];

const widths = { desktop: 1280, phone: 375 };

for (const [name, path] of views) {
  test(`screenshot: ${name}`, async ({ page, javaScriptEnabled }, info) => {
    for (const [label, width] of Object.entries(widths)) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto(path);
      if (javaScriptEnabled) {
        await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
        // The whole page in one view, so that every row of a long table is
        // drawn (the hydrated table draws the rows near the viewport).
        const height = await page.evaluate(() => document.documentElement.scrollHeight);
        await page.setViewportSize({ width, height });
        await expect(page.locator('table.workers tr.spacer')).toHaveCount(0);
      }
      await expect(page.locator('h1')).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${name} at ${width} px is wider than the screen`).toBeLessThanOrEqual(0);
      await page.screenshot({
        path: `test-results/screenshots/${name}-${label}-${info.project.name}.png`,
        fullPage: true,
      });
    }
  });
}
