/** An API error next to the action that caused it: the API's message and its request id. */
import type { ApiError } from '../api/client.ts';

export function ErrorNote({ error }: { error: ApiError | undefined }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      <p>{error.message}</p>
      {error.requestId && (
        <p class="request-id">
          Request ID: <code>{error.requestId}</code>
        </p>
      )}
    </div>
  );
}
