import { readFileSync } from 'node:fs';
import { expect, test, type APIRequestContext } from '@playwright/test';

// Through nginx (deploy/nginx/), to two replicas of the release archive,
// signed in by nginx's basic auth: ana and bo operate, vic views.

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through \`make test-proxy\``);
  return value;
};
const base = env('PROXY_URL');
const replicas = env('PROXY_REPLICAS').split(',');
const as = (user: string) => ({ username: user, password: `${user}-password`, send: 'always' as const });
const workersPage = (app: string) => `/namespaces/default/apps/${app}/workers`;

/** nginx's access log so far, a line a request: user, request, status, replica. */
const accessLog = () => readFileSync(env('PROXY_ACCESS_LOG'), 'utf8').split('\n').filter((l) => l !== '');

function scaleUpForm(app: string, key: string) {
  return {
    headers: { Origin: base, Accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    data: `namespace=default&app=${app}&count=1&key=${key}&view=`,
    maxRedirects: 0,
  };
}
const freshKey = () => crypto.randomUUID().replaceAll('-', '');

test('a person signed in by nginx scales once and sees the outcome, whichever replica answers', async ({ browser, playwright }) => {
  const context = await browser.newContext({ httpCredentials: as('ana') });
  const page = await context.newPage();
  await page.goto(workersPage('llm-chat'));
  // Hydrated: the site the archive serves is its binary's own build.
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);

  const scale = page.getByRole('region', { name: 'Scale' });
  await scale.getByLabel(/^Add/).fill('1');
  await scale.getByRole('button', { name: 'Scale up…' }).click();
  const confirm = page.getByRole('region', { name: 'Add 1 worker to default/llm-chat?' });
  await confirm.getByRole('button', { name: 'Add 1 worker' }).click();
  await expect(page).toHaveURL(/[?&]action=[0-9a-f]{32}$/);
  const result = page.getByTestId('action-result');
  await expect(result).toHaveText(/^Added 1 worker to default\/llm-chat: [0-9A-Za-z]{22}\./);
  const id = ((await result.innerText()).match(/: ([0-9A-Za-z]{22})\./) ?? [])[1];
  const path = new URL(page.url()).pathname + new URL(page.url()).search;
  await context.close();

  // Nothing else is asked of nginx now, so its round robin sends two loads
  // of the outcome's address to the two replicas: both tell it.
  const ana = await playwright.request.newContext({ baseURL: base, ignoreHTTPSErrors: true, httpCredentials: as('ana') });
  const before = accessLog().length;
  for (let i = 0; i < 2; i++) {
    const res = await ana.get(path);
    expect(res.status()).toBe(200);
    const html = await res.text();
    expect(html).toContain('Added 1 worker to default/llm-chat: ');
    expect(html).toContain(id);
  }
  // nginx writes a request's line once it has sent the answer: wait for both.
  const loads = () => accessLog().slice(before).filter((l) => l.startsWith(`ana "GET ${path} `));
  await expect.poll(() => loads().length).toBe(2);
  expect(loads().map((l) => l.split(' ').at(-1)).sort()).toEqual([...replicas].sort());
  // The audit log has it under ana's name, with the new worker.
  const audit = await (await ana.get('/audit?app=default%2Fllm-chat&actor=ana')).text();
  expect(audit).toContain(id);
  await ana.dispose();
});

test('a user name sent by the browser is not believed', async ({ playwright }) => {
  // Not signed in: nginx asks for a sign-in, whatever the browser claims.
  const nobody = await playwright.request.newContext({
    baseURL: base,
    ignoreHTTPSErrors: true,
    extraHTTPHeaders: { 'X-Forwarded-User': 'ana' },
  });
  expect((await nobody.get(workersPage('llm-chat'))).status()).toBe(401);
  await nobody.dispose();

  // Signed in as vic (a viewer), claiming to be ana (an operator): vic.
  const vic = await playwright.request.newContext({
    baseURL: base,
    ignoreHTTPSErrors: true,
    httpCredentials: as('vic'),
    extraHTTPHeaders: { 'X-Forwarded-User': 'ana' },
  });
  const page = await (await vic.get(workersPage('image-resize'))).text();
  expect(page).toContain('vic is a viewer here');
  const refused = await vic.post('/api/scale_up', scaleUpForm('image-resize', freshKey()));
  expect(refused.status()).toBe(403);
  await vic.dispose();
});

test('a refusal for too many actions keeps its Retry-After through nginx', async ({ playwright }) => {
  // Two actions a minute each (CONSOLE_ACTIONS_PER_MINUTE=2), counted once
  // for both replicas.
  const bo = await playwright.request.newContext({ baseURL: base, ignoreHTTPSErrors: true, httpCredentials: as('bo') });
  const statuses: number[] = [];
  let retryAfter: string | undefined;
  for (let i = 0; i < 3; i++) {
    const res = await bo.post('/api/scale_up', scaleUpForm('image-resize', freshKey()));
    statuses.push(res.status());
    if (res.status() === 429) retryAfter = res.headers()['retry-after'];
  }
  expect(statuses).toEqual([303, 303, 429]);
  expect(Number(retryAfter)).toBeGreaterThan(0);
  await bo.dispose();
});

test('health and readiness answer on each replica without sign-in, name the build, and sit behind nginx\'s sign-in', async ({ playwright }) => {
  const anyone = await playwright.request.newContext({ ignoreHTTPSErrors: true });
  for (const replica of replicas) {
    // The replicas answer only the host names people use (CONSOLE_ALLOWED_HOSTS).
    const headers = { Host: 'localhost' };
    expect((await anyone.get(`http://${replica}/healthz`, { headers })).status()).toBe(200);
    const ready = await anyone.get(`http://${replica}/readyz`, { headers });
    expect(ready.status()).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, build: env('PROXY_BUILD') });
  }
  // Through nginx, only after its sign-in: a user name it did not check
  // never reaches a replica.
  for (const path of ['/healthz', '/readyz']) {
    const res = await anyone.get(`${base}${path}`, { headers: { Authorization: 'Basic YW5hOndyb25n', 'X-Forwarded-User': 'ana' } });
    expect(res.status()).toBe(401);
  }
  // Plain HTTP is sent to HTTPS.
  const plain = await anyone.get(`${env('PROXY_HTTP_URL')}/`, { maxRedirects: 0 });
  expect(plain.status()).toBe(301);
  expect(plain.headers()['location']).toMatch(/^https:\/\/localhost\//);
  await anyone.dispose();
});
