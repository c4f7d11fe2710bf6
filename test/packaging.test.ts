// Each package as another project gets it: packed, linted (publint, attw), installed from its tarball into
// a scratch project outside the workspace, then imported from plain Node ESM and CJS, bundled by Vite and
// run in Chromium, dev server included. Also: `changeset version` bumps packages independently.
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, chromiumPath } from '../vitest.shared.ts';

const exec = promisify(execFile);
const root = join(import.meta.dirname, '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const PACKAGES = ['core', 'linalg', 'pca', 'datasets', 'layers', 'zoo', 'visualize', 'generate'];
// pnpm as this run was started (`pnpm test` sets npm_execpath), else the README's `npx pnpm@10`.
const pnpm = process.env.npm_execpath?.includes('pnpm')
  ? { file: process.execPath, args: [process.env.npm_execpath] }
  : { file: 'npx', args: ['-y', 'pnpm@10'] };

let scratch = '';
const tarballs = new Map<string, string>();

async function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return exec(file, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cnn-consumer-'));
  const packs = join(scratch, 'packs');
  for (const name of PACKAGES) {
    await run(pnpm.file, [...pnpm.args, 'pack', '--pack-destination', packs], join(root, 'packages', name));
    tarballs.set(name, join(packs, `cnn-${name}-0.0.0.tgz`));
  }
  const app = join(scratch, 'app');
  await cp(join(root, 'test', 'consumer'), app, { recursive: true });
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...tarballs.values(),
      '@tensorflow/tfjs-core@4.22.0',
      'vite@7',
    ],
    app,
  );
}, 600_000);

afterAll(() => (scratch ? rm(scratch, { recursive: true, force: true }) : undefined));

describe.each(PACKAGES)('@cnn/%s as published', (name) => {
  it('passes publint (strict) and arethetypeswrong', async () => {
    const lint = await run(bin('publint'), ['run', tarballs.get(name)!, '--strict'], scratch);
    expect(lint.stdout).toMatch(/All good!/);
    await expect(
      run(bin('attw'), [tarballs.get(name)!, '--format', 'ascii'], scratch),
    ).resolves.toBeDefined();
  });

  it('ships its README and licence, and only built files', async () => {
    const { stdout } = await run('tar', ['tzf', tarballs.get(name)!], scratch);
    const files = stdout.trim().split('\n');
    expect(files).toEqual(
      expect.arrayContaining(['package/README.md', 'package/LICENSE', 'package/package.json']),
    );
    expect(files.filter((f) => !/^package\/(dist\/|README\.md$|LICENSE$|package\.json$)/.test(f))).toEqual(
      [],
    );
  });
});

describe.each([
  ['ESM', 'node-esm.mjs'],
  ['CommonJS', 'node-cjs.cjs'],
])('a plain Node %s app', (_, entry) => {
  it('chooses a backend, differentiates conv2d on wasm like cpu, reads images and the embedded digits, and holds one tfjs engine', async () => {
    const { stdout } = await run(process.execPath, [entry], join(scratch, 'app'));
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(result.auto).toBe('wasm'); // tfjs-node is not installed in the scratch app
    expect(result.skipped).toEqual(['tensorflow', 'webgpu', 'webgl']);
    expect(result.wasm).toBe('wasm');
    expect(result.filled).toContain('Conv2DBackpropFilter');
    expect(result.relativeDifference).toBeLessThan(1e-5);
    expect(result.image).toEqual([1, 3, 2, 3]);
    expect(result.digits).toEqual([10000, 28, 28, 1]);
    expect(result.batch).toEqual([8, 28, 28, 1]);
    expect(result.xorEpochs).toBe(3);
    expect(result.savedClass).toBe('Sequential');
    expect(result.tfjsCoreFiles).toHaveLength(1);
    expect(result.tfjsCoreModulesLoaded).toBe(1);
    expect(result.oneEngine).toBe(true);
  });
});

