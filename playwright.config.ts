// End-to-end tests of the built site (tests/e2e) in the system Chromium. `npm test` builds the
// site first (tools/build.sh web); this serves build-web/ on its own port, so a running
// `npm start` does not interfere.
import { defineConfig } from '@playwright/test';

const port = Number(process.env.CNN_E2E_PORT ?? 4273);

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results/e2e',
  timeout: 120_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}/`,
    browserName: 'chromium',
    viewport: { width: 1400, height: 1000 },
    // No trace by default: recording one (screencast frames and a DOM snapshot per action) cost
    // the browser about as much CPU as the page itself, and doubled the time to load MNIST.
    // CNN_E2E_TRACE=1 keeps a trace of each failing test (npx playwright show-trace).
    trace: process.env.CNN_E2E_TRACE ? 'retain-on-failure' : 'off',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: `npx vite preview web --host 127.0.0.1 --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
