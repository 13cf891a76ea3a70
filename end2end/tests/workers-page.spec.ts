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

test('the start page form opens an app by name', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('App').fill('llm-chat');
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
