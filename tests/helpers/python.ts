/**
 * The Python the tests check exports with: Debian's, with python3-onnx, python3-pil and python3-numpy (npm test's
 * pretest step installs them there); a pyenv or venv python3 first on PATH may lack them. SIMCLR_PYTHON overrides.
 */
export const systemPython = process.env.SIMCLR_PYTHON ?? '/usr/bin/python3';

/**
 * A cluster job's train.py as a user starts it, in the job folder: Python itself for one process, torchrun
 * (`python3 -m torch.distributed.run`) for several. Debian 12's torchrun (PyTorch 1.13 on Python 3.11) cannot parse
 * its own default `--redirects 0`; `2` (stderr to a log, and teed) is the same here.
 */
export function trainerArgs(processes: number, args: string[]): string[] {
  const launcher = processes > 1 ? ['-m', 'torch.distributed.run', '--redirects', '2', '--tee', '2', `--nproc_per_node=${processes}`] : [];
  return [...launcher, 'train.py', ...args];
}
