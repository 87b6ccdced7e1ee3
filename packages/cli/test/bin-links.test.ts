/**
 * The commands npm links at install time (package.json "bin") are small files
 * under bin/ that exist before the first build, so `npx mqadmin` works on a
 * fresh clone once `npm start` has built, and says what is missing before.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PKG = fileURLToPath(new URL('../', import.meta.url));
const manifest = JSON.parse(readFileSync(`${PKG}package.json`, 'utf8')) as { bin: Record<string, string>; files: string[] };

describe('installed commands', () => {
  it('every bin entry is a committed file with a shebang that runs its built command', () => {
    expect(Object.keys(manifest.bin).sort()).toEqual(['mqadmin', 'mqbroker', 'mqnamesrv', 'rocketmq-ts']);
    for (const [name, path] of Object.entries(manifest.bin)) {
      expect(path).toBe(`bin/${name}.js`);
      const text = readFileSync(`${PKG}${path}`, 'utf8');
      expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
      expect(text).toContain(`launch('${name}')`);
      expect(existsSync(`${PKG}dist/bin/${name}.js`), `dist/bin/${name}.js (npm test builds first)`).toBe(true);
    }
    expect(manifest.files).toContain('bin');
  });

  it('mqadmin through its link runs the built tool (an unreachable NameServer fails clearly)', async () => {
    const err = await run(process.execPath, [`${PKG}bin/mqadmin.js`, 'clusterList', '-n', '127.0.0.1:1'], { timeout: 30_000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 1 });
    expect((err as { stderr: string }).stderr).toContain('cannot reach any NameServer: 127.0.0.1:1');
  });

  it('a command that is not built says so and exits 1', async () => {
    const launcher = new URL('../bin/launch.js', import.meta.url).href;
    const err = await run(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(launcher)}).then((m) => m.launch('not-built-yet'))`], {
      timeout: 30_000,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 1 });
    expect((err as { stderr: string }).stderr).toContain('not-built-yet: not built yet; run `npm run build`');
  });
});
