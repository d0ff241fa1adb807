// A simulated orchestrator that spawns instances, exchanges messages with them, serves HTTP
// requests, and now and then warns, fails or gets audited — the traffic a real service makes.
import { randomUUID } from 'node:crypto';

const ADJECTIVES = ['Sneaky', 'Wobbly', 'Zesty', 'Grumpy', 'Fluffy', 'Cosmic', 'Nimble', 'Sleepy', 'Brave', 'Quirky'];
const NOUNS = ['Penguin', 'Capybara', 'Narwhal', 'Waffle', 'Otter', 'Falcon', 'Badger', 'Lynx', 'Walrus', 'Koala'];
const ROLES = [
  'general',
  'frontend_developer',
  'backend_developer',
  'testing_specialist',
  'documentation_writer',
  'code_reviewer',
  'architect',
  'debugger',
  'security_analyst',
  'data_analyst',
];
const TYPES = ['claude', 'codex', 'grok'];
const MODELS = ['claude-opus-5', 'claude-sonnet-5', 'claude-haiku-4-5', null];
const ROUTES = [
  ['GET', '/instances', 200],
  ['GET', '/health', 200],
  ['POST', '/tools/execute', 200],
  ['GET', '/logs/audit', 200],
  ['POST', '/instances', 201],
  ['GET', '/instances/unknown', 404],
];

const pick = (list) => list[Math.floor(Math.random() * list.length)];
const between = (min, max) => min + Math.random() * (max - min);
const round = (value, digits = 1) => Number(value.toFixed(digits));

/**
 * Starts the workload on a logwire instance. `rate` is the target number of log calls per second
 * (a few per second looks like a calm service; thousands make a load test). Returns controls.
 */
