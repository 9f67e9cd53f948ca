/**
 * An HTTP API whose routes are the route table's (functions/routes.ts), each integrated with its
 * family's function; an authorizer, when given, guards every route that needs a scope. One `$default`
 * stage with throttling and JSON access logs (no headers, no bodies).
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
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
  removalPolicy: RemovalPolicy;
}

export class SecretmApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  readonly routes: apigw.HttpRoute[] = [];

  constructor(scope: Construct, id: string, props: SecretmApiProps) {
    super(scope, id);
    this.httpApi = new apigw.HttpApi(this, 'Api', {
      apiName: props.apiName,
      description: props.description,
      createDefaultStage: false,
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
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
  }

  /** The stage's URL (`https://<id>.execute-api.<region>.amazonaws.com/`). */
  get url(): string {
    return this.stage.url;
  }
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
