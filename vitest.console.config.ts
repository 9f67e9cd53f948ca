/**
 * The console's browser tests (test/console/): the built console in Debian's Chromium, driven by
 * playwright-core, against local mode on the live servers. Apart from the rest so a developer can run
 * the other tests without a browser: `npm run test:console` (npm test runs both).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/console/**/*.test.ts'],
    globalSetup: ['test/servers/global-setup.ts', 'test/console/build-console.ts'],
    // One browser at a time: the machine is small and each file starts its own Chromium.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // A page answers in its own time: wait for what it shows as long as a locator would.
    expect: { poll: { timeout: 10_000, interval: 100 } },
    env: { AWS_EC2_METADATA_DISABLED: 'true' },
  },
});
