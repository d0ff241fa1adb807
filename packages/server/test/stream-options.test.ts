// Endpoint options: an explicit `undefined` means the default, and an invalid value throws the
// package's error with a stable code, naming the option.
import { describe, expect, it } from 'vitest';
import { LogwireError, LogwireErrorCode, LogStreamEndpoint, type LogStreamEndpointOptions } from '../src/index.js';
import { LogHub } from '../src/hub/log-hub.js';

describe('LogStreamEndpoint options', () => {
  it('takes an option given as undefined as its default', async () => {
    const options = { path: undefined, aliases: undefined, maxConnections: undefined, helloTimeout: undefined, maxPayload: undefined };
    const endpoint = new LogStreamEndpoint(new LogHub(), options);
    expect(endpoint.paths).toEqual(['/ws/logs', '/ws/monitor']);
    await endpoint.close();
  });

  it('throws LogwireError ERR_LOGWIRE_INVALID_OPTION naming an invalid option', () => {
    const invalid: [LogStreamEndpointOptions, RegExp][] = [
      [{ maxConnections: -1 }, /maxConnections/],
      [{ maxConnectionsPerAddress: 0 }, /maxConnectionsPerAddress/],
      [{ maxPayload: 1.5 }, /maxPayload/],
      [{ messageRate: Number.NaN }, /messageRate/],
      [{ path: 'ws/logs' }, /path/],
      [{ helloTimeout: 'soon' as unknown as number }, /helloTimeout/],
      [{ authenticate: 'yes' as unknown as LogStreamEndpointOptions['authenticate'] }, /authenticate/],
      [{ allowedOrigins: 'https://a.example' as unknown as 'same-origin' }, /allowedOrigins/],
    ];
    for (const [options, name] of invalid) {
      let error: unknown;
      try {
        new LogStreamEndpoint(new LogHub(), options);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(LogwireError);
      expect((error as LogwireError).code).toBe(LogwireErrorCode.InvalidOption);
      expect((error as Error).message).toMatch(name);
    }
  });
});
