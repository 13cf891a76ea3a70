import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';

// axe-core on every page and state: no serious or critical violations.

const views: [string, string][] = [
  ['start', '/'],
  ['workers', '/namespaces/default/apps/stable-diffusion/workers'],
  ['workers-filtered', '/namespaces/default/apps/image-resize/workers?detail=DETAIL_STATUS_FREE&q=a'],
  ['workers-empty', '/namespaces/default/apps/empty-app/workers'],
  ['workers-unknown-app', '/namespaces/default/apps/no-such-app/workers'],
  ['confirm-up', '/namespaces/default/apps/stable-diffusion/workers?confirm=up&count=2'],
  ['confirm-down', '/namespaces/default/apps/image-resize/workers?confirm=down&count=2'],
  ['confirm-problem', '/namespaces/default/apps/stable-diffusion/workers?confirm=down'],
  ['history', '/namespaces/default/apps/stable-diffusion/history?days=7'],
  ['history-by-hour', '/namespaces/default/apps/stable-diffusion/history?days=2'],
  ['worker', '/namespaces/default/apps/image-resize/workers/NoSuchWorker42'],
  ['audit', '/audit'],
  ['login', '/login?error=rejected'],
  ['not-found', '/no/such/page'],
];

// At a laptop and a phone width: on a phone the tables scroll sideways in
// their own box, and a scrolling box must be reachable from the keyboard.
for (const [name, path] of views) {
  test(`accessibility: ${name}`, async ({ page, javaScriptEnabled }) => {
    // axe runs as a script in the page, so it needs JavaScript; the markup
    // it checks is the same server-rendered HTML in both projects.
    test.skip(!javaScriptEnabled, 'axe needs JavaScript in the page');
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto(path);
      await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
      const results = await new AxeBuilder({ page }).analyze();
      const serious = results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
      expect(serious, `at ${width} px:\n${serious.join('\n')}`).toEqual([]);
    }
  });
}

test('the scale controls can be reached and used from the keyboard', async ({ page }) => {
  await page.goto('/namespaces/research/apps/tokenizer/workers');
  const button = page.getByRole('button', { name: 'Scale up…' });
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await button.evaluate((b) => b === document.activeElement)) break;
  }
  await expect(button).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/confirm=up&count=1/);
  await expect(page.getByRole('region', { name: /^Add 1 worker to research\/tokenizer\?$/ })).toBeVisible();
});
