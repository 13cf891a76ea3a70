import { expect, test } from '@playwright/test';
import { WorkersPage } from './pages/workers-page';

test('an app link shows its live workers in a table', async ({ page }) => {
  const workers = new WorkersPage(page);
  await workers.open('default', 'stable-diffusion');
  await expect(page).toHaveTitle(/stable-diffusion/);
  await expect(workers.heading).toHaveText('stable-diffusion');
  // The demo world gives this app six live workers, all A100 GPUs.
  await expect(workers.rows).toHaveCount(6);
  await expect(workers.summary).toContainText('6 of at most 20 workers');
  const first = workers.rows.first();
  await expect(first.locator('td.worker-id')).toHaveText(/^[0-9A-Za-z]{22}$/);
  await expect(first).toContainText('A100');
  // Times are relative, with the exact UTC time on hover.
  await expect(first.locator('time').first()).toHaveAttribute('title', /UTC$/);
});

test('the worker page hydrates without errors', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'needs the hydrated app');
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  const workers = new WorkersPage(page);
  await workers.open('default', 'stable-diffusion');
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  await expect(workers.rows).toHaveCount(6);
  expect(errors).toEqual([]);
});

test('the rows travel once, as the JSON of one element the hydrated page reads', async ({
  page,
  request,
  javaScriptEnabled,
}) => {
  const path = '/namespaces/default/apps/image-resize/workers?sort=id';
  const html = await (await request.get(path)).text();
  const block = /<script type="application\/json" id="worker-rows">([^<]*)<\/script>/.exec(html);
  expect(block, 'the rows element').not.toBeNull();
  const rows = JSON.parse(block![1]) as [string, string][];
  expect(rows.length).toBeGreaterThan(5);
  // The hydration data names the element instead of repeating the rows:
  // the read travels without them, beside the element's id.
  const data = html.slice(html.indexOf('__RESOLVED_RESOURCES'));
  expect(data).toContain('\\"workers\\":[]');
  expect(data).toContain('},\\"worker-rows\\"]');
  for (const [id, device] of rows.slice(0, 20)) {
    expect(data).not.toContain(id);
    expect(data).not.toContain(device);
  }
  // The browser reads the element when it hydrates.
  if (!javaScriptEnabled) return;
  const workers = new WorkersPage(page);
  await page.goto(path);
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  await workers.expectRowCount(rows.length);
  // The hydrated list is the element's: the last of its rows is found by typing.
  const [lastId] = rows[rows.length - 1];
  await page.getByPlaceholder('Search worker or device id').pressSequentially(lastId.slice(0, 14));
  await expect(workers.rows).toHaveCount(1);
  await expect(workers.rows.first().locator('td.worker-id')).toHaveText(lastId);
});

test('the start page form opens an app by name', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('App', { exact: true }).fill('llm-chat');
  await page.getByRole('button', { name: 'Open' }).click();
  await expect(page).toHaveURL(/\/namespaces\/default\/apps\/llm-chat\/workers$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('llm-chat');
  await expect(new WorkersPage(page).rows.first()).toContainText('H100');
});

test('an app without live workers says so', async ({ page }) => {
  const workers = new WorkersPage(page);
  await workers.open('default', 'empty-app');
  await expect(page.getByTestId('no-workers')).toContainText('no live workers');
  await expect(workers.rows).toHaveCount(0);
});

test('an unknown app gets a 404 page that says what is wrong', async ({ page }) => {
  const workers = new WorkersPage(page);
  await workers.open('default', 'no-such-app', 404);
  await expect(workers.banner).toContainText('There is no app "no-such-app" in namespace "default"');
});

test('an invalid name is refused with a reason and nothing is asked upstream', async ({ page }) => {
  const workers = new WorkersPage(page);
  await workers.open('default', 'bad name', 400);
  await expect(workers.banner).toContainText("a space at position 4");
});

