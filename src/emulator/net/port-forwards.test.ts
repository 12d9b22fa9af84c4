import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardProblem, hostfwdAddCommand, hostfwdFailure, hostfwdRemoveCommand } from './port-forwards.js';

const forward = { protocol: 'tcp' as const, hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22 };

test('forwards are checked before QEMU sees them', () => {
  assert.equal(forwardProblem(forward), undefined);
  assert.match(forwardProblem({ ...forward, hostPort: 0 }) ?? '', /host port 0 is not a port number/);
  assert.match(forwardProblem({ ...forward, guestPort: 70_000 }) ?? '', /guest port 70000/);
  assert.match(forwardProblem({ ...forward, hostAddress: '0.0.0.0 -netdev x' }) ?? '', /not an IPv4 address/);
  assert.match(forwardProblem({ ...forward, protocol: 'sctp' as 'tcp' }) ?? '', /tcp or udp/);
});

test('HMP commands and answers', () => {
  assert.equal(hostfwdAddCommand('u0', forward), 'hostfwd_add u0 tcp:127.0.0.1:2222-:22');
  assert.equal(hostfwdAddCommand('u0', { ...forward, protocol: 'udp', guestAddress: '10.0.2.15' }), 'hostfwd_add u0 udp:127.0.0.1:2222-10.0.2.15:22');
  assert.equal(hostfwdRemoveCommand('u0', forward), 'hostfwd_remove u0 tcp:127.0.0.1:2222');
  assert.equal(hostfwdFailure('', forward, 'add'), undefined);
  assert.equal(hostfwdFailure('host forwarding rule for tcp:127.0.0.1:2222 removed\r\n', forward, 'remove'), undefined);
  assert.match(hostfwdFailure('Could not set up host forwarding rule \'tcp:127.0.0.1:2222-:22\'\r\n', forward, 'add') ?? '', /TCP 127\.0\.0\.1:2222 is in use .* the machine keeps running/);
  assert.match(hostfwdFailure('host forwarding rule for tcp:127.0.0.1:2222 not found\r\n', forward, 'remove') ?? '', /No forward listens on TCP 127\.0\.0\.1:2222/);
});
