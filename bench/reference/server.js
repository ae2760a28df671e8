'use strict';
// Reference Socket.IO v4 server for bench/fanout.sh: the npm `socket.io` 4.8 server with the same
// contract as Switchboard's ws-hub (namespaces, handshake auth, POST /emit), default options.
//
// Environment: PORT (3007), HOST (127.0.0.1), ADMIN_TOKEN (required), EMIT_TOKEN (required).

const http = require('node:http');
const { Server } = require('socket.io');

const NAMESPACES = ['/services', '/deployments', '/system', '/mcp', '/files'];
const MAX_BODY = 1e6; // same as socket.io's default maxHttpBufferSize

class HttpError extends Error {
  constructor(status, title, detail, field) {
    super(detail);
    this.status = status;
    this.title = title;
    this.field = field;
  }
}

function sendJson(res, status, body, contentType = 'application/json') {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendProblem(res, err) {
  const body = { type: 'about:blank', title: err.title, status: err.status, detail: err.message };
  if (err.field !== undefined) body.field = err.field;
  sendJson(res, err.status, body, 'application/problem+json');
}

/** Validates one emit request; returns it normalised or throws an HttpError naming the field. */
function validateEmit(item, prefix) {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new HttpError(400, 'Bad Request', 'each emit must be a JSON object', prefix || 'body');
  }
  const field = (name) => (prefix ? `${prefix}.${name}` : name);
  if (typeof item.namespace !== 'string' || !NAMESPACES.includes(item.namespace)) {
    throw new HttpError(400, 'Bad Request', `namespace must be one of ${NAMESPACES.join(', ')}`, field('namespace'));
  }
  if (typeof item.event !== 'string' || item.event.length === 0) {
    throw new HttpError(400, 'Bad Request', 'event must be a non-empty string', field('event'));
  }
  if (item.room !== undefined && item.room !== null && (typeof item.room !== 'string' || item.room.length === 0)) {
    throw new HttpError(400, 'Bad Request', 'room must be a non-empty string when present', field('room'));
  }
  return { namespace: item.namespace, room: item.room || null, event: item.event, data: item.data };
}

function createServer({ adminToken, emitToken }) {
  if (!adminToken || !emitToken) throw new Error('ADMIN_TOKEN and EMIT_TOKEN must be set');
  const expectedAuth = `Bearer ${emitToken}`;

  // socket.io intercepts /socket.io/ requests; every other request reaches this handler.
  const httpServer = http.createServer((req, res) => {
    const path = req.url.split('?', 1)[0];
    if (path === '/health' && req.method === 'GET') {
      const connections = {};
      for (const nsp of NAMESPACES) connections[nsp.slice(1)] = io.of(nsp).sockets.size;
      sendJson(res, 200, { success: true, status: 'healthy', connections, activeStreams: 0 });
      return;
    }
    if (path !== '/emit') {
      sendProblem(res, new HttpError(404, 'Not Found', 'no such resource'));
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      sendProblem(res, new HttpError(405, 'Method Not Allowed', 'use POST'));
      return;
    }
    if (req.headers.authorization !== expectedAuth) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      sendProblem(res, new HttpError(401, 'Unauthorized', 'a valid emit token is required'));
      req.resume();
      return;
    }
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > MAX_BODY) {
        tooLarge = true;
        sendProblem(res, new HttpError(413, 'Payload Too Large', `the body exceeds ${MAX_BODY} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return;
      try {
        let body;
        try {
          body = JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
        } catch (e) {
          throw new HttpError(400, 'Bad Request', 'the body is not valid JSON', 'body');
        }
        const items = Array.isArray(body)
          ? body.map((item, i) => validateEmit(item, `[${i}]`))
          : [validateEmit(body, '')];
        for (const { namespace, room, event, data } of items) {
          const nsp = io.of(namespace);
          if (room) nsp.to(room).emit(event, data);
          else nsp.emit(event, data);
        }
        sendJson(res, 202, { accepted: items.length });
      } catch (err) {
        if (err instanceof HttpError) sendProblem(res, err);
        else sendProblem(res, new HttpError(500, 'Internal Server Error', 'emit failed'));
      }
    });
  });

  // Default options: pingInterval 25000, pingTimeout 20000, maxHttpBufferSize 1e6,
  // perMessageDeflate off, transports polling + websocket.
  const io = new Server(httpServer, { path: '/socket.io/' });

  for (const name of NAMESPACES) {
    const nsp = io.of(name);
    nsp.use((socket, next) => {
      const auth = socket.handshake.auth || {};
      if (auth.token === adminToken) {
        next();
        return;
      }
      const err = new Error('unauthorized');
      err.data = { code: 'unauthorized' };
      next(err);
    });
    nsp.on('connection', (socket) => {
      socket.emit('connected', { namespace: name, id: socket.id });
      if (name === '/mcp') {
        socket.on('join', (payload, ack) => {
          const room = payload && payload.room;
          if (typeof room !== 'string' || room.length === 0) {
            if (typeof ack === 'function') ack({ ok: false, error: { code: 'invalid', message: 'room is required' } });
            return;
          }
          socket.join(room);
          socket.emit('joined', { room });
          if (typeof ack === 'function') ack({ ok: true, room });
        });
        socket.on('leave', (payload, ack) => {
          const room = payload && payload.room;
          if (typeof room === 'string') socket.leave(room);
          if (typeof ack === 'function') ack({ ok: true, room });
        });
      }
    });
  }
  return { httpServer, io };
}

module.exports = { createServer, NAMESPACES };

if (require.main === module) {
  const port = Number(process.env.PORT || 3007);
  const host = process.env.HOST || '127.0.0.1';
  const { httpServer, io } = createServer({
    adminToken: process.env.ADMIN_TOKEN,
    emitToken: process.env.EMIT_TOKEN,
  });
  httpServer.listen(port, host, () => {
    console.log(`reference socket.io ${require('socket.io/package.json').version} on http://${host}:${port}/socket.io/ (pid ${process.pid})`);
  });
  const stop = () => {
    io.close();
    httpServer.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
