import { expect, test } from '@playwright/test';
import { WorkersPage } from './pages/workers-page';

// The tab's title names the page from the first byte to the end of
// hydration. Pages other than the worker page hydrate when their own code
// has loaded, after the header; the title must not go blank meanwhile (a
// blank title is an axe violation, and a blank tab to a person).

const pages: [string, RegExp][] = [
  ['/', /^EverAI Worker Console$/],
  [WorkersPage.path('default', 'llm-chat'), /^llm-chat · default · EverAI Worker Console$/],
  ['/namespaces/default/apps/llm-chat/history', /· EverAI Worker Console$/],
  ['/namespaces/default/apps/image-resize/workers/NoSuchWorker42', /· EverAI Worker Console$/],
  ['/audit', /· EverAI Worker Console$/],
];

test('the title is never blank while a page loads and hydrates', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'without scripts the title is the one the server wrote, and stays');
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { titles: string[] }).titles = seen;
    new MutationObserver(() => seen.push(document.title)).observe(document, {
      subtree: true,
      childList: true,
      characterData: true,
    });
  });
  for (const [path, title] of pages) {
    // Twice: the second load finds the scripts in the browser's cache.
    for (let load = 0; load < 2; load++) {
      await page.goto(path);
      await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
      await expect(page).toHaveTitle(title);
      const titles = await page.evaluate(() => (window as unknown as { titles: string[] }).titles);
      // From the server's <title> on (before it is parsed there is none).
      const after = titles.slice(titles.findIndex((t) => t.trim() !== ''));
      expect(after.filter((t) => t.trim() === ''), `${path}, load ${load + 1}: ${JSON.stringify(titles)}`).toEqual([]);
    }
  }
});
