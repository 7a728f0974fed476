// Describes the machine a run happened on, for the printed header and the JSON.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpuModel: string;
  cores: number;
  availableParallelism: number;
  memoryGiB: number;
  node: string;
  os: string;
  arch: string;
  loadAverage: number[];
  cgroupCpuLimit?: string;
  git?: { commit: string; dirty: boolean };
}

function cgroupCpuLimit(): string | undefined {
  for (const path of ['/sys/fs/cgroup/cpu.max', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us']) {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch {
      // not there
    }
  }
  return undefined;
}

function git(cwd: string): Machine['git'] {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', timeout: 5000 }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bench'], { cwd, encoding: 'utf8', timeout: 5000 });
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return undefined;
  }
}

export function describeMachine(repoRoot: string): Machine {
  const cpus = os.cpus();
  const limit = cgroupCpuLimit();
  const g = git(repoRoot);
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    availableParallelism: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.platform()})`,
    arch: os.arch(),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    ...(limit ? { cgroupCpuLimit: limit } : {}),
    ...(g ? { git: g } : {}),
  };
}

export function formatMachine(m: Machine): string {
  return [
    `machine: ${m.cpuModel}, ${m.cores} cores (available parallelism ${m.availableParallelism}), ${m.memoryGiB} GiB memory`,
    `         Node ${m.node}, ${m.os}, ${m.arch}; load average ${m.loadAverage.join(' ')}` +
      (m.cgroupCpuLimit ? `; cgroup CPU limit ${m.cgroupCpuLimit}` : ''),
    m.git ? `         git ${m.git.commit.slice(0, 12)}${m.git.dirty ? ' (src/ or bench/ modified)' : ''}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}
