import { expect, test } from '@playwright/test';
import { WorkersPage } from './pages/workers-page';

// A page names the build that drew it; the browser code of another build
// (a rolling upgrade: one replica drew the page, another sent the scripts)
// leaves it as drawn, which works without scripts, and says why.

test('a page drawn by another build is not hydrated, and the browser says why', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'this is about the browser code; without it nothing hydrates anyway');
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  const path = WorkersPage.path('default', 'llm-chat');
  await page.route(`**${path}`, async (route) => {
    const drawn = await route.fetch();
    const html = await drawn.text();
    expect(html).toMatch(/<meta name="console-build" content="everai-console-build:[0-9a-f]{16}"/);
    await route.fulfill({
      response: drawn,
      body: html.replace(/everai-console-build:[0-9a-f]{16}/, 'everai-console-build:0000000000000000'),
    });
  });
  await page.goto(path);
  await expect.poll(() => errors.join('\n')).toContain('This page is from "everai-console-build:0000000000000000"');
  await expect(page.locator('header.topbar')).toHaveAttribute('data-hydrated', 'false');
  // Drawn by the server, it still works: the table and the scale form are there.
  await expect(page.getByRole('region', { name: 'Scale' })).toBeVisible();
  await expect(page.locator('tr[data-worker-id]').first()).toBeVisible();

  // The same page as its own build drew it hydrates.
  await page.unroute(`**${path}`);
  await page.goto(path);
  await expect(page.locator('header.topbar')).toHaveAttribute('data-hydrated', 'true');
});
