import { expect, test } from '@playwright/test';
import { WorkersPage } from './pages/workers-page';
import { startConsole, type OwnConsole } from './support/console';
import { ownApp } from './support/simulator';

// The emergency brake: pause an app (every worker stops) and resume it,
// through the same two-step confirmation as scaling, with JavaScript off
// and hydrated. Each run pauses an app of its own.

test('pause stops the app once its name is typed, the app says it is paused, and resume brings it back', async ({ page, request, javaScriptEnabled }, info) => {
  const { namespace, app } = await ownApp(request, info, { live: 2, maxWorkers: 4 });
  const path = WorkersPage.path(namespace, app);
  await page.goto(path);
  if (javaScriptEnabled) await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
  await page.getByTestId('brake-pause').click();
  await expect(page).toHaveURL(/[?&]confirm=pause(&|$)/);
  const confirm = page.getByRole('region', { name: `Pause ${namespace}/${app}?` });
  await expect(confirm.getByTestId('confirm-pause')).toContainText('Every worker stops: 2 workers running or starting will stop');

  // A name that is not the app's: nothing happens, and the page says why.
  await confirm.getByLabel(/Type the app's name/).fill(`${app}x`);
  await confirm.getByRole('button', { name: `Pause ${app}` }).click();
  await expect(page).toHaveURL(/[?&]action=[0-9a-f]{32}/);
  await expect(page.getByTestId('action-result')).toContainText(
    `Nothing was changed: the name typed, "${app}x", is not the app's (${app}).`,
  );
  await expect(page.getByTestId('app-status')).toHaveText('Deployed');

  // The right name: paused.
  await page.goto(`${path}?confirm=pause`);
  await page.getByLabel(/Type the app's name/).fill(app);
  await page.getByRole('button', { name: `Pause ${app}` }).click();
  await expect(page.getByTestId('action-result')).toContainText(`Paused ${namespace}/${app}: its workers stop`);
  await expect(page.getByTestId('app-status')).toHaveText('Paused');
  await expect(page.getByTestId('insight-notes').locator('li').first()).toHaveText(
    'Paused: no workers will start until the app is resumed.',
  );

  // The start page says so too, with a way to resume it.
  await page.goto('/');
  const row = page.locator(`tr[data-app="${app}"]`);
  await expect(row).toHaveClass(/trouble/);
  await expect(row).toContainText('Paused: no workers will start until it is resumed');
  await row.getByTestId('resume-link').click();
  await expect(page).toHaveURL(/[?&]confirm=resume(&|$)/);
  await expect(page.getByRole('region', { name: `Resume ${namespace}/${app}?` })).toBeVisible();

  // Resume, from the paused app's own control.
  await page.goto(path);
  await page.getByTestId('brake-resume').click();
  const again = page.getByRole('region', { name: `Resume ${namespace}/${app}?` });
  await again.getByRole('button', { name: `Resume ${app}` }).click();
  await expect(page.getByTestId('action-result')).toContainText(`Resumed ${namespace}/${app}: its workers start again.`);
  await expect(page.getByTestId('app-status')).toHaveText('Deployed');
  // The audit log has all three.
  await page.goto(`/audit?app=${encodeURIComponent(`${namespace}/${app}`)}`);
  await expect(page.locator('tbody tr')).toHaveCount(3);
  await expect(page.locator('tbody')).toContainText('pause the app');
  await expect(page.locator('tbody')).toContainText('resume the app');
});

test.describe('a read-only console', () => {
  let own: OwnConsole;
  test.beforeAll(async () => {
    own = await startConsole({ CONSOLE_READ_ONLY: 'true' });
  });
  test.afterAll(async () => own?.stop());

  test('shows the brake off with the reason, and its confirmation cannot go ahead', async ({ page }) => {
    const path = `${own.base}${WorkersPage.path('research', 'tokenizer')}`;
    await page.goto(path);
    await expect(page.getByTestId('brake-off')).toHaveText('Pause app…');
    await expect(page.getByTestId('brake')).toContainText('You may not change apps here:');
    await expect(page.getByTestId('brake-pause')).toHaveCount(0);
    await page.goto(`${path}?confirm=pause`);
    await expect(page.getByTestId('confirm-problem')).toContainText('You may not change apps here:');
    await expect(page.getByRole('button', { name: 'Pause tokenizer' })).toHaveCount(0);
  });
});

test.describe('behind a sign-in proxy', () => {
  let own: OwnConsole;
  test.beforeAll(async () => {
    own = await startConsole({
      CONSOLE_AUTH: 'proxy',
      CONSOLE_TRUSTED_PROXIES: '127.0.0.1',
      CONSOLE_USER_HEADER: 'X-Forwarded-User',
      CONSOLE_OPERATORS: 'ana',
    });
  });
  test.afterAll(async () => own?.stop());

  test('a viewer sees the brake off with the reason, and a pause they post is refused and recorded', async ({ browser, javaScriptEnabled }) => {
    const context = await browser.newContext({ javaScriptEnabled, extraHTTPHeaders: { 'X-Forwarded-User': 'bo' } });
    const page = await context.newPage();
    const path = `${own.base}${WorkersPage.path('research', 'tokenizer')}`;
    await page.goto(path);
    if (javaScriptEnabled) await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
    await expect(page.getByTestId('brake-off')).toHaveText('Pause app…');
    await expect(page.getByTestId('brake')).toContainText(
      'You may not change apps here: bo is a viewer here; operators are listed in CONSOLE_OPERATORS.',
    );
    await expect(page.getByTestId('brake-pause')).toHaveCount(0);

    // The form posted anyway, from the console's own origin: refused.
    const refused = await context.request.post(`${own.base}/api/pause_app`, {
      headers: { Origin: own.base, 'content-type': 'application/x-www-form-urlencoded' },
      data: `namespace=research&app=tokenizer&confirm_name=tokenizer&key=${'ab'.repeat(16)}&view=`,
    });
    expect(refused.status()).toBe(403);
    await expect(page.getByTestId('app-status')).toHaveText('Deployed');
    // And the audit log has the attempt, refused, under the viewer's name.
    await page.goto(`${own.base}/audit?app=research%2Ftokenizer`);
    await expect(page.locator('tbody tr')).toHaveCount(1);
    await expect(page.locator('tbody tr')).toContainText('bo');
    await expect(page.locator('tbody tr')).toContainText('pause the app');
    await context.close();
  });
});
