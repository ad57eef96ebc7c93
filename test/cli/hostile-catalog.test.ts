import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hadolintBinary } from '../adapters/hadolint/hadolint-binary.ts';
import { commitAll, copyOfCatalog, git, removeTempDirs, run, tempDir } from './cli-fixtures.ts';

const registry = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const stackFrame = /^\s+at /m;

beforeAll(() => {
  process.env['DOCKYARD_HADOLINT'] = hadolintBinary();
});

afterEach(removeTempDirs);

/** A config that passes every image of the bundled catalog; extra lines go at the end. */
function config(...lines: string[]): string {
  return `${['catalog: images', `registry: ${registry}`, 'parents:', '  approved:', '    - pattern: docker.io/jenkins/inbound-agent', ...lines].join('\n')}\n`;
}

/** A YAML document whose nine levels of aliases would expand to a billion strings. */
function aliasBomb(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level < 10; level++) {
    const name = String.fromCharCode(97 + level);
    const previous = String.fromCharCode(96 + level);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs a failing case and checks what every failure must give: a code, a message, no stack trace. */
async function expectFailure(args: string[], code: 1 | 2) {
  const result = await run(...args);
  expect(result.stderr).not.toMatch(stackFrame);
  expect(result.stdout).not.toMatch(stackFrame);
  expect(result.code).toBe(code);
  return result;
}

describe('dockyard check on image folders', () => {
  it('reports a folder name that cannot name an image in a full check and with --base', async () => {
    const dir = await copyOfCatalog();
    await commitAll(dir);
    await mkdir(path.join(dir, 'images/Bad_Name'));
    await writeFile(path.join(dir, 'images/Bad_Name/Dockerfile'), 'FROM scratch\n');
    const message =
      'images/Bad_Name:1: fails DY016 (Dockyard error): `Bad_Name` cannot name an image: image folders must be lower-case letters, digits and . _ - (a valid ECR repository name). Rename the folder.\n';

    const full = await expectFailure(['-C', dir, 'check'], 1);
    expect(full.stdout).toContain(message);

    await git(dir, 'add', '.');
    const sinceBase = await expectFailure(['-C', dir, 'check', '--base', 'main'], 1);
    expect(sinceBase.stdout).toContain(message);
  });

  it('reports an image folder that is a symlink and reads nothing behind it', async () => {
    const dir = await copyOfCatalog();
    const outside = await tempDir('dockyard-outside-');
    await writeFile(path.join(outside, 'Dockerfile'), 'FROM ubuntu:22.04\n');
    await writeFile(path.join(outside, 'image.yml'), 'label: [not, a, label\n');
    await symlink(outside, path.join(dir, 'images/evil'));
    await symlink('../../other', path.join(dir, 'images/other'));

    const result = await expectFailure(['-C', dir, 'check'], 1);
    expect(result.stdout).toContain(
      `images/evil:1: fails DY018 (Dockyard error): \`images/evil\` is a symlink (to \`${outside}\`), not a folder. Dockyard reads only what is committed in the catalog and never follows a link out of it: replace the link with a folder holding the image's Dockerfile, or remove it.\n`,
    );
    expect(result.stdout).toContain('images/other:1: fails DY018 (Dockyard error): `images/other` is a symlink (to `../../other`), not a folder.');
    expect(result.stdout).not.toContain('ubuntu');
    expect(result.stdout).not.toContain('image.yml');
    expect(result.stdout).toMatch(/2 findings must be fixed\.\n$/);
  });

  it('reports a symlinked image folder that a pull request adds, with --base', async () => {
    const dir = await copyOfCatalog();
    await commitAll(dir);
    await symlink('/etc', path.join(dir, 'images/evil'));
    await git(dir, 'add', '.');

    const result = await expectFailure(['-C', dir, 'check', '--base', 'main'], 1);
    expect(result.stdout).toContain('images/evil:1: fails DY018 (Dockyard error): `images/evil` is a symlink (to `/etc`), not a folder.');
  });

  it('judges an oversized Dockerfile and image.yml by their size, without reading them', async () => {
    const dir = await copyOfCatalog();
    await writeFile(path.join(dir, 'images/python/Dockerfile'), `FROM ${registry}/jenkins-agents/base\n${'#'.repeat(1024 * 1024)}\n`);
    await writeFile(path.join(dir, 'images/boto3/image.yml'), `description: big\n${'# padding\n'.repeat(10_000)}`);

    const result = await expectFailure(['-C', dir, 'check'], 1);
    expect(result.stdout).toContain(
      'images/python/Dockerfile:1: fails DY010 (Dockyard error): This Dockerfile is 1.0 MiB; Dockyard reads Dockerfiles up to 1 MiB. Move generated content into files the build copies.\n',
    );
    expect(result.stdout).toContain(
      'images/boto3/image.yml:1: fails DY019 (Dockyard error): `images/boto3/image.yml` is 98 KiB, over the 64 KiB Dockyard reads of an image.yml: keep it to the description, label, owners and jenkins settings.\n',
    );
  });

  it('reports an alias bomb in image.yml at its line, quickly', async () => {
    const dir = await copyOfCatalog();
    await writeFile(path.join(dir, 'images/boto3/image.yml'), aliasBomb());

    const started = Date.now();
    const result = await expectFailure(['-C', dir, 'check'], 1);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.stdout).toContain(
      'images/boto3/image.yml:2: fails DY019 (Dockyard error): `images/boto3/image.yml`: its aliases (`*a`) expand to more than Dockyard reads (a YAML resource-exhaustion pattern); write the values out instead.\n',
    );
  });
});

