export const chromiumPathVariables: string[];
export const debianTestPackages: string[];
export const chromiumLaunchArgs: string[];
export const noChromiumSentence: string;
export function playwrightChromiumPath(): string | null;
export interface FoundChromium {
  path: string;
  source: string;
}
export function findChromium(machine?: {
  env?: Record<string, string | undefined>;
  platform?: string;
  exists?: (path: string) => boolean;
  playwrightPath?: () => string | null;
}): FoundChromium | null;
export interface InstallPlan {
  tool: 'apt-get' | 'playwright';
  packages: string[];
}
export function installPlan(machine: Machine): InstallPlan | null;
export function missingDebianPackages(): string[];
export function isDebianLike(): boolean;
export function namedChromium(env?: Record<string, string | undefined>): { name: string; path: string } | null;
export interface Machine {
  platform: string;
  isRoot: boolean;
  hasApt: boolean;
  needBrowser: boolean;
  missingPackages: string[];
}
export function describeMachine(needBrowser: boolean): Machine;
export function runInstallPlan(plan: InstallPlan): { ok: boolean; log: string };
export function ensureChromium(dependencies?: {
  env?: Record<string, string | undefined>;
  find?: () => FoundChromium | null;
  machine?: (needBrowser: boolean) => Machine;
  install?: (plan: InstallPlan) => { ok: boolean; log: string };
  out?: (line: string) => void;
  err?: (line: string) => void;
}): number;
