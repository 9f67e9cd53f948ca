// A minimal handler on Powertools for AWS Lambda (Parameters).
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

export const handler = async () => getSecret(process.env.BENCH_SECRET!);
