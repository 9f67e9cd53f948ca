/**
 * The browser side of the console tests: Debian's Chromium through playwright-core (no download),
 * local mode with the built console, an axe-core check and screenshots at 1280 and 390 px.
 */
import { mkdir } from 'node:fs/promises';
import axe from 'axe-core';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { DependencyOverrides } from '../../functions/dependencies.ts';
import { type LocalApi, type LocalSettings, startLocalApi } from '../local/local-fixture.ts';

export const chromiumPath = '/usr/bin/chromium';
const screenshotDir = new URL('../../test-results/console/', import.meta.url).pathname;

export interface ConsoleRig {
  api: LocalApi;
  browser: Browser;
  page: Page;
  /** What the page reported that a test should never see: CSP refusals, uncaught errors. */
  problems: string[];
  stop(): Promise<void>;
}

export async function startConsole(
  overrides: DependencyOverrides = {},
  settings: LocalSettings = {},
): Promise<ConsoleRig> {
  const api = await startLocalApi(overrides, settings);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    // The tests run as root in a container, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: api.url });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  // Every request the console makes stays on the API's own origin.
  page.on('request', (request) => {
    if (!request.url().startsWith(api.url)) problems.push(`request off origin: ${request.url()}`);
  });
  return {
    api,
    browser,
    page,
    problems,
    async stop() {
      await browser.close();
      await api.stop();
    },
  };
}

export async function signIn(page: Page, key: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Secrets' }).waitFor();
}

/** axe-core on the page as it is: no serious or critical violation. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern (no inline script).
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const result = await (
      globalThis as unknown as { axe: { run: (options: object) => Promise<{ violations: AxeViolation[] }> } }
    ).axe.run({ resultTypes: ['violations'] });
    return result.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map(
        (violation) =>
          `${violation.id}: ${violation.help} (${violation.nodes.map((n) => n.target).join(' | ')})`,
      );
  });
  expect(violations, `axe on ${what}`).toEqual([]);
}

interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: unknown }[];
}

/** Screenshots of the page at 1280 and 390 px wide, into test-results/console/ (ignored by git). */
export async function screenshots(page: Page, name: string): Promise<void> {
  await mkdir(screenshotDir, { recursive: true });
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `${screenshotDir}${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** The page checked and pictured: axe at both widths, then the screenshots. */
export async function review(page: Page, name: string): Promise<void> {
  await expectAccessible(page, `${name} at 1280 px`);
  await page.setViewportSize({ width: 390, height: 900 });
  await expectAccessible(page, `${name} at 390 px`);
  await page.setViewportSize({ width: 1280, height: 900 });
  await screenshots(page, name);
}
