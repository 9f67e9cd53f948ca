/**
 * `npm run peers`: vaults to try secretm's connections with, on 127.0.0.1, until Ctrl-C — moto (AWS
 * Secrets Manager), and OpenBao in dev mode with AppRole, its KV v2 mount and a database engine on a
 * throw-away PostgreSQL. Prints the `POST /v1/connections` lines to paste into a shell where the
 * README's `SM` and `auth` are set. Everything is in memory or in temporary folders, gone when it stops.
 *
 * stdout holds what to paste; stderr what it is doing, one line per step.
 */
import { type ConnectionBody, connectionBodies, curlLine } from './connection-bodies.ts';
import { type Moto, motoCredentials, startMotoServer } from './moto.ts';
import { type OpenBao, startOpenBao } from './openbao.ts';
import { setUpOpenBao } from './openbao-setup.ts';
import { type PostgresServer, startPostgres } from './postgresql.ts';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const say = (line: string) => process.stderr.write(`secretm peers: ${line}\n`);

const started: { stop(): Promise<void> }[] = [];
const stopAll = async () => {
  await Promise.allSettled(started.reverse().map((server) => server.stop()));
};
const keep = <T extends { stop(): Promise<void> }>(server: T): T => {
  started.push(server);
  return server;
};

let moto: Moto;
let bao: OpenBao;
let postgres: PostgresServer;
let bodies: ConnectionBody[];
try {
  say('starting moto, OpenBao (dev) and PostgreSQL on 127.0.0.1…');
  [moto, bao, postgres] = await Promise.all([
    startMotoServer().then(keep),
    startOpenBao().then(keep),
    startPostgres().then(keep),
  ]);
  say('setting up OpenBao: AppRole, a database engine on PostgreSQL, a policy for secretm…');
  const openBao = await setUpOpenBao({ address: bao.address, rootToken: bao.rootToken }, postgres);
  bodies = connectionBodies({
    motoEndpoint: moto.endpoint,
    motoCredentials,
    openBaoAddress: bao.address,
    openBao,
  });
} catch (error) {
  say(`could not start: ${String((error as Error)?.message ?? error).split('\n')[0]}`);
  await stopAll();
  process.exit(1);
}

console.log(`moto (AWS Secrets Manager)  ${moto.endpoint}
OpenBao (dev)               ${bao.address}   root token, for its CLI: ${bao.rootToken}
PostgreSQL                  ${postgres.host}:${postgres.port}   (OpenBao's database engine hands out its logins)

With secretm running (npm start) and SM and auth set as in the README, create the connections:
`);
for (const { title, body } of bodies) console.log(`# ${title}\n${curlLine(body)}\n`);
console.log(`Then test one with: curl -s "\${auth[@]}" -X POST "$SM/v1/connections/<id>/test"
Running until Ctrl-C; nothing is kept.`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    void stopAll().then(() => process.exit(0));
  });
}
