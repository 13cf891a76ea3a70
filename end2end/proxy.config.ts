import { defineConfig } from '@playwright/test';
import { chromium } from './playwright.config';

// The release archive behind nginx (`make test-proxy`, scripts/proxy-test.sh):
// that script unpacks it, starts two replicas, nginx and a simulator, and
// passes their addresses in PROXY_*.
const baseURL = process.env.PROXY_URL;
if (!baseURL) throw new Error('PROXY_URL is not set: run these tests through `make test-proxy`');

export default defineConfig({
  testDir: './proxy',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  retries: 0,
  // One at a time: the tests read which replica answered from nginx's log.
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL,
    // nginx's certificate is made for the run and signed by nobody.
    ignoreHTTPSErrors: true,
    browserName: 'chromium',
    launchOptions: chromium,
    trace: 'retain-on-failure',
  },
});