test('filters live in the URL and a shared link reproduces the view', async ({ page }) => {
  const workers = new WorkersPage(page);
  // image-resize: forty live workers, some busy and some free.
  await workers.open('default', 'image-resize');
  await expect(page.getByTestId('showing')).toHaveText('Showing all 40 workers');

  await page.locator('details.pick summary', { hasText: 'Detail' }).click();
  await page.getByLabel('Free', { exact: true }).check();
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/[?&]detail=DETAIL_STATUS_FREE(&|$)/);
  const shown = await workers.rowCount();
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThanOrEqual(40);
  await expect(page.getByTestId('showing')).toHaveText(`Showing ${shown} of 40 workers`);
  for (const badge of await workers.rows.locator('td.detail').allInnerTexts()) {
    expect(badge.trim()).toBe('Free');
  }

  // The URL alone gives the same view.
  const url = page.url();
  const other = await page.context().newPage();
  await other.goto(url);
  await expect(other.getByTestId('showing')).toHaveText(/Showing \d+ of 40 workers/);
  await expect(other.getByLabel('Free', { exact: true })).toBeChecked();
  await other.close();
});

test('a search narrows to one worker and a heading sorts the table', async ({ page }) => {
  const workers = new WorkersPage(page);
  await workers.open('default', 'stable-diffusion');
  const id = (await workers.rows.nth(3).locator('td.worker-id').innerText()).trim();
  await page.getByPlaceholder('Search worker or device id').fill(id.slice(0, 10));
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(workers.rows).toHaveCount(1);
  await expect(workers.rows.first().locator('td.worker-id')).toHaveText(id);

  await workers.open('default', 'stable-diffusion');
  await page.getByRole('link', { name: 'Success' }).click();
  await expect(page).toHaveURL(/sort=success/);
  const counts = (await workers.rows.locator('td.success').allInnerTexts()).map((t) => Number(t));
  expect(counts.length).toBe(6);
  expect(counts).toEqual([...counts].sort((a, b) => b - a));
  await expect(page.getByRole('columnheader', { name: /Success/ })).toHaveAttribute('aria-sort', 'descending');
});

test('a summary count shows only that status', async ({ page }) => {
  const workers = new WorkersPage(page);
  await workers.open('default', 'stable-diffusion');
  await page.getByRole('link', { name: /Show only Running workers/ }).click();
  await expect(page).toHaveURL(/status=STATUS_RUNNING/);
  await expect(workers.rows).toHaveCount(6);
});

test('a bad sort in a link is ignored and said so', async ({ page }) => {
  const workers = new WorkersPage(page);
  const response = await page.goto(WorkersPage.path('default', 'stable-diffusion') + '?sort=bogus&dir=up');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('status')).toContainText('There is no column "bogus" to sort by');
  await expect(page.getByRole('status')).toContainText('"up" is not asc or desc');
  await expect(workers.rows).toHaveCount(6);
});

test('a detail-status count shows only that detail status', async ({ page }) => {
  const workers = new WorkersPage(page);
  await workers.open('default', 'image-resize');
  const link = page.getByRole('list', { name: 'By detail status' }).getByRole('link').first();
  const label = (await link.getAttribute('aria-label')) ?? '';
  // The most common detail status comes first; busy and free change from
  // one read to the next, so only the kind of rows is compared, not the count.
  const [, detail] = label.match(/^Show only (.+) workers \((\d+)\)$/) ?? [];
  expect(detail).toBeTruthy();
  await link.click();
  await expect(page).toHaveURL(/detail=DETAIL_STATUS_/);
  await expect(page.getByTestId('showing')).toHaveText(/^Showing \d+ of 40 workers$/);
  for (const text of await workers.rows.locator('td.detail').allInnerTexts()) {
    expect(text.trim()).toBe(detail);
  }
});

