import { expect, test } from '@playwright/test';
import { WorkersPage } from './pages/workers-page';
import { ownApp } from './support/simulator';

test('a scale action is in the audit log, filterable by URL and as CSV', async ({ page, request }, testInfo) => {
  const { namespace, app } = await ownApp(request, testInfo, { live: 1, maxWorkers: 5 });
  const target = `${namespace}/${app}`;
  await page.goto(`${WorkersPage.path(namespace, app)}?confirm=up&count=1`);
  await page.getByRole('button', { name: 'Add 1 worker' }).click();
  const result = page.getByTestId('action-result');
  await expect(result).toHaveText(new RegExp(`^Added 1 worker to ${target}: `));
  const id = ((await result.innerText()).match(/: ([0-9A-Za-z]{22})\./) ?? [])[1];
  expect(id).toBeTruthy();

  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Audit log' }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await page.getByLabel('App').fill(target);
  await page.getByLabel('Outcome').selectOption('done');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(
    new RegExp(`/audit\\?app=${encodeURIComponent(target)}&actor=&outcome=done&from=&to=$`),
  );
  const row = page.locator('table.audit tbody tr', { hasText: `New: ${id}` });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('anonymous (operator)');
  await expect(row).toContainText('add 1 worker');
  await expect(row).toContainText('Done');
  await expect(row).toContainText(/200 in \d/);

  // The same view as a shared link, and as CSV.
  await page.goto(`/audit?app=${target}&outcome=failed`);
  await expect(page.locator('table.audit tbody tr', { hasText: id })).toHaveCount(0);
  const csv = await request.get(`/audit.csv?app=${target}&outcome=done`);
  expect(csv.status()).toBe(200);
  expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
  expect(await csv.text()).toContain(`,done,,${id},200,`);

  // A bad filter is a specific 400, not an empty list.
  const bad = await page.goto('/audit?from=27.11.2026');
  expect(bad?.status()).toBe(400);
  await expect(page.getByRole('alert')).toContainText('is not a date like 2026-11-27');
});
