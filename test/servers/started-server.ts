import type { ProvidedContext } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** DynamoDB Local, e.g. http://127.0.0.1:41234 */
    dynamodbEndpoint: string;
    /** moto in server mode (Secrets Manager, STS, KMS), e.g. http://127.0.0.1:41235 */
    motoEndpoint: string;
  }
}

/** A live test server: what it provides to the tests (endpoints, credentials), and how to stop it. */
export interface StartedServer {
  provided: Partial<ProvidedContext>;
  stop(): Promise<void>;
}