describe('a Vite app in Chromium, with no configuration', () => {
  const MIME: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.wasm': 'application/wasm',
  };

  async function resultAt(url: string) {
    const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const failed: string[] = [];
      page.on('requestfailed', (r) => failed.push(r.url()));
      page.on('response', (r) => {
        if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) failed.push(`${r.status()} ${r.url()}`);
      });
      await page.goto(url);
      await page.waitForFunction(() => (window as { __result?: unknown }).__result, undefined, {
        timeout: 120_000,
      });
      return { result: await page.evaluate(() => (window as { __result?: unknown }).__result), failed };
    } finally {
      await browser.close();
    }
  }

  const expectWorking = ({ result, failed }: { result: unknown; failed: string[] }) => {
    expect(failed).toEqual([]);
    expect(result).toMatchObject({
      auto: expect.stringMatching(/^web(gpu|gl)$/),
      skipped: expect.arrayContaining(['tensorflow']),
      wasm: 'wasm',
      image: [1, 3, 2, 3],
      digits: [10000, 28, 28, 1],
      batch: [8, 28, 28, 1],
    });
    expect(Number.isFinite((result as { filterGradientSum: number }).filterGradientSum)).toBe(true);
  };

  it('vite build: the wasm binaries become lazy chunks, and the one needed loads', async () => {
    const app = join(scratch, 'app');
    await run(bin('vite').replace(root, app), ['build', '--logLevel', 'error'], app);
    const assets = await readdir(join(app, 'dist', 'assets'));
    expect(assets.filter((f) => f.startsWith('tfjs-backend-wasm'))).toHaveLength(3);
    const server = createServer(async (req, res) => {
      const path = join(app, 'dist', new URL(req.url!, 'http://x').pathname.replace(/\/$/, '/index.html'));
      try {
        const body = await readFile(path);
        res.writeHead(200, { 'content-type': MIME[extname(path)] ?? 'application/octet-stream' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      expectWorking(await resultAt(`http://127.0.0.1:${port}/`));
    } finally {
      server.close();
    }
  });

  it('vite dev server: the pre-bundled package finds the wasm binaries too', async () => {
    const app = join(scratch, 'app');
    const dev = spawn(
      bin('vite').replace(root, app),
      ['--host', '127.0.0.1', '--port', '0', '--strictPort=false'],
      {
        cwd: app,
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        dev.stdout.on('data', (d) => {
          out += d;
          const match = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
          if (match) resolve(match[0]);
        });
        dev.on('exit', () => reject(new Error(`vite dev exited: ${out}`)));
        setTimeout(() => reject(new Error(`vite dev printed no address in 60 s: ${out}`)), 60_000);
      });
      expectWorking(await resultAt(url));
    } finally {
      dev.kill();
    }
  });
});

describe('changesets', () => {
  it('`changeset version` bumps a package and patches its dependents, nothing else', async () => {
    const work = join(scratch, 'changeset');
    await mkdir(join(work, '.changeset'), { recursive: true });
    for (const file of ['package.json', 'pnpm-workspace.yaml', '.changeset/config.json']) {
      await cp(join(root, file), join(work, file));
    }
    for (const name of PACKAGES) {
      await mkdir(join(work, 'packages', name), { recursive: true });
      await cp(join(root, 'packages', name, 'package.json'), join(work, 'packages', name, 'package.json'));
    }
    await writeFile(
      join(work, '.changeset', 'linalg-svd.md'),
      "---\n'@cnn/linalg': minor\n---\n\nAdd svd.\n",
    );
    await run('git', ['init', '-q'], work);
    await run(bin('changeset'), ['version'], work);
    const version = async (name: string) =>
      JSON.parse(await readFile(join(work, 'packages', name, 'package.json'), 'utf8')).version;
    expect(await version('linalg')).toBe('0.1.0');
    expect(await version('pca')).toBe('0.0.1'); // depends on linalg
    expect(await version('visualize')).toBe('0.0.1'); // depends on linalg
    expect(await version('core')).toBe('0.0.0');
    expect(await version('layers')).toBe('0.0.0');
    expect(await readFile(join(work, 'packages', 'linalg', 'CHANGELOG.md'), 'utf8')).toMatch(
      /## 0\.1\.0[\s\S]*Add svd\./,
    );
  });
});
