/**
 * DynamoDB Local has no option to choose the address it listens on: it binds every interface.
 * LoopbackServerRunner.java starts it with its connector bound to 127.0.0.1. It is compiled once with
 * the machine's javac against the installed jar, and the class is cached under .cache/ (keyed by the
 * source and the DynamoDB Local folder), so later starts cost nothing. Without a javac (a Java runtime
 * but no JDK) or when the jar's classes no longer fit, the caller is told why and starts the jar as is.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const sourcePath = fileURLToPath(new URL('LoopbackServerRunner.java', import.meta.url));
export const launcherClass = 'LoopbackServerRunner';

export type Launcher =
  /** Run `java -cp <classPath> LoopbackServerRunner <DynamoDB Local's options>`. */
  | { loopbackOnly: true; classPath: string }
  /** Run the jar itself, which listens on every interface, because of `reason`. */
  | { loopbackOnly: false; reason: string };

const built = new Map<string, Promise<Launcher>>();

/** The launcher for the DynamoDB Local installed in `dynamoDir`; built at most once per process. */
export function loopbackLauncher(dynamoDir: string): Promise<Launcher> {
  let launcher = built.get(dynamoDir);
  if (!launcher) {
    launcher = buildLauncher({ dynamoDir, cacheDir: join(repoRoot, '.cache', 'dynamodb-local-loopback') });
    built.set(dynamoDir, launcher);
  }
  return launcher;
}

export interface LauncherBuild {
  dynamoDir: string;
  /** Where compiled launchers are kept, one folder per source and DynamoDB Local. */
  cacheDir: string;
  /** The compiler (tests name one that is absent). */
  javac?: string;
}

/** The class path of DynamoDB Local's jar and its libraries. */
export function dynamoDbLocalClassPath(dynamoDir: string): string {
  return [join(dynamoDir, 'DynamoDBLocal.jar'), join(dynamoDir, 'DynamoDBLocal_lib', '*')].join(':');
}

/** Reuses the cached class, or compiles it; says why not when it cannot. */
export async function buildLauncher({
  dynamoDir,
  cacheDir,
  javac = 'javac',
}: LauncherBuild): Promise<Launcher> {
  const source = await readFile(sourcePath);
  const key = createHash('sha256').update(source).update('\0').update(resolve(dynamoDir)).digest('hex');
  const classDir = join(cacheDir, key.slice(0, 32));
  const launcher: Launcher = {
    loopbackOnly: true,
    classPath: `${classDir}:${dynamoDbLocalClassPath(dynamoDir)}`,
  };
  if (await exists(join(classDir, `${launcherClass}.class`))) return launcher;

  // Compiled beside its final place, then renamed, so a concurrent start never sees half a build.
  await mkdir(cacheDir, { recursive: true });
  const temp = `${classDir}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await run(
      javac,
      ['--release', '11', '-nowarn', '-cp', dynamoDbLocalClassPath(dynamoDir), '-d', temp, sourcePath],
      { timeout: 120_000 },
    );
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    return { loopbackOnly: false, reason: compileFailure(error) };
  }
  try {
    await rename(temp, classDir);
  } catch {
    // Another process published the same build first.
    await rm(temp, { recursive: true, force: true });
  }
  return launcher;
}

function compileFailure(error: unknown): string {
  const failed = error as { code?: unknown; stderr?: unknown };
  if (failed.code === 'ENOENT') {
    return 'there is no javac to build its loopback launcher (install a JDK, e.g. openjdk-17-jdk-headless)';
  }
  const firstLine = String(failed.stderr ?? error)
    .split('\n')
    .find((line) => line.trim() !== '');
  return `its loopback launcher did not compile against this DynamoDB Local (${firstLine ?? 'javac failed'})`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
