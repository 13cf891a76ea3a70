import { expect, type Locator, type Page } from '@playwright/test';

/** The console's start page, as a person sees it. */
export class StartPage {
  readonly heading: Locator;
  readonly upstream: Locator;
  readonly version: Locator;
  readonly uptime: Locator;
  readonly checkAgain: Locator;
  readonly checks: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1 });
    this.upstream = page.getByTestId('upstream');
    this.version = page.getByTestId('version');
    this.uptime = page.getByTestId('uptime');
    this.checkAgain = page.getByRole('button', { name: 'Check again' });
    this.checks = page.getByTestId('checks');
  }

  async open() {
    const response = await this.page.goto('/');
    expect(response?.status()).toBe(200);
  }

  /** Resolves once the WASM bundle has hydrated the page. */
  async waitForHydration() {
    await expect(this.page.locator('[data-hydrated="true"]')).toHaveCount(1);
  }
}
