/** Hash routes (`#/secrets`, `#/secret/NAME`, `#/vaults/new`), so any static host serves every page. */
import { useEffect, useState } from 'preact/hooks';

export interface Location {
  path: string;
  params: URLSearchParams;
}

function current(): Location {
  const hash = window.location.hash.replace(/^#/, '') || '/secrets';
  const [path = '/secrets', query = ''] = hash.split('?');
  return { path, params: new URLSearchParams(query) };
}

export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return location;
}

export function navigate(path: string): void {
  window.location.hash = path;
}

export const secretPath = (name: string, query = '') =>
  `/secret/${encodeURIComponent(name)}${query ? `?${query}` : ''}`;

export const bindingPath = (service: string) => `/binding/${encodeURIComponent(service)}`;

/** The navigation section a path belongs to (`/binding/NAME` → `bindings`); the secrets pages by default. */
export function sectionOf(path: string): string {
  const first = path.split('/')[1] ?? '';
  if (first === 'binding') return 'bindings';
  return ['vaults', 'api-keys', 'costs', 'audit', 'bindings'].includes(first) ? first : 'secrets';
}
