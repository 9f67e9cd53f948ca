/** The console's frame: sign-in until a key is held, then the pages behind a header and navigation. */
import { useEffect, useState } from 'preact/hooks';
import { mayOpen, useMe } from './access.ts';
import {
  AddVault,
  ApiKeys,
  Audit,
  BindingDetail,
  Bindings,
  Costs,
  CreateSecret,
  ImportSecret,
  Vaults,
} from './pages/lazy-pages.tsx';
import { NotAllowed } from './pages/not-allowed.tsx';
import { SecretDetail } from './pages/secret-detail.tsx';
import { Secrets } from './pages/secrets.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { type Location, sectionOf, useLocation } from './router.ts';
import { session } from './session.ts';
import { ActivityRegion } from './ui/activity-region.tsx';

function useSignedIn(): boolean {
  const [signedIn, setSignedIn] = useState(session.key() !== undefined);
  useEffect(() => session.subscribe(() => setSignedIn(session.key() !== undefined)), []);
  return signedIn;
}

function Page({ location }: { location: Location }) {
  const { path, params } = location;
  const me = useMe();
  if (!me.data && !me.error) return <p role="status">Loading…</p>;
  if (me.data && !mayOpen(path, me.data)) return <NotAllowed path={path} me={me.data} />;
  if (path === '/secrets/new') return <CreateSecret />;
  if (path === '/secrets/import') return <ImportSecret />;
  if (path.startsWith('/secret/')) {
    const name = decodeURIComponent(path.slice('/secret/'.length));
    return <SecretDetail key={name} name={name} editing={params.get('edit') === '1'} />;
  }
  if (path === '/vaults/new') return <AddVault />;
  if (path === '/vaults') return <Vaults />;
  if (path === '/api-keys') return <ApiKeys />;
  if (path === '/costs') return <Costs />;
  if (path === '/audit') return <Audit />;
  if (path === '/bindings') return <Bindings />;
  if (path.startsWith('/binding/')) {
    const service = decodeURIComponent(path.slice('/binding/'.length));
    return <BindingDetail key={service} service={service} creating={params.get('new') === '1'} />;
  }
  return <Secrets />;
}

export function App() {
  const signedIn = useSignedIn();
  const location = useLocation();
  if (!signedIn) return <SignIn />;
  return <SignedIn location={location} />;
}

function SignedIn({ location }: { location: Location }) {
  // Links to pages the key may not open are not offered (GET /v1/me, asked once per session).
  const me = useMe();
  const section = sectionOf(location.path);
  return (
    <>
      <header class="top">
        <span class="brand">secretm</span>
        <nav aria-label="Main">
          <a href="#/secrets" aria-current={section === 'secrets' ? 'page' : undefined}>
            Secrets
          </a>
          {me.data && mayOpen('/vaults', me.data) && (
            <a href="#/vaults" aria-current={section === 'vaults' ? 'page' : undefined}>
              Vaults
            </a>
          )}
          {me.data && mayOpen('/api-keys', me.data) && (
            <a href="#/api-keys" aria-current={section === 'api-keys' ? 'page' : undefined}>
              API keys
            </a>
          )}
          {me.data && mayOpen('/costs', me.data) && (
            <a href="#/costs" aria-current={section === 'costs' ? 'page' : undefined}>
              Costs
            </a>
          )}
          {me.data && mayOpen('/audit', me.data) && (
            <a href="#/audit" aria-current={section === 'audit' ? 'page' : undefined}>
              Audit
            </a>
          )}
          <a href="#/bindings" aria-current={section === 'bindings' ? 'page' : undefined}>
            Bindings
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
