import { expect, type Locator, type Page } from '@playwright/test';

/** One app's worker page, as a person sees it. */
export class WorkersPage {
  readonly heading: Locator;
  /** The rows drawn: once hydrated, only those near the viewport. */
  readonly rows: Locator;
  readonly table: Locator;
  readonly summary: Locator;
  readonly banner: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1 });
    this.rows = page.locator('table.workers tbody tr[data-worker-id]');
    this.table = page.locator('table.workers');
    this.summary = page.getByTestId('summary');
    this.banner = page.getByRole('alert');
  }

  static path(namespace: string, app: string) {
    return `/namespaces/${encodeURIComponent(namespace)}/apps/${encodeURIComponent(app)}/workers`;
  }

  /** Rows on this page of the table, drawn or not (the table's aria-rowcount, less the heading row). */
  async rowCount() {
    if ((await this.table.count()) === 0) return 0;
    return Number(await this.table.getAttribute('aria-rowcount')) - 1;
  }

  /** The page of the table has `n` rows, drawn or not. */
  async expectRowCount(n: number) {
    if (n === 0) await expect(this.table).toHaveCount(0);
    else await expect(this.table).toHaveAttribute('aria-rowcount', String(n + 1));
  }

  async open(namespace: string, app: string, expectedStatus = 200) {
    const response = await this.page.goto(WorkersPage.path(namespace, app));
    expect(response?.status()).toBe(expectedStatus);
  }
}
