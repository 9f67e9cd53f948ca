/**
 * A page loaded when first opened, so the first page (sign-in, secrets) does not carry it: its module
 * is fetched once (same origin, a file the build wrote), then the page renders as if imported.
 */
import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export function lazyPage<P extends object>(load: () => Promise<FunctionComponent<P>>): FunctionComponent<P> {
  let loaded: FunctionComponent<P> | undefined;
  let loading: Promise<FunctionComponent<P>> | undefined;
  return function LazyPage(props: P) {
    const [Page, setPage] = useState(() => loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (Page) return;
      loading ??= load().then((component) => {
        loaded = component;
        return component;
      });
      loading.then(
        (component) => setPage(() => component),
        () => {
          loading = undefined;
          setFailed(true);
        },
      );
    }, [Page]);
    if (Page) return <Page {...props} />;
    return failed ? (
      <div class="error" role="alert">
        <p>This page could not be loaded; check the connection and reload.</p>
      </div>
    ) : (
      <p role="status">Loading…</p>
    );
  };
}
