/**
 * The PyTorch trainer a cluster job ships with (resources/cluster: train.py and the simclr_job package). It is
 * found by walking up from this module, which sits at different depths in the sources, the build and the
 * packaged app.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export function trainerSourceDir(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(folder, 'resources', 'cluster');
    if (existsSync(join(candidate, 'train.py'))) return candidate;
    const parent = dirname(folder);
    if (parent === folder) throw new Error('the PyTorch trainer (resources/cluster/train.py) is missing from this installation');
    folder = parent;
  }
}

/** Copies train.py and the simclr_job package into the job folder; returns the copied paths, relative to it. */
export async function copyTrainer(jobDir: string): Promise<string[]> {
  const source = trainerSourceDir();
  const copied: string[] = [];
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const from = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '__pycache__') await walk(from);
      } else if (entry.name.endsWith('.py')) {
        const to = join(jobDir, relative(source, from));
        await mkdir(dirname(to), { recursive: true });
        await copyFile(from, to);
        copied.push(relative(source, from));
      }
    }
  };
  await walk(source);
  return copied.sort();
}
