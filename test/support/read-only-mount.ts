/**
 * Runs a command with `dir` bind-mounted read-only over itself, in a private mount namespace
 * (`unshare -m`, so nothing outside the command sees the mount, and it ends with the command).
 * Tests run as root, for whom chmod does not make a folder unwritable; a read-only mount does
 * (EROFS). The script first proves the mount refuses a new file, so a launcher that silently failed
 * to make it read-only fails the test instead of passing it. Linux only; needs CAP_SYS_ADMIN (root).
 */
export function readOnlyMount(dir: string): string[] {
  const script = [
    'mount --bind "$1" "$1"',
    'mount -o remount,bind,ro "$1"',
    'if touch "$1/.kfm-probe" 2>/dev/null; then echo "$1 is still writable" >&2; exit 97; fi',
    'shift',
    'exec "$@"',
  ].join(' && ');
  return ['unshare', '-m', 'sh', '-c', script, 'sh', dir];
}
