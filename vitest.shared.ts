import { fileURLToPath } from 'node:url';
import type { playwright as playwrightProvider } from '@vitest/browser-playwright';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/** Backends every Node test file runs on: the suite runs once per backend, as its own vitest project. */
export const NODE_BACKENDS = ['cpu', 'wasm'] as const;

const root = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Tests run against the sources of every `@cnn` package (no build needed); the built and packed output is
 * tested apart, in plain Node, by `scripts/pack-test.mjs`.
 */
export const sourceAliases = [{ find: /^@cnn\/([a-z]+)$/, replacement: root('./packages/$1/src/index.ts') }];

/**
 * The Node test config every package shares: `*.test.ts` beside the sources and in `test/`, run once on
 * each backend of {@link NODE_BACKENDS} (or those given: training-sized work is too slow for cpu);
 * `vitest.setup.ts` initialises the backend named in `CNN_TEST_BACKEND`.
 */
export function nodeTests(
  options: { testTimeout?: number; backends?: readonly (typeof NODE_BACKENDS)[number][] } = {},
): ViteUserConfig {
  return defineConfig({
    resolve: { alias: sourceAliases },
    test: {
      testTimeout: options.testTimeout ?? 60_000,
      hookTimeout: 60_000,
      deps: {
        optimizer: {
          ssr: {
            enabled: true,
            include: [
              '@tensorflow/tfjs-core/dist/register_all_gradients',
              '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops',
            ],
          },
        },
      },
      projects: (options.backends ?? NODE_BACKENDS).map((backend) => ({
        extends: true,
        test: {
          name: backend,
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/*.browser.test.ts', '**/node_modules/**'],
          environment: 'node',
          setupFiles: [root('./vitest.setup.ts')],
          env: { CNN_TEST_BACKEND: backend },
        },
      })),
    },
  });
}

/**
 * Headless Chromium as it runs here: WebGL on SwiftShader (a CPU renderer). The GPU work runs in the browser
 * process with no watchdog: with a separate GPU process, a loaded machine lost the WebGL context mid-suite.
 * No background networking: this machine's network is closed.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--enable-unsafe-swiftshader',
  '--in-process-gpu',
  '--disable-gpu-watchdog',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Chromium for the browser suite: `CHROMIUM_PATH`, else Debian's (`scripts/ensure-chromium.mjs` installs it). */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The browser test config: `*.browser.test.ts` in headless Chromium (WebGL on SwiftShader, wasm, cpu),
 * driven by Playwright with the system's Chromium — never a downloaded one.
 */
export function browserTests(playwright: typeof playwrightProvider): ViteUserConfig {
  return defineConfig({
    resolve: { alias: sourceAliases },
    test: {
      include: ['src/**/*.browser.test.ts', 'test/**/*.browser.test.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      browser: {
        enabled: true,
        headless: true,
        screenshotFailures: false,
        provider: playwright({
          launchOptions: { executablePath: chromiumPath, args: CHROMIUM_ARGS },
        }),
        instances: [{ browser: 'chromium' }],
      },
    },
  });
}
