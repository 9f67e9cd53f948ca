/** The console's frame: sign-in until a key is held, then the pages behind a header and navigation. */
import { useEffect, useState } from 'preact/hooks';
import { AddVault } from './pages/add-vault.tsx';
import { CreateSecret } from './pages/create-secret.tsx';
import { ImportSecret } from './pages/import-secret.tsx';
import { SecretDetail } from './pages/secret-detail.tsx';
import { Secrets } from './pages/secrets.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { Vaults } from './pages/vaults.tsx';
import { type Location, useLocation } from './router.ts';
import { session } from './session.ts';
import { ActivityRegion } from './ui/activity-region.tsx';

function useSignedIn(): boolean {
  const [signedIn, setSignedIn] = useState(session.key() !== undefined);
  useEffect(() => session.subscribe(() => setSignedIn(session.key() !== undefined)), []);
  return signedIn;
}

function Page({ location }: { location: Location }) {
  const { path, params } = location;
  if (path === '/secrets/new') return <CreateSecret />;
  if (path === '/secrets/import') return <ImportSecret />;
  if (path.startsWith('/secret/')) {
    const name = decodeURIComponent(path.slice('/secret/'.length));
    return <SecretDetail key={name} name={name} editing={params.get('edit') === '1'} />;
  }
  if (path === '/vaults/new') return <AddVault />;
  if (path === '/vaults') return <Vaults />;
  return <Secrets />;
}

export function App() {
  const signedIn = useSignedIn();
  const location = useLocation();
  if (!signedIn) return <SignIn />;
  const section = location.path.startsWith('/vaults') ? 'vaults' : 'secrets';
  return (
    <>
      <header class="top">
        <span class="brand">secretm</span>
        <nav aria-label="Main">
          <a href="#/secrets" aria-current={section === 'secrets' ? 'page' : undefined}>
            Secrets
          </a>
          <a href="#/vaults" aria-current={section === 'vaults' ? 'page' : undefined}>
            Vaults
          </a>
        </nav>
        <button type="button" onClick={() => session.signOut()}>
          Sign out
        </button>
        <ActivityRegion />
      </header>
      <main id="main" tabIndex={-1}>
        <Page key={`${location.path}?${location.params}`} location={location} />
      </main>
    </>
  );
}
