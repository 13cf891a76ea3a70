// Screenshots of console pages at desktop and phone widths, for looking at
// what a person sees. Usage (with the console running):
//   node scripts/screenshots.mjs http://127.0.0.1:3000 out-dir /path [/path …]
import { chromium } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [base, outDir, ...paths] = process.argv.slice(2);
if (!base || !outDir || paths.length === 0) {
  console.error('usage: node scripts/screenshots.mjs BASE_URL OUT_DIR PATH [PATH …]');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const widths = { desktop: { width: 1366, height: 860 }, phone: { width: 390, height: 844 } };
try {
  for (const path of paths) {
    for (const [name, viewport] of Object.entries(widths)) {
      for (const js of [true, false]) {
        const context = await browser.newContext({ viewport, javaScriptEnabled: js });
        const page = await context.newPage();
        await page.goto(base + path, { waitUntil: 'networkidle' });
        const slug = (path.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '') || 'home');
        const file = join(outDir, `${slug}-${name}${js ? '' : '-nojs'}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(file);
        await context.close();
      }
    }
  }
} finally {
  await browser.close();
}