describe('dockyard check on labels (DY008)', () => {
  async function addImage(dir: string, name: string, metadata: string): Promise<void> {
    await mkdir(path.join(dir, 'images', name));
    await writeFile(path.join(dir, 'images', name, 'Dockerfile'), `ARG REGISTRY=x\nFROM \${REGISTRY}/jenkins-agents/base\n`);
    await writeFile(path.join(dir, 'images', name, 'image.yml'), metadata);
  }

  it('reports a second image offering a label on the change that adds it', async () => {
    const dir = await copyOfCatalog();
    await commitAll(dir);
    await addImage(dir, 'py3', 'description: Another Python.\nlabel: py3 python\n');
    await git(dir, 'add', '.');

    const result = await expectFailure(['-C', dir, 'check', '--base', 'main'], 1);
    expect(result.stdout).toContain(
      'images/py3/image.yml:2: fails DY008 (Dockyard error): `py3` offers the Jenkins label `python`, which `python` also offers (images/python/image.yml:2): a job asking for `python` could get either agent. Give `py3` a label of its own: set `label:` in images/py3/image.yml.\n',
    );
    expect(result.stdout).not.toContain('images/python/image.yml:2: fails DY008 (Dockyard error)');
    expect(result.stdout).toMatch(/1 finding must be fixed\.\n$/);
  });

  it('points at Dockerfile line 1 when the clashing label is the image name', async () => {
    const dir = await copyOfCatalog();
    await addImage(dir, 'tools', 'label: base\n');
    await rm(path.join(dir, 'images/base/image.yml'));

    const result = await expectFailure(['-C', dir, 'check'], 1);
    expect(result.stdout).toContain(
      'images/tools/image.yml:1: fails DY008 (Dockyard error): `tools` offers the Jenkins label `base`, which `base` also offers (its default label, the image name): a job asking for `base` could get either agent.',
    );
    expect(result.stdout).toContain(
      'images/base/Dockerfile:1: fails DY008 (Dockyard error): `base` offers the Jenkins label `base` (its default label, the image name), which `tools` also offers (images/tools/image.yml:1)',
    );
  });
});

