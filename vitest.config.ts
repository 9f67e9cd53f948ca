import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The browser tests have their own project: vitest.console.config.ts.
    exclude: [...configDefaults.exclude, 'test/console/**'],
    globalSetup: ['test/servers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    env: { AWS_EC2_METADATA_DISABLED: 'true' },
  },
});
