/** `npx cdk synth` / `npx cdk deploy` run this file (cdk.json): Node 24 strips the types. */
import { App } from 'aws-cdk-lib';
import { buildSecretmApp } from './secretm-app.ts';

const app = new App();
buildSecretmApp(app);
app.synth();