describe('dockyard check on the config', () => {
  it.each([
    ['../outside'],
    ['/etc'],
    ['images/../..'],
    ['./images'],
    ['.'],
  ])('refuses catalog: %s, a folder that is not inside the repository', async (catalog) => {
    const dir = await copyOfCatalog();
    await writeFile(path.join(dir, '.github/dockyard.yml'), config().replace('catalog: images', `catalog: ${catalog}`));

    const result = await expectFailure(['-C', dir, 'check'], 2);
    expect(result).toMatchObject({
      stdout: '',
      stderr:
        'dockyard: Invalid config in .github/dockyard.yml: catalog (line 1): must be a folder inside the repository, relative to its root, such as "images" (no leading /, no . or .. segments)\n',
    });
  });

  it('refuses a symlinked config or hadolint settings instead of following them out of the repository', async () => {
    const dir = await copyOfCatalog();
    const outside = await tempDir('dockyard-outside-');
    // A looser policy outside the repository: following the link would pass the bad parent below.
    await writeFile(path.join(outside, 'dockyard.yml'), config().replace('docker.io/jenkins/inbound-agent', '"**"'));
    await writeFile(path.join(dir, 'images/python/Dockerfile'), 'FROM ubuntu:22.04\n');
    const configFile = path.join(dir, '.github/dockyard.yml');
    await rm(configFile);
    await symlink(path.join(outside, 'dockyard.yml'), configFile);

    const linked = await expectFailure(['-C', dir, 'check'], 2);
    expect(linked.stderr).toBe(
      `dockyard: Invalid config in .github/dockyard.yml: (file) (line 1): is a symlink (to \`${outside}/dockyard.yml\`); Dockyard reads only files committed in the repository, never what a link points to. Commit the file itself.\n`,
    );

    await rm(path.join(dir, '.github'), { recursive: true });
    await symlink(outside, path.join(dir, '.github'));
    const linkedFolder = await expectFailure(['-C', dir, 'check'], 2);
    expect(linkedFolder.stderr).toBe(
      `dockyard: Invalid config in .github/dockyard.yml: (file) (line 1): is inside \`.github\`, a symlink (to \`${outside}\`); Dockyard reads only files committed in the repository, never what a link points to. Commit the file itself.\n`,
    );

    await rm(path.join(dir, '.github'));
    await mkdir(path.join(dir, '.github'));
    await writeFile(configFile, config());
    await writeFile(path.join(outside, 'hadolint.yaml'), 'ignored: [DL3007]\n');
    await rm(path.join(dir, '.hadolint.yaml'));
    await symlink(path.join(outside, 'hadolint.yaml'), path.join(dir, '.hadolint.yaml'));
    const linkedHadolint = await expectFailure(['-C', dir, 'check'], 2);
    expect(linkedHadolint.stderr).toBe(
      `dockyard: Invalid config in .hadolint.yaml: (file) (line 1): is a symlink (to \`${outside}/hadolint.yaml\`); Dockyard reads only files committed in the repository, never what a link points to. Commit the file itself.\n`,
    );
  });

  it('refuses a symlinked config committed at the base ref', async () => {
    const dir = await copyOfCatalog();
    await writeFile(path.join(dir, 'real.yml'), config());
    await rm(path.join(dir, '.github/dockyard.yml'));
    await symlink('../real.yml', path.join(dir, '.github/dockyard.yml'));
    await commitAll(dir);

    const result = await expectFailure(['-C', dir, 'check', '--base', 'main'], 2);
    expect(result.stderr).toBe(
      'dockyard: Invalid config in .github/dockyard.yml: (file) (line 1): is a symlink (to `../real.yml`); Dockyard reads only files committed in the repository, never what a link points to. Commit the file itself.\n',
    );
  });

  it('says a missing catalog folder is a config problem, not an empty catalog', async () => {
    const dir = await copyOfCatalog();
    await rm(path.join(dir, 'images'), { recursive: true });

    const result = await expectFailure(['-C', dir, 'check'], 2);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `dockyard: catalog folder \`images/\` does not exist in ${dir}; set \`catalog:\` in .github/dockyard.yml to the folder that holds one sub-folder per image.\n`,
    });
    expect((await expectFailure(['-C', dir, 'plan'], 2)).stderr).toContain('catalog folder `images/` does not exist');
  });

  it('refuses a catalog folder that is a symlink', async () => {
    const dir = await copyOfCatalog();
    const outside = await tempDir('dockyard-outside-');
    await rm(path.join(dir, 'images'), { recursive: true });
    await symlink(outside, path.join(dir, 'images'));

    const result = await expectFailure(['-C', dir, 'check'], 2);
    expect(result.stderr).toBe(
      `dockyard: catalog folder \`images/\` in ${dir} is a symlink (to \`${outside}\`); Dockyard never follows a link out of the repository. Make it a real folder, or set \`catalog:\` in .github/dockyard.yml to one.\n`,
    );
  });

  it('reports an alias bomb in the config at its line, quickly', async () => {
    const dir = await copyOfCatalog();
    await writeFile(path.join(dir, '.github/dockyard.yml'), `${config()}${aliasBomb().replace(/^(\w):/gm, 'x-$1:')}`);

    const started = Date.now();
    const result = await expectFailure(['-C', dir, 'check'], 2);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.stderr).toBe(
      'dockyard: Invalid config in .github/dockyard.yml: (file) (line 7): its aliases (`*a`) expand to more than Dockyard reads (a YAML resource-exhaustion pattern); write the values out instead.\n',
    );
  });

  it('refuses an oversized config before parsing it', async () => {
    const dir = await copyOfCatalog();
    await writeFile(path.join(dir, '.github/dockyard.yml'), `${config()}${'# padding\n'.repeat(30_000)}`);

    const result = await expectFailure(['-C', dir, 'check'], 2);
    expect(result.stderr).toBe(
      'dockyard: Invalid config in .github/dockyard.yml: (file) (line 1): is 293 KiB, over the 256 KiB Dockyard reads of this file; keep only the settings Dockyard uses.\n',
    );
  });

  it('reports a config nested too deeply as invalid YAML', async () => {
    const dir = await copyOfCatalog();
    await writeFile(path.join(dir, '.github/dockyard.yml'), `${config()}x: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`);

    const result = await expectFailure(['-C', dir, 'check'], 2);
    expect(result.stderr).toMatch(/^dockyard: Invalid config in \.github\/dockyard\.yml: \(file\) \(line 6\): not valid YAML: /);
  });
});

