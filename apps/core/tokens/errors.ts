/**
 * Why the connector cannot hand out an access token for an export right now, and what the
 * delivery should do about it:
 * - `park`: only a manager can fix it (authorize again, fix the OAuth configuration, enable the
 *   export); the delivery waits without spending an attempt and resumes after authorization.
 * - `postpone`: a passing failure (the token endpoint timed out or answered 5xx, another process
 *   is still refreshing); the delivery comes back after `retryInMs`, no attempt spent.
 */
export class TokenUnavailableError extends Error {
  constructor(
    readonly disposition: 'park' | 'postpone',
    message: string,
    readonly retryInMs = 0,
  ) {
    super(message);
    this.name = 'TokenUnavailableError';
  }
}
