/**
 * The DynamoDB document client every store uses. In Lambda only the region is passed (credentials come
 * from the execution role); local mode and tests pass DynamoDB Local's endpoint and dummy credentials.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DocumentClientOptions {
  region: string;
  endpoint?: string;
  credentials?: DynamoDBClientConfig['credentials'];
}

export function createDocumentClient(options: DocumentClientOptions): DynamoDBDocumentClient {
  const config: DynamoDBClientConfig = { region: options.region };
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** What every store factory receives. */
export interface StoreDeps {
  client: DynamoDBDocumentClient;
  tableName: string;
}
