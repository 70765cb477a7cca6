// Reads an `strace -f -e trace=%file` log for attempts to change the file system: what a read-only root file system
// (readOnlyRootFilesystem in Kubernetes) would refuse. Failed attempts count too: the code tried, and would fail there.

/** Calls that change the file system whatever their flags. */
const changing = new Set(['creat', 'mkdir', 'mkdirat', 'mknod', 'mknodat', 'rename', 'renameat', 'renameat2', 'unlink',
  'unlinkat', 'rmdir', 'link', 'linkat', 'symlink', 'symlinkat', 'truncate', 'chmod', 'fchmodat', 'chown', 'lchown',
  'fchownat', 'utime', 'utimes', 'utimensat', 'futimesat', 'setxattr', 'lsetxattr', 'removexattr', 'lremovexattr'])

const opening = new Set(['open', 'openat', 'openat2'])
const writeFlags = /\bO_(WRONLY|RDWR|CREAT|TRUNC|APPEND)\b/

/** Devices and the kernel's views are not the root file system. */
const outsideRootFs = /^"\/(dev|proc|sys)\//

/** One line per attempt to write, create, rename or remove a file. */
export function writesIn (trace: string): string[] {
  const found: string[] = []
  for (const line of trace.split('\n')) {
    const call = /^\d+\s+([a-z0-9_]+)\((.*)$/.exec(line)
    if (call === null) continue
    const [, name, args] = call
    const path = /"(?:[^"\\]|\\.)*"/.exec(args)?.[0] ?? ''
    if (outsideRootFs.test(path)) continue
    if (changing.has(name) || (opening.has(name) && writeFlags.test(args))) found.push(line)
  }
  return found
}
