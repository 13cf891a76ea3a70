import { expect, test } from '@playwright/test';

// Every page works under its Content-Security-Policy: no inline script
// without the response's nonce, no inline style, and the browser reports no
// violation while the page loads, hydrates and draws its charts.

const pages: [string, string][] = [
  ['start', '/'],
  ['workers', '/namespaces/default/apps/stable-diffusion/workers'],
  ['workers-many', '/namespaces/default/apps/image-resize/workers'],
  ['workers-unknown-app', '/namespaces/default/apps/no-such-app/workers'],
  ['history', '/namespaces/default/apps/stable-diffusion/history?days=7'],
  ['audit', '/audit'],
  ['login', '/login?error=rejected'],
  ['not-found', '/no/such/page'],
];

for (const [name, path] of pages) {
  test(`content security policy: ${name}`, async ({ page, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, 'hydration is what the policy could break');
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) => {
        seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
      });
    });
    const response = await page.goto(path);
    const policy = response?.headers()['content-security-policy'] ?? '';
    expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]{16,}' 'wasm-unsafe-eval'/);
    // Every script the browser runs carries this response's nonce (a JSON
    // data block, such as the worker page's rows, is never run).
    const nonce = /'nonce-([A-Za-z0-9_-]+)'/.exec(policy)?.[1];
    const scripts = await page.locator('script:not([type="application/json"])').evaluateAll((els) => els.map((e) => (e as HTMLScriptElement).nonce));
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.every((n) => n === nonce)).toBe(true);
    expect(policy).toContain("style-src 'self';");
    expect(policy).not.toContain('unsafe-inline');
    await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
    const violations = await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
    expect(violations).toEqual([]);
  });
}

test('the history charts keep their sizes without inline styles', async ({ page }) => {
  await page.goto('/namespaces/default/apps/stable-diffusion/history?days=7');
  const timeline = page.getByTestId('timeline');
  expect((await timeline.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(80);
  // The tallest bar of each histogram fills its box; the others are lower.
  const heights = await page.locator('.hist-bar').evaluateAll((bars) =>
    bars.map((b) => b.getBoundingClientRect().height),
  );
  expect(heights.length).toBeGreaterThan(0);
  expect(new Set(heights.map((h) => Math.round(h))).size).toBeGreaterThan(1);
  const labels = await page.locator('.tick-label').evaluateAll((ls) => ls.map((l) => l.getBoundingClientRect().left));
  expect(new Set(labels).size).toBe(labels.length);
});
