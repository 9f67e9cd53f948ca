/**
 * `url` for the browser build. The API's dotenv parser (shared/secrets/dotenv.ts) runs in the console
 * too; the dotenv package reads `URL` and `fileURLToPath` from Node's `url` when it loads, although
 * `parse` never uses them. The browser has `URL`; reading files is not the console's business.
 */
export const URL = globalThis.URL;
export function fileURLToPath(): never {
  throw new Error('fileURLToPath is not available in the console');
}
export default { URL, fileURLToPath };
