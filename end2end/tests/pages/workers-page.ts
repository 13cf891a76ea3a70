import { expect, type Locator, type Page } from '@playwright/test';

/** One app's worker page, as a person sees it. */
export class WorkersPage {
  readonly heading: Locator;
  readonly rows: Locator;
  readonly summary: Locator;
  readonly banner: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1 });
    this.rows = page.locator('table.workers tbody tr');
    this.summary = page.getByTestId('summary');
    this.banner = page.getByRole('alert');
  }

  static path(namespace: string, app: string) {
    return `/namespaces/${encodeURIComponent(namespace)}/apps/${encodeURIComponent(app)}/workers`;
  }

  async open(namespace: string, app: string, expectedStatus = 200) {
    const response = await this.page.goto(WorkersPage.path(namespace, app));
    expect(response?.status()).toBe(expectedStatus);
  }
}
