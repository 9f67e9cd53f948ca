/** A page fetched when first opened, so the first page (sign-in) does not carry it. */
import type { ComponentType, FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorNote } from './error-note.tsx';
import { asApiError } from './use-load.ts';

export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>): FunctionComponent<P> {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<ComponentType<P>> | undefined;
  return function LazyPage(props: P) {
    const [page, setPage] = useState<{ Component?: ComponentType<P>; failed?: boolean }>(() => ({
      ...(loaded ? { Component: loaded } : {}),
    }));
    useEffect(() => {
      if (page.Component) return;
      loading ??= load().then((component) => {
        loaded = component;
        return component;
      });
      loading.then(
        (Component) => setPage({ Component }),
        () => {
          loading = undefined;
          setPage({ failed: true });
        },
      );
    }, [page.Component]);
    if (page.failed) return <ErrorNote error={asApiError(new Error('page not loaded'))} />;
    const { Component } = page;
    return Component ? <Component {...props} /> : <p role="status">Loading…</p>;
  };
}