export function startWorkload(logwire, { rate = 4 } = {}) {
  const server = logwire.getLogger('orchestrator.server.core');
  const manager = logwire.getLogger('orchestrator.tmux_instance_manager.core');
  const monitor = logwire.getLogger('orchestrator.monitoring_service');
  const state = logwire.getLogger('orchestrator.state_store');
  const auditLog = logwire.getLogger('orchestrator.audit');
  const instances = new Map();
  // Audit events with the seeds' metadata shape ({ instance_id, details }) and a readable message.
  const auditEvent = (action, instanceId, details, message, level = 'INFO') =>
    auditLog.audit(action, { instance_id: instanceId, details }, { message, level });
  let timer;
  let current = rate;

  function spawn() {
    const id = randomUUID();
    const name = `${pick(ADJECTIVES)}-${pick(NOUNS)}`;
    const role = pick(ROLES);
    const type = pick(TYPES);
    const model = pick(MODELS);
    const log = manager.child({ instance_id: id, instance_name: name });
    log.info(`Spawning ${type} instance ${id} (${name}) in background`, { instance_type: type });
    log.debug(`Creating tmux session: madrox-${id.slice(0, 8)}`);
    log.info(`Successfully spawned ${type} instance ${id} (${name}) with role ${role} via tmux`, { instance_type: type, role });
    auditEvent(
      'instance_spawn',
      id,
      { instance_name: name, role, instance_type: type, model, bypass_isolation: false },
      `Spawned instance '${name}' (${role})`,
    );
    instances.set(id, { id, name, role, requests: 0, tokens: 0, born: Date.now(), log });
  }

  function exchange() {
    const instance = pick([...instances.values()]);
    if (!instance) return spawn();
    const messageId = randomUUID();
    const tokens = Math.floor(between(40, 1800));
    const seconds = round(between(0.8, 24), 1);
    instance.requests++;
    instance.tokens += tokens;
    instance.log.debug(`Sent message ${messageId} to instance ${instance.id}`);
    instance.log.debug(`Polling completed after ${Math.ceil(seconds / 0.5)} polls, ${seconds}s`);
    if (Math.random() < 0.08) {
      instance.log.warning(`Instance ${instance.id} is busy, queued message ${messageId}`);
      return;
    }
    auditEvent(
      'message_exchange',
      instance.id,
      {
        message_id: messageId,
        message_length: Math.floor(between(20, 900)),
        response_length: Math.floor(between(50, 4000)),
        tokens,
        response_time_seconds: seconds,
      },
      `Message exchanged with '${instance.name}' (${tokens} tokens, ${seconds}s)`,
    );
  }

  function terminate() {
    const instance = pick([...instances.values()]);
    if (!instance) return;
    instances.delete(instance.id);
    instance.log.info(`Killed tmux session: madrox-${instance.id.slice(0, 8)}`);
    instance.log.info(`Successfully terminated instance ${instance.id}`);
    auditEvent(
      'instance_terminate',
      instance.id,
      {
        instance_name: instance.name,
        force: false,
        final_state: 'terminated',
        total_requests: instance.requests,
        total_tokens: instance.tokens,
        uptime_seconds: round((Date.now() - instance.born) / 1000),
      },
      `Terminated instance '${instance.name}'`,
    );
  }

  function http() {
    const [method, path, status] = pick(ROUTES);
    const line = `${method} ${path} status=${status} duration=${round(between(0.001, status === 200 ? 1.4 : 0.02), 3)}s`;
    if (status >= 400) server.warning(line, { method, path, status });
    else server.info(line, { method, path, status });
  }

  function trouble() {
    const instance = pick([...instances.values()]);
    const roll = Math.random();
    if (roll < 0.6) {
      monitor.warning(`Interrupt signal sent but no confirmation detected for instance ${instance?.id ?? 'unknown'}`);
    } else if (roll < 0.95) {
      const error = new Error('tmux pane closed unexpectedly');
      monitor.error(`Health check failed for instance ${instance?.id ?? 'unknown'}: ${error.message}`, {
        instance_id: instance?.id,
        error,
      });
      if (instance)
        auditEvent(
          'error',
          instance.id,
          { instance_name: instance.name, error: error.message },
          `Error in '${instance.name}': ${error.message}`,
          'ERROR',
        );
    } else {
      state.critical('MANAGER DAEMON FAILURE DETECTED - INITIATING GRACEFUL DEGRADATION', { affected_instances: instances.size });
      // The seeds' own helper, log_audit_event(event_type, instance_id, details).
      logwire.logAuditEvent('manager_daemon_failure', 'orchestrator', {
        affected_instances_count: instances.size,
        failure_reason: 'ipc socket closed',
      });
    }
  }

  function step() {
    const roll = Math.random();
    if (instances.size < 3 || (roll < 0.06 && instances.size < 12)) spawn();
    else if (roll < 0.5) exchange();
    else if (roll < 0.85) http();
    else if (roll < 0.9 && instances.size > 4) terminate();
    else if (roll < 0.93) trouble();
    else state.debug(`Persisted state for ${instances.size} instances`);
  }

  function schedule() {
    // Above ~200 calls/s, run several steps per tick instead of shortening the timer further.
    const perTick = Math.max(1, Math.round(current / 200));
    const delay = (1000 * perTick) / current;
    timer = setTimeout(
      () => {
        for (let i = 0; i < perTick; i++) step();
        schedule();
      },
      between(0.5, 1.5) * delay,
    );
  }

  server.info('Claude Orchestrator Server initialized');
  server.info('Queue poller started (interval=2s)');
  schedule();

  return {
    get rate() {
      return current;
    },
    setRate(value) {
      current = Math.min(50_000, Math.max(0.5, Number(value) || rate));
    },
    /** Logs `count` ERROR records at once, as an outage would (the demo's `trouble` alert counts them). */
    causeTrouble(count) {
      const error = new Error('connection refused');
      for (let i = 0; i < count; i++) {
        monitor.error(`Health check failed for instance ${pick([...instances.values()])?.id ?? 'unknown'}: ${error.message}`, { error });
      }
    },
    stop() {
      clearTimeout(timer);
    },
  };
}
