import { readFileSync } from 'node:fs';
import { expect, test, type Download, type Page } from '@playwright/test';

// The worker page's and the history page's view as a file: Download CSV and
// Download JSON hold exactly the rows the view shows (filters, search, sort;
// every page of it), read back here and compared with the table. JavaScript
// off and hydrated, at a laptop and a phone width.

const widths = [1280, 375];

async function download(page: Page, testId: string): Promise<[Download, string]> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return [file, readFileSync((await file.path()) as string, 'utf8')];
}

const tableIds = (page: Page) =>
  page.locator('table.workers tbody tr[data-worker-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-worker-id')));

function csvIds(text: string) {
  const lines = text.split('\r\n').filter((l) => l.length > 0);
  expect(lines[0]).toMatch(/^status,detail_status,id,device_id,created_at,/);
  return lines.slice(1).map((l) => l.split(',')[2]);
}

test('the worker page downloads its view as CSV and JSON, the same rows as the table', async ({ page, javaScriptEnabled }) => {
  for (const width of widths) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto('/namespaces/default/apps/stable-diffusion/workers?sort=id&dir=asc');
    if (javaScriptEnabled) await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
    const ids = await tableIds(page);
    expect(ids.length).toBeGreaterThan(1);

    const [csv, csvText] = await download(page, 'download-csv');
    expect(csv.suggestedFilename()).toMatch(/^everai-default-stable-diffusion-workers-\d{8}T\d{6}Z\.csv$/);
    expect(csvIds(csvText)).toEqual(ids);

    const [json, jsonText] = await download(page, 'download-json');
    expect(json.suggestedFilename()).toMatch(/^everai-default-stable-diffusion-workers-\d{8}T\d{6}Z\.json$/);
    const doc = JSON.parse(jsonText);
    expect(doc.view).toBe('live');
    // The canonical view: `dir=asc` is the id column's own default.
    expect(doc.query).toBe('sort=id');
    expect(doc.workers.map((w: { id: string }) => w.id)).toEqual(ids);
    expect(doc.workers[0].console.status).toBe(
      (await page.locator(`tr[data-worker-id="${ids[0]}"] td.status`).innerText()).trim(),
    );
  }
});

test('a search typed into the hydrated page is in the file', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'typing without a submit needs JavaScript; the no-JS search is the address, covered above');
  await page.goto('/namespaces/default/apps/image-resize/workers');
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  const id = ((await tableIds(page))[3]) as string;
  await page.getByPlaceholder('Search worker or device id').pressSequentially(id.slice(0, 12));
  await expect(page).toHaveURL(new RegExp(`[?&]q=${id.slice(0, 12)}`));
  // The link to the view follows the typing too.
  await expect(page.getByTestId('view-link')).toHaveAttribute('href', new RegExp(`[?&]q=${id.slice(0, 12)}`));
  const [, text] = await download(page, 'download-csv');
  expect(csvIds(text)).toEqual([id]);
});

test('the history page downloads its ended workers of the window, every page of them', async ({ page, javaScriptEnabled }) => {
  for (const width of widths) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto('/namespaces/default/apps/stable-diffusion/history?days=30&sort=id&dir=asc');
    if (javaScriptEnabled) await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
    const summary = await page.getByTestId('history-summary').innerText();
    const ended = Number(/(\d+) of them ended/.exec(summary)?.[1]);
    const [csv, text] = await download(page, 'download-csv');
    expect(csv.suggestedFilename()).toMatch(/^everai-default-stable-diffusion-history-30d-\d{8}T\d{6}Z\.csv$/);
    const ids = csvIds(text);
    expect(ids.length).toBe(ended);
    // The table's first page is the file's first rows, in the same order.
    const shown = await tableIds(page);
    expect(ids.slice(0, shown.length)).toEqual(shown);
    const [, json] = await download(page, 'download-json');
    expect(JSON.parse(json).count).toBe(ended);
  }
});
