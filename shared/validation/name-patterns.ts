/**
 * The patterns of identifiers secretm accepts, as plain regular expressions with no dependency:
 * names.ts builds its zod schemas on them, and code that must stay small (the Lambda layer) imports
 * them from here, since importing names.ts runs its zod schema definitions and so bundles all of zod
 * (some 440 KiB minified), whatever is used.
 */

/**
 * Secret names are paths (`payments/prod/db`), as AWS Secrets Manager names and Vault paths are:
 * segments of A–Z a–z 0–9 . _ -, each starting with a letter or digit (so no `.`, `..` or empty
 * segment), separated by `/`, 1–128 characters in all. In a route the name is one path parameter,
 * its `/` percent-encoded (`payments%2Fprod%2Fdb`).
 */
export const secretNamePattern = /^(?=.{1,128}$)[A-Za-z0-9][A-Za-z0-9._-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;
export const maxSecretNameLength = 128;
export const tenantPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Environment variable names, as shells and container runtimes accept them. */
export const envKeyPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