test('the search ignores case by Unicode rules, in the page and as typed', async ({ page, javaScriptEnabled }) => {
  // The browser must find what the server found, or the page cannot hydrate.
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  const workers = new WorkersPage(page);
  await workers.open('default', 'image-resize');
  const ids = (await workers.rows.locator('td.worker-id').allInnerTexts()).map((t) => t.trim());
  // An id with a k: the Kelvin sign (U+212A) is not ASCII, and is a capital k
  // by Unicode's case rules.
  const id = ids.find((i) => /[kK]/.test(i.slice(0, 12)));
  expect(id, `no id with a k among ${ids.length}`).toBeTruthy();
  const needle = id!.slice(0, 12).replace(/[kK]/g, '\u212A');
  const matching = ids.filter((i) => i.toLowerCase().includes(needle.toLowerCase())).length;
  expect(matching).toBeGreaterThan(0);
  // Read from the address by the server.
  const response = await page.goto(`${WorkersPage.path('default', 'image-resize')}?q=${encodeURIComponent(needle)}`);
  expect(response?.status()).toBe(200);
  await workers.expectRowCount(matching);
  await expect(workers.rows).toHaveCount(matching);
  await expect(workers.rows.locator('td.worker-id', { hasText: id! })).toHaveCount(1);
  if (!javaScriptEnabled) return;
  // And as typed, by the browser.
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  const search = page.getByPlaceholder('Search worker or device id');
  await search.fill('');
  await expect(page.getByTestId('showing')).toHaveText(/^Showing all \d+ workers$/);
  await search.pressSequentially(needle);
  await workers.expectRowCount(matching);
  await expect(workers.rows).toHaveCount(matching);
  await expect(workers.rows.locator('td.worker-id', { hasText: id! })).toHaveCount(1);
  await expect(page.getByTestId('showing')).toHaveText(new RegExp(`^Showing ${matching} of \\d+ workers$`));
  expect(errors).toEqual([]);
});

test('the table narrows while someone types, and the address keeps the search', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'typing filters in the hydrated app; without JavaScript the form applies it');
  const workers = new WorkersPage(page);
  await workers.open('default', 'image-resize');
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  const total = await workers.rowCount();
  expect(total).toBeGreaterThan(5);
  const id = (await workers.rows.nth(4).locator('td.worker-id').innerText()).trim();
  const search = page.getByPlaceholder('Search worker or device id');
  // Typed one key at a time, no Apply: the rows follow each keystroke.
  await search.pressSequentially(id.slice(0, 12).toUpperCase());
  await expect(workers.rows).toHaveCount(1);
  await expect(workers.rows.first().locator('td.worker-id')).toHaveText(id);
  await expect(page.getByTestId('showing')).toHaveText(/^Showing 1 of \d+ workers$/);
  // The caret stays in the box and the address can be shared as it is.
  await expect(search).toBeFocused();
  await expect(search).toHaveValue(id.slice(0, 12).toUpperCase());
  await expect(page).toHaveURL(new RegExp(`[?&]q=${id.slice(0, 12).toUpperCase()}`));
  // Spaces around the text are read as a shared link would read them.
  await search.fill(`  ${id.slice(0, 12).toUpperCase()}  `);
  await expect(workers.rows).toHaveCount(1);
  await expect(page).toHaveURL(new RegExp(`[?&]q=${id.slice(0, 12).toUpperCase()}(&|$)`));
  await page.reload();
  await expect(workers.rows).toHaveCount(1);
  // Typing reaches the table only once the reloaded page has hydrated.
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  // Cleared, every worker is back; a sort link keeps what was typed.
  await search.fill('');
  await workers.expectRowCount(total);
  await search.pressSequentially(id.slice(0, 12));
  await page.getByRole('link', { name: 'Success' }).click();
  await expect(page).toHaveURL(/sort=success/);
  await expect(page).toHaveURL(new RegExp(`[?&]q=${id.slice(0, 12)}`));
  await expect(workers.rows).toHaveCount(1);
  await expect(search).toHaveValue(id.slice(0, 12));
});

