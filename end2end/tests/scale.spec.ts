import { expect, test } from '@playwright/test';
import { WorkersPage } from './pages/workers-page';
import { ownApp } from './support/simulator';

// A test that changes an app changes one of its own (`ownApp`), which no
// other test, nor the other project's run of the same test, reads.

test('scale up: a count, a confirmation naming the app, then the new worker highlighted until it runs', async ({ page, request, javaScriptEnabled }, testInfo) => {
  // Its launches take 1-2 s and never fail, so the new worker's way to
  // RUNNING is certain and short.
  const { namespace, app } = await ownApp(request, testInfo, { live: 2, maxWorkers: 10 });
  const workers = new WorkersPage(page);
  await workers.open(namespace, app);
  const scale = page.getByRole('region', { name: 'Scale' });
  await scale.getByLabel(/^Add/).fill('1');
  await scale.getByRole('button', { name: 'Scale up…' }).click();
  await expect(page).toHaveURL(/[?&]confirm=up&count=1(&|$)/);

  const confirm = page.getByRole('region', { name: `Add 1 worker to ${namespace}/${app}?` });
  await expect(confirm).toBeVisible();
  await confirm.getByRole('button', { name: 'Add 1 worker' }).click();

  await expect(page).toHaveURL(/[?&]action=[0-9a-f]{32}$/);
  const result = page.getByTestId('action-result');
  await expect(result).toHaveText(new RegExp(`^Added 1 worker to ${namespace}/${app}: [0-9A-Za-z]{22}\\.`));
  const id = ((await result.innerText()).match(/: ([0-9A-Za-z]{22})\./) ?? [])[1];
  await expect(page.locator(`tr[data-worker-id="${id}"]`)).toHaveClass(/row-new/);
  // The confirmation is gone: reloading this URL shows the outcome, it does not act again.
  await expect(page.getByRole('region', { name: /^Add / })).toHaveCount(0);

  // The new worker reaches RUNNING: the live view reads it again on its own;
  // without JavaScript, a reload of the same URL shows it.
  const status = page.locator(`tr[data-worker-id="${id}"] td.status`);
  if (javaScriptEnabled) {
    await expect(status).toHaveText('Running', { timeout: 15_000 });
  } else {
    await expect(async () => {
      await page.reload();
      await expect(status).toHaveText('Running', { timeout: 500 });
    }).toPass({ timeout: 15_000 });
  }
  await expect(page.getByTestId('action-result')).toHaveText(/^Added 1 worker/);
});

test('a double click on the confirmation sends one request', async ({ page, request, javaScriptEnabled }, testInfo) => {
  const { namespace, app } = await ownApp(request, testInfo, { live: 1, maxWorkers: 10 });
  await page.goto(`${WorkersPage.path(namespace, app)}?confirm=up&count=1`);
  const posts: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST') posts.push(r.url());
  });
  const button = page.getByRole('button', { name: 'Add 1 worker' });
  if (javaScriptEnabled) {
    // Hydrated: the button is disabled once the form is sent.
    await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  }
  await button.dblclick();
  await expect(page.getByTestId('action-result')).toHaveText(new RegExp(`^Added 1 worker to ${namespace}/${app}: `));
  if (javaScriptEnabled) {
    expect(posts).toHaveLength(1);
  } else {
    // Without JavaScript the browser may send the form twice; the server
    // answers the second with the first one's outcome (proved by the Rust
    // router tests), so the person sees one action.
    expect(posts.length).toBeGreaterThanOrEqual(1);
  }
  await expect(page.locator('tr.row-new')).toHaveCount(1);
});

