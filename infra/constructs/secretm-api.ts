/**
 * An HTTP API whose routes are the route table's (functions/routes.ts), each integrated with its
 * family's function; an authorizer, when given, guards every route that needs a scope. What the table
 * does not match reaches the functions too (`ANY` per path, and `$default`), so they answer 405 and 404
 * as in local mode. One `$default` stage with throttling and JSON access logs (no headers, no bodies).
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { consoleRoutes } from '../../functions/console/console-site.ts';
import type { Route, RouteFamily } from '../../functions/http/route.ts';
import { acknowledge } from './nag.ts';

export type ApiRoute = Pick<Route, 'method' | 'path' | 'scope' | 'family' | 'operationId'>;

export interface SecretmApiProps {
  apiName: string;
  description: string;
  routes: readonly ApiRoute[];
  functions: Record<RouteFamily, lambda.IFunction>;
  /** Guards every route with a scope; public routes (scope null) never have one. */
  authorizer?: apigw.IHttpRouteAuthorizer;
  throttle: { rateLimit: number; burstLimit: number };
  logRetention: logs.RetentionDays;
  /** Encrypts the access logs (SecretmData.operationsKey). */
  logEncryptionKey: kms.IKey;
  removalPolicy: RemovalPolicy;
}

export class SecretmApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  readonly routes: apigw.HttpRoute[] = [];
  /** `ANY <path>` for each path of the table a method is missing from, and `$default`. */
  readonly unmatchedRoutes: apigw.HttpRoute[] = [];
  /** The web console's routes (`serveConsole`): `GET`/`HEAD` `/` and `/assets/{file}`. */
  readonly consoleRoutes: apigw.HttpRoute[] = [];

  constructor(scope: Construct, id: string, props: SecretmApiProps) {
    super(scope, id);
    this.httpApi = new apigw.HttpApi(this, 'Api', {
      apiName: props.apiName,
      description: props.description,
      createDefaultStage: false,
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: props.removalPolicy,
    });
    this.stage = new apigw.HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(accessLogFields)),
      },
    });

    // One integration per function; its invoke permission covers this API's routes at once, so a
    // function's resource policy does not grow with the number of routes.
    const integrations = new Map<RouteFamily, HttpLambdaIntegration>();
    const integrationOf = (family: RouteFamily) => {
      let integration = integrations.get(family);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${family}-integration`, props.functions[family], {
          scopePermissionToRoute: false,
        });
        integrations.set(family, integration);
      }
      return integration;
    };

    const none = new apigw.HttpNoneAuthorizer();
    for (const route of props.routes) {
      const authorizer = route.scope ? props.authorizer : undefined;
      const httpRoute = new apigw.HttpRoute(this, route.operationId, {
        httpApi: this.httpApi,
        routeKey: apigw.HttpRouteKey.with(route.path, apigw.HttpMethod[route.method]),
        integration: integrationOf(route.family),
        authorizer: authorizer ?? none,
      });
      if (!authorizer) {
        acknowledge(
          httpRoute,
          'AwsSolutions-APIG4',
          route.scope
            ? 'authorised by the function: API Gateway cannot verify secretm API keys, so the handler ' +
                "authenticates the Authorization: Bearer key (hashed lookup) and checks the route's scope " +
                'before anything else, answering 401/403 otherwise'
            : 'public by design: liveness and the OpenAPI document, no tenant data',
        );
      }
      this.routes.push(httpRoute);
    }

    // What no route of the table matches reaches the functions too, so AWS answers as local mode does
    // (functions/http/api-handler.ts): a wrong method on a known path 405 with `Allow`, anything else
    // 404, each with secretm's error body and request id; API Gateway would answer both itself, 404
    // without `Allow`. A method a path lacks goes to the family that serves the path (`ANY <path>`:
    // API Gateway prefers a route with the request's method), since only that function knows the
    // path's methods; an unknown path to `$default`, on the system family's function, which touches
    // nothing. Neither authenticates: the handler answers before it would (405/404 name no data).
    for (const [path, family] of catchAllPaths(props.routes)) {
      const route = new apigw.HttpRoute(this, `Any${path.replace(/[^A-Za-z0-9]+/g, '-')}`, {
        httpApi: this.httpApi,
        routeKey: apigw.HttpRouteKey.with(path, apigw.HttpMethod.ANY),
        integration: integrationOf(family),
        authorizer: none,
      });
      acknowledge(route, 'AwsSolutions-APIG4', unmatchedReason);
      this.unmatchedRoutes.push(route);
    }
    const fallback = new apigw.HttpRoute(this, 'Unmatched', {
      httpApi: this.httpApi,
      routeKey: apigw.HttpRouteKey.DEFAULT,
      integration: integrationOf(unmatchedFamily),
      authorizer: none,
    });
    acknowledge(fallback, 'AwsSolutions-APIG4', unmatchedReason);
    this.unmatchedRoutes.push(fallback);
  }

  /**
   * Serves the web console on this API's own origin: `GET` and `HEAD` of `/` and `/assets/{file}`
   * (functions/console/console-site.ts lists them for local mode too), on `fn`, with no authorizer.
   */
  serveConsole(fn: lambda.IFunction): void {
    const integration = new HttpLambdaIntegration('console-integration', fn, {
      scopePermissionToRoute: false,
    });
    for (const { method, path } of consoleRoutes) {
      const route = new apigw.HttpRoute(this, `Console-${method}${path.replace(/[^A-Za-z0-9]+/g, '-')}`, {
        httpApi: this.httpApi,
        routeKey: apigw.HttpRouteKey.with(path, apigw.HttpMethod[method]),
        integration,
        authorizer: new apigw.HttpNoneAuthorizer(),
      });
      acknowledge(
        route,
        'AwsSolutions-APIG4',
        'public by design: the web console’s own files (index.html and its hashed scripts and styles), ' +
          'which hold no secret and no tenant data; every API call the console makes carries the key ' +
          'signed in with, and the API authenticates it',
      );
      this.consoleRoutes.push(route);
    }
  }

  /** The stage's URL (`https://<id>.execute-api.<region>.amazonaws.com/`). */
  get url(): string {
    return this.stage.url;
  }
}

