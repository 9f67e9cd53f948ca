/**
 * Serves the built console (console/dist) at `/`, same origin as the API, through the module the
 * deployment's console function answers with too (functions/console/console-site.ts): the same paths,
 * the same strict Content-Security-Policy and cache headers, only the files the build wrote (listed
 * once, so no path from a request ever reaches the file system). `/v1/…` is never touched. Without a
 * build, `/` says how to make one.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import {
  answerConsole,
  type ConsoleBuild,
  isConsoleRequest,
  readConsoleBuild,
} from '../functions/console/console-site.ts';

export { consoleCsp } from '../functions/console/console-site.ts';

export const defaultConsoleDir = fileURLToPath(new URL('../console/dist/', import.meta.url));

/**
 * Answers a console request and returns true, or returns false for anything else (the API's requests,
 * and files the build did not write, which the API answers 404).
 * The build is read on the first console request, and again while there is none, so building after
 * start works; no other request touches the file system here.
 */
export function createConsoleAssets(dir: string = defaultConsoleDir) {
  let build: ConsoleBuild | undefined;
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!;
    if (!isConsoleRequest(method, path)) return false;
    build ??= readConsoleBuild(dir);
    const answer = answerConsole(build, {
      method,
      path,
      acceptEncoding: header(req, 'accept-encoding'),
      ifNoneMatch: header(req, 'if-none-match'),
    });
    if (!answer) return false;
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
    return true;
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
