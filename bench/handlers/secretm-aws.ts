// A minimal handler on secretm/aws, the AWS-only entry point.
import { getSecret } from '../../layers/secretm/src/aws-only.ts';

export const handler = async () => getSecret(process.env.BENCH_SECRET!);
