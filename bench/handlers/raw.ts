// A minimal handler calling GetSecretValue with the AWS SDK, no cache.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const client = new SecretsManagerClient({});

export const handler = async () =>
  (await client.send(new GetSecretValueCommand({ SecretId: process.env.BENCH_SECRET! }))).SecretString;
