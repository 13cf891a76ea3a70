import { defineConfig } from '@playwright/test';

// The browser half of `make bench` (scripts/bench.sh starts the console and
// the simulator and passes their addresses). Not part of `make test`: it
// measures, one test after another, on an otherwise idle machine.
export default defineConfig({
  testDir: '.',
  testMatch: '*.bench.ts',
  // Traces of a failed run go with the report, not into the source tree.
  outputDir: '../../target/bench/test-results',
  timeout: 180_000,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: process.env.BENCH_BASE_URL ?? 'http://127.0.0.1:3321',
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    },
  },
});
