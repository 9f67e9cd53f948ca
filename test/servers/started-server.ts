import type { ProvidedContext } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** DynamoDB Local, e.g. http://127.0.0.1:41234 */
    dynamodbEndpoint: string;
    /** moto in server mode (Secrets Manager, STS, KMS), e.g. http://127.0.0.1:41235 */
    motoEndpoint: string;
    /** OpenBao dev server (the HashiCorp Vault API), e.g. http://127.0.0.1:41236 */
    openbaoAddress: string;
    /** its root token, for test set-up only (mounts, policies, AppRole) */
    openbaoRootToken: string;
    /** a throwaway PostgreSQL cluster on 127.0.0.1, with a password superuser */
    postgresHost: string;
    postgresPort: number;
    postgresUser: string;
    postgresPassword: string;
    postgresDatabase: string;
    /** postgresql://user:password@127.0.0.1:port/database */
    postgresUrl: string;
  }
}

/** A live test server: what it provides to the tests (endpoints, credentials), and how to stop it. */
export interface StartedServer {
  provided: Partial<ProvidedContext>;
  stop(): Promise<void>;
}
