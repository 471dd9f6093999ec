import { defineConfig } from 'vitest/config';

// Unit tests (no I/O) and integration tests (real Redis, database, OAuth server, browser) are
// told apart by name, so `npx vitest --project unit` runs in seconds.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.unit.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.int.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Two cores: two files at a time, each with its own Redis and database.
          maxWorkers: 2,
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
    ],
  },
});
