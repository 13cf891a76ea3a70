import { expect, test } from '@playwright/test';

// A replica with token sign-in (CONSOLE_AUTH=token) behind its own nginx,
// from the same site file with nginx's sign-in off: the browser comes over
// HTTPS, nginx says so (X-Forwarded-Proto), and the session cookie the
// console sets is Secure.

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through \`make test-proxy\``);
  return value;
};

test('a session cookie set behind nginx over HTTPS is Secure, and it signs the person in', async ({ playwright }) => {
  const base = env('PROXY_TOKEN_URL');
  const browser = await playwright.request.newContext({ baseURL: base, ignoreHTTPSErrors: true });
  expect((await browser.get('/', { maxRedirects: 0 })).headers()['location']).toBe('/login');
  const signIn = await browser.post('/api/sign_in', {
    headers: { Origin: base, Accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    data: `name=Ana&token=${env('PROXY_TOKEN')}&next=%2F`,
    maxRedirects: 0,
  });
  expect(signIn.status()).toBe(303);
  const cookie = signIn.headers()['set-cookie'];
  expect(cookie).toMatch(/^everai_console_session=[0-9a-f]{64};/);
  expect(cookie).toContain('; HttpOnly');
  expect(cookie).toContain('; Secure');
  // The cookie is kept by the context, and opens the console.
  const home = await browser.get('/', { maxRedirects: 0 });
  expect(home.status()).toBe(200);
  expect(await home.text()).toContain('Ana');
  await browser.dispose();
});
