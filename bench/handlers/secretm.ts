// A minimal handler on the secretm layer: reads BENCH_SECRET (an AWS name, vault:// or azure://).
import { getSecret } from '../../layers/secretm/src/index.ts';

export const handler = async () => getSecret(process.env.BENCH_SECRET!);
