/**
 * A binding: the names a service needs (`DB_PASSWORD`), each mapped to a stored secret and key, so
 * the service asks for its binding and gets a ready environment, or files. The layer reads the same
 * item (`pk=T#<tenant>`, `sk=B#<service>`).
 */
export interface BindingEntry {
  /**
   * The environment variable (env secrets), or the entry's own name (file secrets: the file keeps the
   * secret's `filename`).
   */
  name: string;
  secret: string;
  /** The key of an env secret; absent for a file secret, which is delivered as a file. */
  key?: string;
  /** The directory the file is mounted in; defaults to the file secret's own mount path. */
  mountPath?: string;
}

export interface BindingRecord {
  tenant: string;
  service: string;
  entries: BindingEntry[];
  description?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

export interface ResolvedFile {
  /** The binding entry's name. */
  name: string;
  /** The directory it is mounted in. */
  mountPath: string;
  /** The file's own name in that directory (the secret's `filename`). */
  filename: string;
  mode?: string;
  encoding: 'utf8' | 'base64';
  content: string;
}

export interface ResolvedBinding {
  service: string;
  env: Record<string, string>;
  files: ResolvedFile[];
}
