/**
 * `POST /v1/render`: a template's references resolved with the caller's own permissions. Each
 * referenced secret is read (and audited) like a value read; another tenant's secret is exactly as
 * absent as a missing one.
 */
import type { RequestContext } from '../auth/principal.ts';
import type { SecretService } from '../secrets/secret-service.ts';
import { renderTemplate } from './render.ts';

export function createRenderService(deps: { secrets: SecretService }) {
  return {
    render(ctx: RequestContext, template: string): Promise<string> {
      return renderTemplate(template, async (name) => {
        const { value } = await deps.secrets.getValue(ctx, name);
        if (value.type === 'env') return value.data;
        // A base64 file is bytes: the template renders the text they hold, as the layer does.
        return value.file.encoding === 'base64'
          ? new Uint8Array(Buffer.from(value.file.content, 'base64'))
          : value.file.content;
      });
    },
  };
}

export type RenderService = ReturnType<typeof createRenderService>;
