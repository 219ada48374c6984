import { readFileSync } from 'node:fs';

/**
 * This process's peak RSS in MB. Not `process.resourceUsage().maxRSS`: ru_maxrss survives execve, so
 * a child spawned by a large parent reports the parent's peak (a 300 MB parent made a 40 MB child
 * report 304 MB here). VmHWM belongs to the process image alone; maxRSS is the fallback off Linux.
 */
export function peakRssMb(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match !== null) return Number(match[1]) / 1024;
  } catch {
    // No procfs: fall through to the portable figure.
  }
  return process.resourceUsage().maxRSS / 1024;
}
