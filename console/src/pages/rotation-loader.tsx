/**
 * The Rotation section, loaded when a secret's page first shows it: its form is the console's largest
 * and only this page needs it, so the first page stays small (bench/RESULTS.md, console section).
 */
import { useEffect, useState } from 'preact/hooks';
import type { SecretMetadata } from '../api/client.ts';
import type { RotationAccess } from './secret-rotation.tsx';

type Section = typeof import('./secret-rotation.tsx').RotationSection;
let loading: Promise<Section> | undefined;

export function RotationLoader(props: { secret: SecretMetadata; onChanged: () => void } & RotationAccess) {
  const [section, setSection] = useState<{ Section?: Section; failed?: boolean }>({});
  useEffect(() => {
    let live = true;
    loading ??= import('./secret-rotation.tsx').then((module) => module.RotationSection);
    loading.then(
      (Section) => live && setSection({ Section }),
      () => {
        loading = undefined;
        if (live) setSection({ failed: true });
      },
    );
    return () => {
      live = false;
    };
  }, []);
  const { Section } = section;
  if (Section) return <Section {...props} />;
  return (
    <section aria-labelledby="rotation-heading">
      <h2 id="rotation-heading">Rotation</h2>
      <p>{section.failed ? 'The rotation settings could not be loaded; reload the page.' : 'Loading…'}</p>
    </section>
  );
}
