/**
 * The network page's rules: a forward's blocking problems (ports 1–65535, a host port forwarded
 * once, an IPv4 host address) and its advice (privileged host ports, addresses other computers
 * reach), the card's problems per engine, which forwards change live, and the browser link.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NetworkConfig, PortForward } from '../../platform/models.js';
import { defaultNetwork, forwardChanges, forwardNotes, forwardProblems, forwardUrl, networkProblem, nicModelChoices } from './network-model.js';

const web: PortForward = { protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 8080, guestPort: 80, name: 'web' };
const ssh: PortForward = { protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22 };

test('ports must be whole numbers from 1 to 65535', () => {
  assert.deepEqual(forwardProblems(web, []), {});
  assert.match(forwardProblems({ ...web, hostPort: 0 }, []).hostPort ?? '', /1 to 65535/);
  assert.match(forwardProblems({ ...web, hostPort: 70000 }, []).hostPort ?? '', /1 to 65535/);
  assert.match(forwardProblems({ ...web, guestPort: Number.NaN }, []).guestPort ?? '', /1 to 65535/);
  assert.match(forwardProblems({ ...web, guestPort: 80.5 }, []).guestPort ?? '', /whole number/);
  assert.deepEqual(forwardProblems({ ...web, hostPort: 65535, guestPort: 1 }, []), {});
});

test('a host address and port is forwarded once per protocol; the guest port may repeat', () => {
  assert.match(forwardProblems({ ...ssh, hostPort: 8080 }, [web]).hostPort ?? '', /already forwarded/);
  assert.deepEqual(forwardProblems({ ...web, protocol: 'udp' }, [web]), {}, 'UDP and TCP are separate');
  assert.deepEqual(forwardProblems({ ...web, hostAddress: '0.0.0.0' }, [web]), {}, 'another host address');
  assert.deepEqual(forwardProblems({ ...web, hostPort: 8081 }, [web]), {}, 'same guest port, other host port');
});

test('the host address is an IPv4 address', () => {
  assert.match(forwardProblems({ ...web, hostAddress: 'localhost' }, []).hostAddress ?? '', /IPv4/);
  assert.match(forwardProblems({ ...web, hostAddress: '' }, []).hostAddress ?? '', /IPv4/);
  assert.match(forwardProblems({ ...web, hostAddress: '300.1.1.1' }, []).hostAddress ?? '', /IPv4/);
});

test('privileged host ports are explained; other addresses warn that other computers can reach the guest', () => {
  assert.deepEqual(forwardNotes(web), []);
  const [privileged] = forwardNotes({ ...web, hostPort: 80 });
  assert.match(privileged ?? '', /privileged port/);
  assert.match(privileged ?? '', /8080/, 'suggests a free alternative');
  assert.equal(forwardNotes({ ...web, hostPort: 1024 }).length, 0);
  const [open] = forwardNotes({ ...web, hostAddress: '0.0.0.0' });
  assert.match(open ?? '', /other computers on the network reach the guest's port 80/);
  assert.equal(forwardNotes({ ...web, hostAddress: '127.0.0.2' }).length, 0, 'all of 127/8 is this computer');
});

test('the card: models per engine, a MAC that is locally administered unicast, forwards sound', () => {
  assert.deepEqual(nicModelChoices('v86'), ['auto', 'ne2k', 'virtio']);
  assert.ok(nicModelChoices('qemu').includes('virtio-net-pci'));
  const network: NetworkConfig = { ...defaultNetwork, mac: '02:54:00:12:34:56', forwards: [web, ssh] };
  assert.equal(networkProblem(network, 'qemu'), undefined);
  assert.equal(networkProblem(defaultNetwork, 'v86'), undefined, 'a new machine has no MAC yet');
  assert.match(networkProblem({ ...network, model: 'e1000' }, 'v86') ?? '', /v86 engine has no network card model "e1000"/);
  assert.match(networkProblem({ ...network, mac: '01:00:00:00:00:01' }, 'qemu') ?? '', /multicast/);
  assert.match(networkProblem({ ...network, mac: 'zz' }, 'qemu') ?? '', /six hex pairs/);
  assert.match(networkProblem({ ...network, forwards: [web, { ...ssh, hostPort: 8080 }] }, 'qemu') ?? '', /already forwarded/);
  assert.equal(networkProblem({ ...network, mode: 'none', model: 'nonsense' }, 'qemu'), undefined, 'no card, nothing to check');
});

test('live changes: edited forwards are removed and added again, unchanged ones left alone', () => {
  assert.deepEqual(forwardChanges([web, ssh], [web, ssh]), { removed: [], added: [] });
  const edited = { ...web, guestPort: 8000 };
  assert.deepEqual(forwardChanges([web, ssh], [edited, ssh]), { removed: [web], added: [edited] });
  assert.deepEqual(forwardChanges([web], []), { removed: [web], added: [] });
  assert.deepEqual(forwardChanges([], [ssh]), { removed: [], added: [ssh] });
});

test('HTTP-like guest ports get a link on this computer', () => {
  assert.equal(forwardUrl(web), 'http://127.0.0.1:8080');
  assert.equal(forwardUrl({ ...web, guestPort: 443, hostPort: 8443 }), 'https://127.0.0.1:8443');
  assert.equal(forwardUrl({ ...web, hostAddress: '0.0.0.0', guestPort: 3000 }), 'http://127.0.0.1:8080');
  assert.equal(forwardUrl(ssh), undefined);
  assert.equal(forwardUrl({ ...web, protocol: 'udp' }), undefined);
});
