import { expect, test, type Locator, type Page } from '@playwright/test';
import { ownApp } from './support/simulator';

// The history page's requests card: the platform's request statistics as an
// SVG chart in the page's HTML, a sentence that says what it shows, and the
// table of the same numbers. JavaScript off and hydrated, at a laptop and a
// phone width. (A failed read is in faults.spec.ts: faults are process-wide.)

const widths = [1280, 375];
const BUSY = '/namespaces/default/apps/stable-diffusion/history';

/** "1,234" → 1234. */
const num = (text: string) => Number(text.replace(/,/g, ''));

type Counts = { total: number; ok: number; failed: number };

/** The body rows of the requests table: label and counts. */
async function bodyRows(card: Locator): Promise<(Counts & { label: string })[]> {
  return card
    .getByTestId('requests-table')
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) => {
        const cells = Array.from(r.querySelectorAll('td')).map((c) => (c.textContent ?? '').trim());
        const n = (s: string) => Number(s.replace(/,/g, ''));
        return { label: cells[0], total: n(cells[1]), ok: n(cells[2]), failed: n(cells[3]) };
      }),
    );
}

/** The table's "All" row. */
async function footer(card: Locator): Promise<Counts> {
  const cells = await card.getByTestId('requests-table').locator('tfoot td').allInnerTexts();
  return { total: num(cells[0]), ok: num(cells[1]), failed: num(cells[2]) };
}

/** The summary sentence's counts. */
async function said(card: Locator, days: number): Promise<Counts & { rate: string }> {
  const text = await card.getByTestId('requests-summary').innerText();
  const m = text.match(
    new RegExp(`^([\\d,]+) requests in the last ${days} days, ([\\d,]+) succeeded and ([\\d,]+) failed \\(([\\d.]+%|—) failed\\)\\.`),
  );
  expect(m, text).not.toBeNull();
  const [, total, ok, failed, rate] = m as RegExpMatchArray;
  return { total: num(total), ok: num(ok), failed: num(failed), rate };
}

async function open(page: Page, path: string, javaScriptEnabled: boolean) {
  const response = await page.goto(path);
  expect(response?.status()).toBe(200);
  if (javaScriptEnabled) await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  return page.getByTestId('history-requests');
}

test('a busy app: the chart, its sentence and its table say the same numbers', async ({ page, javaScriptEnabled }) => {
  for (const width of widths) {
    await page.setViewportSize({ width, height: 900 });
    const card = await open(page, `${BUSY}?days=2`, javaScriptEnabled);
    await expect(card.getByRole('heading', { name: 'Requests' })).toBeVisible();
    await expect(card.getByRole('link', { name: 'By the hour' })).toHaveAttribute('aria-current', 'page');

    const words = await said(card, 2);
    expect(words.total).toBeGreaterThan(0);
    expect(words.total).toBe(words.ok + words.failed);
    // The failure rate as the console writes it: 0%, 0.05%, 2.4%.
    const share = words.failed / words.total;
    expect(words.rate).toBe(share === 0 ? '0%' : `${(100 * share).toFixed(share < 0.001 ? 2 : 1)}%`);

    // Hours, newest first, every one inside the two days, adding up to the words.
    const rows = await bodyRows(card);
    expect(rows.length).toBeGreaterThan(1);
    for (const r of rows) expect(r.label).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:00 UTC$/);
    expect(rows.map((r) => r.label)).toEqual([...rows.map((r) => r.label)].sort().reverse());
    const sum = rows.reduce((a, r) => ({ total: a.total + r.total, ok: a.ok + r.ok, failed: a.failed + r.failed }), {
      total: 0,
      ok: 0,
      failed: 0,
    });
    expect(sum).toEqual({ total: words.total, ok: words.ok, failed: words.failed });
    expect(await footer(card)).toEqual(sum);

    // One bar per hour with requests, each titled with its hour's numbers,
    // and the chart named by the sentence (its text alternative).
    const chart = card.getByTestId('requests-chart');
    await expect(chart).toBeVisible();
    await expect(chart).toHaveAttribute('role', 'img');
    await expect(chart).toHaveAttribute('aria-labelledby', 'requests-summary');
    await expect(chart.locator('g')).toHaveCount(rows.length);
    const newest = rows[0];
    await expect(chart.locator('g title').last()).toHaveText(
      new RegExp(`^${newest.label}: ${newest.total.toLocaleString('en-US')} requests, `),
    );

    // Two callers share this app: the platform splits by user.
    const users = card.getByTestId('requests-users');
    await expect(users.getByRole('cell', { name: 'studio-web', exact: true })).toBeVisible();
    await expect(users.getByRole('cell', { name: 'batch-render', exact: true })).toBeVisible();
    const perUser = (await users.locator('tbody tr td:nth-child(2)').allInnerTexts()).map(num);
    expect(perUser.reduce((a, b) => a + b, 0)).toBe(words.total);

    // Nothing in the card is wider than the page.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `at ${width} px`).toBeLessThanOrEqual(0);
  }
});

test('the window is shown by the day at the address asking it, and a wrong interval is said so', async ({ page, javaScriptEnabled }) => {
  let card = await open(page, `${BUSY}?days=2`, javaScriptEnabled);
  await card.getByRole('link', { name: 'By the day' }).click();
  await expect(page).toHaveURL(/\/history\?days=2&interval=day$/);
  card = page.getByTestId('history-requests');
  await expect(card.getByRole('link', { name: 'By the day' })).toHaveAttribute('aria-current', 'page');
  await expect(card.getByRole('columnheader', { name: 'Day (UTC)' })).toBeVisible();
  const days = await bodyRows(card);
  expect(days.length).toBeGreaterThan(0);
  expect(days.length).toBeLessThanOrEqual(2);
  for (const r of days) expect(r.label).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  expect(await footer(card)).toEqual(await said(card, 2).then(({ total, ok, failed }) => ({ total, ok, failed })));

  // Thirty days by the hour would be 720 bars: the console says so and shows days.
  card = await open(page, `${BUSY}?days=30&interval=hour`, javaScriptEnabled);
  await expect(card.getByTestId('requests-note')).toHaveText(
    'Requests are shown by the hour for windows of up to 7 days; showing this 30-day window by the day.',
  );
  await expect(card.getByRole('link', { name: 'By the hour' })).toHaveCount(0);
  await expect(card.getByRole('columnheader', { name: 'Day (UTC)' })).toBeVisible();

  card = await open(page, `${BUSY}?days=2&interval=<week>`, javaScriptEnabled);
  await expect(card.getByTestId('requests-note')).toHaveText(
    'interval must be "hour" or "day"; "<week>" is not, so showing by the hour.',
  );
  await expect(card.getByRole('columnheader', { name: 'Hour (UTC)' })).toBeVisible();
  // The rest of the page is there as usual.
  await expect(page.getByTestId('timeline')).toBeVisible();
});

test('an app that has served nothing says so, without a chart', async ({ page, request, javaScriptEnabled }, testInfo) => {
  const { namespace, app } = await ownApp(request, testInfo, { live: 0 });
  for (const width of widths) {
    await page.setViewportSize({ width, height: 800 });
    const card = await open(page, `/namespaces/${namespace}/apps/${app}/history?days=7`, javaScriptEnabled);
    await expect(card.getByTestId('requests-empty')).toHaveText('No requests in the last 7 days.');
    await expect(card.getByTestId('requests-chart')).toHaveCount(0);
    await expect(card.getByTestId('requests-table')).toHaveCount(0);
  }
});