test('scale down the selected worker: the confirmation lists exactly it', async ({ page, request, javaScriptEnabled }, testInfo) => {
  const { namespace, app } = await ownApp(request, testInfo, { live: 3 });
  const workers = new WorkersPage(page);
  await workers.open(namespace, app);
  // Ticked once hydrated, so that the count below is the hydrated page's
  // (a box ticked before hydration is kept too: the test after this one).
  if (javaScriptEnabled) await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  const boxes = page.getByRole('checkbox', { name: /^Select worker / });
  const count = await boxes.count();
  expect(count).toBeGreaterThan(1);
  const box = javaScriptEnabled ? boxes.first() : boxes.last();
  const id = ((await box.getAttribute('aria-label')) ?? '').replace('Select worker ', '');
  await box.check();
  if (javaScriptEnabled) {
    await expect(page.getByTestId('selected-count')).toHaveText('1 worker selected.');
  }
  await page.getByRole('button', { name: 'Remove selected…' }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]confirm=down&worker=${id}(&|$)`));

  const confirm = page.getByRole('region', { name: `Remove 1 worker from ${namespace}/${app}?` });
  await expect(confirm.getByRole('list', { name: 'Workers to remove' }).getByRole('listitem')).toHaveText([
    new RegExp(`^${id}`),
  ]);
  // The ticked box stays ticked in the table behind the confirmation.
  await expect(page.getByRole('checkbox', { name: `Select worker ${id}` })).toBeChecked();
  await confirm.getByRole('button', { name: 'Remove 1 worker' }).click();

  await expect(page.getByTestId('action-result')).toHaveText(
    new RegExp(`^Removing 1 worker from ${namespace}/${app}: ${id}\\.`),
  );
  await expect(page.locator(`tr[data-worker-id="${id}"] td.status`)).toHaveText('Terminating');
});

test('scale down by count: the form, a confirmation naming the workers it picked, then those workers terminating', async ({ page, request, javaScriptEnabled }, testInfo) => {
  const { namespace, app } = await ownApp(request, testInfo, { live: 4 });
  const workers = new WorkersPage(page);
  await workers.open(namespace, app);
  if (javaScriptEnabled) await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  const scale = page.getByRole('region', { name: 'Scale' });
  await scale.getByLabel(/^Remove/).fill('2');
  await scale.getByRole('button', { name: 'Scale down…' }).click();
  await expect(page).toHaveURL(/[?&]confirm=down&count=2(&|$)/);

  const confirm = page.getByRole('region', { name: `Remove 2 workers from ${namespace}/${app}?` });
  const picked = confirm.getByRole('list', { name: 'Workers to remove' }).getByRole('listitem');
  await expect(picked).toHaveCount(2);
  // The id's own element: an item's whole text runs its parts together
  // until the style sheet has loaded (inline elements, no spaces).
  const ids = (await picked.locator('span.mono').allInnerTexts()).map((t) => t.trim());
  expect(new Set(ids).size).toBe(2);
  await confirm.getByRole('button', { name: 'Remove 2 workers' }).click();

  await expect(page).toHaveURL(/[?&]action=[0-9a-f]{32}$/);
  await expect(page.getByTestId('action-result')).toHaveText(
    new RegExp(`^Removing 2 workers from ${namespace}/${app}: (${ids.join('|')}), (${ids.join('|')})\\.`),
  );
  for (const id of ids) {
    await expect(page.locator(`tr[data-worker-id="${id}"] td.status`)).toHaveText('Terminating');
  }
  // The two others are untouched.
  await expect(page.locator('tr[data-worker-id] td.status', { hasText: 'Running' })).toHaveCount(2);
});

test('a box ticked before the page hydrates stays ticked, and is counted', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'about hydration');
  // The page's code is held until the box is ticked, as on a slow link.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/pkg/*.wasm', async (route) => {
    await held;
    await route.continue();
  });
  // Read only: no other test removes workers of this app.
  await page.goto(WorkersPage.path('default', 'image-resize'), { waitUntil: 'domcontentloaded' });
  const box = page.getByRole('checkbox', { name: /^Select worker / }).nth(1);
  const id = ((await box.getAttribute('aria-label')) ?? '').replace('Select worker ', '');
  await box.check();
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(0);
  release();
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  await expect(page.getByRole('checkbox', { name: `Select worker ${id}` })).toBeChecked();
  await expect(page.getByTestId('selected-count')).toHaveText('1 worker selected.');
});

test('a bad count in the URL gets a specific message and no button', async ({ page }) => {
  await page.goto(`${WorkersPage.path('research', 'tokenizer')}?confirm=up&count=-3`);
  await expect(page.getByTestId('confirm-problem')).toHaveText('The count must be at least 1; -3 is negative.');
  await expect(page.getByRole('button', { name: /^Add \d/ })).toHaveCount(0);
  await page.getByRole('link', { name: 'Back to the workers' }).click();
  await expect(page).toHaveURL(/\/workers$/);
});

test('a scale request from another site is refused with 403', async ({ request }) => {
  const response = await request.post('/api/scale_up', {
    headers: { Origin: 'https://evil.example', Accept: 'text/html' },
    form: {
      namespace: 'research',
      app: 'tokenizer',
      count: '1',
      key: '0123456789abcdef0123456789abcdef',
      view: '',
    },
    maxRedirects: 0,
  });
  expect(response.status()).toBe(403);
  expect(await response.text()).toContain("Origin is not this console");
});

test('the code of the confirmation loads only with a confirmation, and before the page hydrates', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'about the wasm files the hydrated page loads');
  const loaded: string[] = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith('.wasm')) loaded.push(path);
  });
  const confirmCode = (paths: string[]) => paths.filter((p) => /\/split_confirm_view_\w+\.wasm$/.test(p));

  // The plain worker page: its own file only.
  await page.goto(WorkersPage.path('default', 'image-resize'));
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  expect(confirmCode(loaded)).toEqual([]);

  // A link to a confirmation (its key also percent-encoded, as the router
  // reads it too): its file too, and the panel the server drew is hydrated
  // (the button stays pressed once the form is sent, which only the
  // hydrated panel does).
  for (const search of ['?confirm=down&count=1', '?%63onfirm=down&count=1']) {
    loaded.length = 0;
    await page.goto(`${WorkersPage.path('default', 'image-resize')}${search}`);
    await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
    expect(confirmCode(loaded)).toHaveLength(1);
    const confirm = page.getByRole('region', { name: /^Remove 1 worker from default\/image-resize\?$/ });
    await expect(confirm).toHaveCount(1);
    // Sent nowhere: the page's own handler runs, then the submission stops.
    await page.evaluate(() => window.addEventListener('submit', (e) => e.preventDefault()));
    await confirm.getByRole('button', { name: 'Remove 1 worker' }).click();
    await expect(confirm.getByRole('button', { name: 'Removing…' })).toBeDisabled();
  }
});
