// Headless Chromium for the web UI's end-to-end tests and the first-chart benchmark: Debian's /usr/bin/chromium
// driven by playwright-core (browser downloads fail here), with the flags STACK.md lists and a fresh profile per launch.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const chromiumPath = process.env.PAVE_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(chromiumPath);
const root = fileURLToPath(new URL('../..', import.meta.url));
export const artifactsDir = join(root, 'test-artifacts', 'web');

const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface OpenBrowser {
  browser: Browser;
  context: BrowserContext;
  close(): Promise<void>;
}

/** A laptop-sized window (1280×800) unless told otherwise. */
export async function openBrowser(viewport = { width: 1280, height: 800 }): Promise<OpenBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'pave-chromium-'));
  // launchPersistentContext is how playwright takes a user-data-dir of our choosing (a fresh, empty one).
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: flags, viewport });
  const browser = context.browser();
  return {
    browser: browser!,
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((n) => newestMtime(join(path, n))));
}

/**
 * Builds the UI into web/dist when it is missing or older than its sources. Test files run in parallel workers:
 * a lock folder keeps two of them from building into the same folder at once.
 */
export function ensureWebBuilt(): void {
  const web = join(root, 'web');
  const index = join(web, 'dist', 'index.html');
  const stale = () => !existsSync(index) || statSync(index).mtimeMs < Math.max(newestMtime(join(web, 'src')), newestMtime(join(web, 'index.html')), newestMtime(join(web, 'vite.config.ts')));
  if (!stale()) return;
  const lock = join(web, '.build-lock');
  const until = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > until) throw new Error(`web/.build-lock is held for over 2 minutes: remove it if no build is running`);
      spawnSync('sleep', ['0.5']);
    }
  }
  try {
    if (!stale()) return;
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(web, 'vite.config.ts'), '--logLevel', 'warn'], {
      cwd: root,
      encoding: 'utf8',
      // Vitest sets NODE_ENV=test, which Vite passes on: that bundled React's development build (StrictMode then ran
      // every effect twice, so the UI sent every request twice). Tests and benchmarks use what users get.
      env: { ...process.env, NODE_ENV: 'production' },
    });
    if (r.status !== 0) throw new Error(`the web UI did not build:\n${r.stdout}\n${r.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export function screenshotPath(name: string): string {
  mkdirSync(artifactsDir, { recursive: true });
  return join(artifactsDir, `${name}.png`);
}