test('a long table draws the rows near the viewport and follows scrolling', async ({ page, javaScriptEnabled }) => {
  const path = '/namespaces/default/apps/image-resize/history?days=30&sort=id';
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto(path);
  const table = page.locator('table.workers');
  const rows = table.locator('tbody tr[data-worker-id]');
  await expect(table).toHaveAttribute('aria-rowcount', '101');
  // Each row says where it sits in the whole table (heading row 1), so
  // assistive technology reading only the drawn rows still counts right.
  const places = () =>
    table.evaluate((t) => [...t.querySelectorAll('tbody tr[data-worker-id]')].map((r) => Number(r.getAttribute('aria-rowindex'))));
  const consecutive = (from: number, at: number[]) => expect(at).toEqual(at.map((_, i) => from + i));
  if (!javaScriptEnabled) {
    // The server's page has every row: readable without script.
    await expect(rows).toHaveCount(100);
    consecutive(2, await places());
    return;
  }
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  // Hydrated: a screenful and a margin, not the page.
  await expect.poll(() => rows.count()).toBeLessThan(60);
  expect(await rows.count()).toBeGreaterThan(0);
  const first = await rows.first().getAttribute('data-worker-id');
  consecutive(2, await places());
  const spacers = table.locator('tbody tr.spacer');
  // At the bottom: the page's last rows, the first ones only as a spacer.
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await expect(table.locator('tbody tr:first-child')).toHaveClass('spacer');
  await expect(table.locator('tbody tr:last-child')).toHaveAttribute('data-worker-id', /./);
  await expect(rows.first()).not.toHaveAttribute('data-worker-id', first!);
  // The spacers keep the table as tall as all its rows: every drawn row
  // sits where it would sit with all 100 drawn.
  const geometry = await table.evaluate((t) => {
    const body = t.querySelector('tbody')!;
    const drawn = [...body.querySelectorAll('tr[data-worker-id]')];
    const row = drawn[0].getBoundingClientRect().height;
    return { body: body.getBoundingClientRect().height, row, last: drawn.at(-1)!.getBoundingClientRect().bottom };
  });
  expect(Math.abs(geometry.body - 100 * geometry.row)).toBeLessThan(100);
  expect(geometry.last).toBeGreaterThan(0);
  // The drawn rows are the page's last ones, and say so.
  const bottom = await places();
  consecutive(102 - bottom.length, bottom);
  // Back at the top: the same first row.
  await page.evaluate(() => window.scrollTo(0, 0));
  await expect(rows.first()).toHaveAttribute('data-worker-id', first!);
  await expect(spacers).toHaveCount(1);
  consecutive(2, await places());
});

test('a ticked worker scrolled out of the drawn rows is still removed with the others', async ({
  page,
  javaScriptEnabled,
}) => {
  test.skip(!javaScriptEnabled, 'rows are drawn near the viewport only in the hydrated app');
  await page.setViewportSize({ width: 1280, height: 500 });
  const workers = new WorkersPage(page);
  await workers.open('default', 'image-resize');
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  expect(await workers.rowCount()).toBeGreaterThan(30);
  const box = page.getByRole('checkbox', { name: /^Select worker / }).first();
  const id = ((await box.getAttribute('aria-label')) ?? '').replace('Select worker ', '');
  await box.check();
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await expect(page.locator(`tr[data-worker-id="${id}"]`)).toHaveCount(0);
  // Not drawn, still in the form.
  await expect(page.locator(`form#selection input[type=hidden][name=worker][value="${id}"]`)).toHaveCount(1);
  await page.locator('form#selection').evaluate((f: HTMLFormElement) => f.requestSubmit());
  await expect(page).toHaveURL(new RegExp(`[?&]confirm=down&worker=${id}(&|$)`));
  const confirm = page.getByRole('region', { name: 'Remove 1 worker from default/image-resize?' });
  await expect(confirm.getByRole('list', { name: 'Workers to remove' }).getByRole('listitem')).toHaveText([
    new RegExp(`^${id}`),
  ]);
});
