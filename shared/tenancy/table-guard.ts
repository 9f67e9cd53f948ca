/**
 * A tenant's table client: every command is checked against the tenant's rules (table-access.ts)
 * before it is sent, the way IAM checks `dynamodb:LeadingKeys` for the tenant's AWS credentials. A
 * command the guard cannot read (a scan, an index query, an expression it does not understand) is
 * refused too: the guard fails closed.
 */
import {
  BatchGetItemCommand,
  GetItemCommand,
  QueryCommand as RawQueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { pkName } from '../store/keys.ts';
import { allows, denies, type LeadingKeyRule, type TableAction } from './table-access.ts';

/** A request outside the tenant's items: a bug in secretm, never an answer for a caller. */
export class TenantBoundaryError extends Error {
  override name = 'TenantBoundaryError';
}

type Input = Record<string, unknown>;
interface Check {
  action: TableAction;
  leadingKeys: string[];
}

export function guardedTableClient(
  client: DynamoDBDocumentClient,
  rules: readonly LeadingKeyRule[],
  /** Refused even where `rules` allow (a deny wins, as in IAM). */
  denials: readonly LeadingKeyRule[] = [],
): DynamoDBDocumentClient {
  const send = ((command: { input: Input }, ...rest: unknown[]) => {
    for (const check of checksOf(command)) {
      if (
        !allows(rules, check.action, check.leadingKeys) ||
        denies(denials, check.action, check.leadingKeys)
      ) {
        return Promise.reject(
          new TenantBoundaryError(
            `${check.action} on ${check.leadingKeys.join(', ') || 'no partition key'} is outside this tenant's items`,
          ),
        );
      }
    }
    return (client.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
  }) as DynamoDBDocumentClient['send'];
  return new Proxy(client, {
    get: (target, property, receiver) =>
      property === 'send' ? send : Reflect.get(target, property, receiver),
  });
}

const pkOf = (key: unknown): string[] => {
  const value = (key as Input | undefined)?.[pkName];
  return typeof value === 'string' ? [value] : [];
};

/** What IAM would authorise for a command: an action per item, with its leading keys. */
export function checksOf(command: { input: Input }): Check[] {
  const { input } = command;
  switch (true) {
    case command instanceof GetCommand:
    case command instanceof GetItemCommand:
      return [{ action: 'GetItem', leadingKeys: pkOf(rawOrNative(input.Key)) }];
    case command instanceof PutCommand:
      return [{ action: 'PutItem', leadingKeys: pkOf(input.Item) }];
    case command instanceof UpdateCommand:
    case command instanceof UpdateItemCommand:
      return [{ action: 'UpdateItem', leadingKeys: pkOf(rawOrNative(input.Key)) }];
    case command instanceof DeleteCommand:
      return [{ action: 'DeleteItem', leadingKeys: pkOf(input.Key) }];
    case command instanceof QueryCommand:
    case command instanceof RawQueryCommand:
      return [{ action: 'Query', leadingKeys: input.IndexName ? [] : queriedPartition(input) }];
    case command instanceof BatchGetCommand:
    case command instanceof BatchGetItemCommand:
      return [
        { action: 'BatchGetItem', leadingKeys: batchKeys(input, (request) => (request as Input).Keys) },
      ];
    case command instanceof BatchWriteCommand:
      return [
        {
          action: 'BatchWriteItem',
          leadingKeys: batchKeys(input, (requests) =>
            (requests as Input[]).map(
              (request) =>
                (request.PutRequest as Input | undefined)?.Item ??
                (request.DeleteRequest as Input | undefined)?.Key,
            ),
          ),
        },
      ];
    case command instanceof TransactWriteCommand:
      return ((input.TransactItems as Input[] | undefined) ?? []).map((item) => {
        if (item.Put) return { action: 'PutItem', leadingKeys: pkOf((item.Put as Input).Item) };
        if (item.Update) return { action: 'UpdateItem', leadingKeys: pkOf((item.Update as Input).Key) };
        if (item.Delete) return { action: 'DeleteItem', leadingKeys: pkOf((item.Delete as Input).Key) };
        if (item.ConditionCheck) {
          return { action: 'ConditionCheckItem', leadingKeys: pkOf((item.ConditionCheck as Input).Key) };
        }
        return { action: 'PutItem', leadingKeys: [] };
      });
    default:
      // Scans, table management, anything else: no tenant request needs them.
      return [{ action: 'GetItem', leadingKeys: [] }];
  }
}

/** Keys of the low-level client (`{ pk: { S: … } }`) as plain values; document-client keys as they are. */
function rawOrNative(key: unknown): Input | undefined {
  if (!key || typeof key !== 'object') return undefined;
  const value = (key as Input)[pkName];
  if (value && typeof value === 'object' && typeof (value as Input).S === 'string') {
    return { [pkName]: (value as Input).S };
  }
  return key as Input;
}

/** The partition key value of `#pk = :pk` at the start of a key condition; none when unreadable. */
function queriedPartition(input: Input): string[] {
  const expression = typeof input.KeyConditionExpression === 'string' ? input.KeyConditionExpression : '';
  const match = /^\s*(#?\w+)\s*=\s*(:\w+)\s*(?:AND\s|$)/i.exec(expression);
  if (!match) return [];
  const [, nameRef = '', valueRef = ''] = match;
  const names = (input.ExpressionAttributeNames as Record<string, string> | undefined) ?? {};
  const attribute = nameRef.startsWith('#') ? names[nameRef] : nameRef;
  const bound = (input.ExpressionAttributeValues as Input | undefined)?.[valueRef];
  // A document-client value is the string itself; a low-level one is `{ S: … }`.
  const value = typeof bound === 'object' && bound !== null ? (bound as Input).S : bound;
  return attribute === pkName && typeof value === 'string' ? [value] : [];
}

function batchKeys(input: Input, keysOf: (request: unknown) => unknown): string[] {
  const requests = Object.values((input.RequestItems as Input | undefined) ?? {});
  const keys = requests.flatMap((request) => {
    const found = keysOf(request);
    return Array.isArray(found) ? found : [];
  });
  const leading = keys.flatMap((key) => pkOf(rawOrNative(key)));
  return leading.length === keys.length ? leading : [];
}
