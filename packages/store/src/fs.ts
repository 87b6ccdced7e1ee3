/**
 * The file operations the store performs, behind a small interface so tests
 * can inject faults (ENOSPC, EIO, a slow fdatasync) without touching the real
 * disk. Positional I/O on file descriptors: Node has no mmap, and pread/pwrite
 * on the libuv thread pool keep the event loop free.
 */
import * as fs from 'node:fs';

/** An open file. Offsets are absolute positions in the file. */
export interface StoreFile {
  readonly path: string;
  /** Writes `length` bytes from `buffer[offset]` at `position`; resolves with the bytes written (may be short). */
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** Writes several buffers back to back at `position`; resolves with the bytes written (may be short). */
  writev(buffers: readonly Buffer[], position: number): Promise<number>;
  /** Reads up to `length` bytes into `buffer[offset]` from `position`; resolves with the bytes read. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  datasync(): Promise<void>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export interface StoreFsStat {
  readonly size: number;
  readonly mtimeMs: number;
  readonly isDirectory: boolean;
}

export interface StoreFsSpace {
  /** Bytes in the file system. */
  readonly total: number;
  /** Bytes free. */
  readonly free: number;
  /** Bytes free to an unprivileged user. */
  readonly available: number;
}

/** The file system the store uses. */
export interface StoreFs {
  /** 'r+' opens an existing file read-write; 'w+' creates or truncates; 'wx+' creates, failing if it exists; 'r' reads. */
  open(path: string, flags: 'r' | 'r+' | 'w+' | 'wx+'): Promise<StoreFile>;
  stat(path: string): Promise<StoreFsStat | undefined>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Removes a directory tree (no error if missing). */
  rmrf(path: string): Promise<void>;
  /** fsync on a directory, so a rename or a new file survives a power cut. */
  syncDir(path: string): Promise<void>;
  readFile(path: string): Promise<Buffer | undefined>;
  statfs(path: string): Promise<StoreFsSpace>;
}

function cbToPromise<T>(fn: (cb: (err: NodeJS.ErrnoException | null, v: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    fn((err, v) => (err ? reject(err) : resolve(v)));
  });
}

class NodeStoreFile implements StoreFile {
  constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  write(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return new Promise((resolve, reject) => {
      fs.write(this.fd, buffer, offset, length, position, (err, n) => (err ? reject(err) : resolve(n)));
    });
  }

  writev(buffers: readonly Buffer[], position: number): Promise<number> {
    return new Promise((resolve, reject) => {
      fs.writev(this.fd, buffers as Buffer[], position, (err, n) => (err ? reject(err) : resolve(n)));
    });
  }

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return new Promise((resolve, reject) => {
      fs.read(this.fd, buffer, offset, length, position, (err, n) => (err ? reject(err) : resolve(n)));
    });
  }

  datasync(): Promise<void> {
    return new Promise((resolve, reject) => fs.fdatasync(this.fd, (err) => (err ? reject(err) : resolve())));
  }

  sync(): Promise<void> {
    return new Promise((resolve, reject) => fs.fsync(this.fd, (err) => (err ? reject(err) : resolve())));
  }

  truncate(length: number): Promise<void> {
    return new Promise((resolve, reject) => fs.ftruncate(this.fd, length, (err) => (err ? reject(err) : resolve())));
  }

  size(): Promise<number> {
    return cbToPromise<fs.Stats>((cb) => fs.fstat(this.fd, cb)).then((s) => s.size);
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => fs.close(this.fd, (err) => (err ? reject(err) : resolve())));
  }
}

/** The real file system. */
export const nodeStoreFs: StoreFs = {
  async open(path, flags) {
    const fd = await cbToPromise<number>((cb) => fs.open(path, flags, 0o644, cb));
    return new NodeStoreFile(path, fd);
  },
  async stat(path) {
    try {
      const s = await fs.promises.stat(path);
      return { size: s.size, mtimeMs: s.mtimeMs, isDirectory: s.isDirectory() };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  },
  async readdir(path) {
    try {
      return await fs.promises.readdir(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  },
  async mkdir(path) {
    await fs.promises.mkdir(path, { recursive: true });
  },
  async unlink(path) {
    try {
      await fs.promises.unlink(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  },
  rename(from, to) {
    return fs.promises.rename(from, to);
  },
  rmrf(path) {
    return fs.promises.rm(path, { recursive: true, force: true });
  },
  async syncDir(path) {
    const fd = await cbToPromise<number>((cb) => fs.open(path, 'r', cb));
    try {
      await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
    } finally {
      await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
    }
  },
  async readFile(path) {
    try {
      return await fs.promises.readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  },
  async statfs(path) {
    const s = await fs.promises.statfs(path);
    return { total: s.blocks * s.bsize, free: s.bfree * s.bsize, available: s.bavail * s.bsize };
  },
};

/** Writes all of `length` bytes, looping over short writes. Resolves with what was written before an error, rejecting with it attached. */
export async function writeFully(file: StoreFile, buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    let n: number;
    try {
      n = await file.write(buffer, offset + done, length - done, position + done);
    } catch (err) {
      (err as { bytesWritten?: number }).bytesWritten = done;
      throw err;
    }
    if (n <= 0) {
      const err = new Error(`write of ${length} bytes to ${file.path} made no progress`) as NodeJS.ErrnoException;
      err.code = 'EIO';
      (err as { bytesWritten?: number }).bytesWritten = done;
      throw err;
    }
    done += n;
  }
}

/** Reads until `length` bytes or end of file; resolves with the bytes read. */
export async function readFully(file: StoreFile, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await file.read(buffer, offset + done, length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  return done;
}

/** Errno code of an error, if any. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for the errors a full disk produces. */
export function isDiskFullError(err: unknown): boolean {
  const code = errnoOf(err);
  return code === 'ENOSPC' || code === 'EDQUOT';
}
