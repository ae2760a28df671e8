'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { io: connect } = require('socket.io-client');
const { createServer } = require('../server.js');

const ADMIN = 'admin-token-for-test';
const EMIT = 'emit-token-for-test';
let httpServer;
let io;
let base;

before(async () => {
  ({ httpServer, io } = createServer({ adminToken: ADMIN, emitToken: EMIT }));
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${httpServer.address().port}`;
});

after(() => new Promise((resolve) => io.close(() => resolve())));

function client(nsp, token, opts = {}) {
  return connect(`${base}${nsp}`, { auth: { token }, forceNew: true, reconnection: false, ...opts });
}

function once(emitter, event) {
  return new Promise((resolve) => emitter.once(event, resolve));
}

function postEmit(body, token = EMIT) {
  return fetch(`${base}/emit`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

test('a client with the admin token connects and receives broadcasts and room emits', async () => {
  const a = client('/mcp', ADMIN, { transports: ['websocket'] });
  const b = client('/mcp', ADMIN); // polling, then upgrade
  await Promise.all([once(a, 'connect'), once(b, 'connect')]);
  const ack = await a.emitWithAck('join', { room: 'r1' });
  assert.deepEqual(ack, { ok: true, room: 'r1' });

  const gotA = once(a, 'bench');
  const gotB = once(b, 'bench');
  let res = await postEmit({ namespace: '/mcp', event: 'bench', data: { s: 1 } });
  assert.equal(res.status, 202);
  assert.deepEqual(await res.json(), { accepted: 1 });
  assert.deepEqual(await gotA, { s: 1 });
  assert.deepEqual(await gotB, { s: 1 });

  let bGotRoom = false;
  b.on('roomy', () => { bGotRoom = true; });
  const roomA = once(a, 'roomy');
  res = await postEmit([
    { namespace: '/mcp', room: 'r1', event: 'roomy', data: 'x' },
    { namespace: '/system', event: 'other', data: null },
  ]);
  assert.equal(res.status, 202);
  assert.deepEqual(await res.json(), { accepted: 2 });
  assert.equal(await roomA, 'x');
  // b sees a later namespace-wide emit, so it would have seen the room emit before it.
  const marker = once(b, 'marker');
  await postEmit({ namespace: '/mcp', event: 'marker' });
  await marker;
  assert.equal(bGotRoom, false);
  a.close();
  b.close();
});

test('a wrong token is refused with connect_error and data.code', async () => {
  const c = client('/services', 'nope', { transports: ['websocket'] });
  const err = await once(c, 'connect_error');
  assert.equal(err.message, 'unauthorized');
  assert.deepEqual(err.data, { code: 'unauthorized' });
  c.close();
});

test('/emit checks the bearer token and names the bad field', async () => {
  let res = await postEmit({ namespace: '/mcp', event: 'x' }, 'wrong');
  assert.equal(res.status, 401);
  res = await postEmit({ namespace: '/nope', event: 'x' });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).field, 'namespace');
  res = await postEmit([{ namespace: '/mcp', event: 'x' }, { namespace: '/mcp' }]);
  assert.equal(res.status, 400);
  assert.equal((await res.json()).field, '[1].event');
  res = await postEmit('{not json');
  assert.equal(res.status, 400);
  res = await postEmit('x'.repeat(1_000_001));
  assert.equal(res.status, 413);
});