/** The family whose function answers what matches no path of the table: it needs no access to anything. */
export const unmatchedFamily: RouteFamily = 'system';

const unmatchedReason =
  'matches only what the route table does not: the function answers 405 with Allow, or 404, before it ' +
  'would authenticate, and reaches no data';

/**
 * The paths that get an `ANY` route, each with the family that serves it. A path that is more literal
 * than another it overlaps (`/v1/secrets/import` and `/v1/secrets/{name}`) gets none: requests for it
 * with a method it lacks are the other path's (local mode routes them so too), whose own `ANY` route
 * catches what neither serves. One path, one family: the `Allow` a function answers lists its own routes.
 */
export function catchAllPaths(routes: readonly ApiRoute[]): Map<string, RouteFamily> {
  const families = new Map<string, RouteFamily>();
  for (const route of routes) {
    const known = families.get(route.path);
    if (known !== undefined && known !== route.family) {
      throw new Error(
        `${route.path} is served by two families (${known}, ${route.family}): a path's methods belong to one function`,
      );
    }
    families.set(route.path, route.family);
  }
  const paths = [...families.keys()];
  for (const path of paths) {
    if (paths.some((other) => other !== path && moreLiteral(path, other))) families.delete(path);
  }
  return families;
}

const isVariable = (segment: string) => /^\{\w+\+?\}$/.test(segment);

/** Whether some request path matches both `a` and `b`, `a` naming a segment literally where `b` has a variable. */
export function moreLiteral(a: string, b: string): boolean {
  const left = a.split('/');
  const right = b.split('/');
  if (left.length !== right.length) return false;
  const overlap = left.every(
    (segment, i) => segment === right[i] || isVariable(segment) || isVariable(right[i]!),
  );
  return overlap && left.some((segment, i) => !isVariable(segment) && isVariable(right[i]!));
}

/** Who called what, and how it went; never a header, a query string or a body. */
const accessLogFields = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
};