describe('dockyard check on the command line', () => {
  it('says a --base ref does not exist', async () => {
    const dir = await copyOfCatalog();
    await commitAll(dir);

    const result = await expectFailure(['-C', dir, 'check', '--base', 'nope'], 2);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `dockyard: no such git ref \`nope\` in ${dir}; give --base a branch, tag or commit of that repository (fetch it first if it is remote).\n`,
    });
  });

  it('never hands a --base that looks like an option to git', async () => {
    const dir = await copyOfCatalog();
    await commitAll(dir);
    const written = path.join(dir, 'written-by-git');

    const result = await expectFailure(['-C', dir, 'check', `--base=--output=${written}`], 2);
    expect(result.stderr).toBe(
      `dockyard: no such git ref \`--output=${written}\` in ${dir}; give --base a branch, tag or commit of that repository (fetch it first if it is remote).\n`,
    );
    expect(existsSync(written)).toBe(false);
  });

  it('says --base needs a git repository', async () => {
    const dir = await copyOfCatalog();

    const result = await expectFailure(['-C', dir, 'check', '--base', 'main'], 2);
    expect(result.stderr).toBe(`dockyard: ${dir} is not a git repository, and --base names a git ref; run without --base, or in a clone.\n`);
  });

  it('says a -C folder does not exist', async () => {
    const missing = path.join(await tempDir(), 'missing');

    for (const args of [['check'], ['plan'], ['check', '--base', 'main']]) {
      const result = await expectFailure(['-C', missing, ...args], 2);
      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr: `dockyard: the folder \`${missing}\` does not exist; give -C a checkout of a catalog repository.\n`,
      });
    }
  });

  it('keeps the working tree config untouched', async () => {
    const dir = await copyOfCatalog();
    const before = await readFile(path.join(dir, '.github/dockyard.yml'), 'utf8');
    await run('-C', dir, 'check');
    expect(await readFile(path.join(dir, '.github/dockyard.yml'), 'utf8')).toBe(before);
  });
});
