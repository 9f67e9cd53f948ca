/** A page opened by its address that the signed-in key may not use: said plainly, not a broken page. */
import { describeNeed, missingFor } from '../access.ts';
import type { Me } from '../api/client.ts';
import { PageHeading } from '../ui/page-heading.tsx';

export function NotAllowed({ path, me }: { path: string; me: Me }) {
  const missing = missingFor(path, me).map(describeNeed);
  return (
    <>
      <PageHeading>Not allowed</PageHeading>
      <p>
        This API key ({me.keyName ?? me.principal}) cannot open this page: it needs {missing.join(' and ')}.
        Sign in with a key that has it, or ask an administrator for one.
      </p>
      <p>
        <a href="#/secrets">Back to Secrets</a>
      </p>
    </>
  );
}
