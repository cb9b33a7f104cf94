/** Config: the environment contract's defaults, and a clear error naming each bad variable. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, isLoopbackHost, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment, frozen', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.deepEqual(config.database, {
      kind: 'sqlite',
      path: './data/parley.sqlite',
      synchronous: 'NORMAL',
      createFolder: true,
    });
    assert.equal(config.defaultModel, undefined);
    assert.equal(config.allowInsecureRemote, false);
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.database));
  });

  it('reads sqlite paths in both spellings and the other variables', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '::1',
      DATABASE_URL: 'sqlite:/var/lib/parley/db.sqlite',
      PARLEY_DEFAULT_MODEL: 'deepseek-chat',
      PARLEY_ALLOW_INSECURE_REMOTE: 'true',
      PARLEY_SQLITE_SYNCHRONOUS: 'FULL',
    });
    assert.deepEqual(
      [config.port, config.host, config.database, config.defaultModel, config.allowInsecureRemote],
      [
        9000,
        '::1',
        { kind: 'sqlite', path: '/var/lib/parley/db.sqlite', synchronous: 'FULL', createFolder: false },
        'deepseek-chat',
        true,
      ],
    );
    assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite:///tmp/x.sqlite' }).database, {
      kind: 'sqlite',
      path: '/tmp/x.sqlite',
      synchronous: 'NORMAL',
      createFolder: false,
    });
    assert.throws(() => loadConfig({ PARLEY_SQLITE_SYNCHRONOUS: 'OFF' }), /PARLEY_SQLITE_SYNCHRONOUS/);
  });

  it('stops on bad values with one message naming every bad variable', () => {
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        REDIS_URL: 'ftp://secret-user:secret-pass@host',
        PARLEY_LOG_LEVEL: 'loud',
        PARLEY_ALLOW_INSECURE_REMOTE: 'maybe',
      });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      for (const name of [
        'PORT',
        'DATABASE_URL',
        'REDIS_URL',
        'PARLEY_LOG_LEVEL',
        'PARLEY_ALLOW_INSECURE_REMOTE',
      ]) {
        assert.match(error.message, new RegExp(`${name}:`));
      }
      assert.doesNotMatch(error.message, /secret-pass/, 'a URL may hold credentials: never echo it');
      assert.equal(error.problems.length, 5);
    }
  });

  it('reads PostgreSQL URLs in both spellings, and refuses out-of-range ports', () => {
    const url = 'postgres://parley:s3cret@db.internal:5432/parley?sslmode=require';
    const config = loadConfig({ DATABASE_URL: url });
    assert.deepEqual(config.database, { kind: 'postgres', url });
    assert.ok(Object.isFrozen(config.database));
    assert.deepEqual(loadConfig({ DATABASE_URL: 'postgresql://u@h/db' }).database, {
      kind: 'postgres',
      url: 'postgresql://u@h/db',
    });
    assert.throws(() => loadConfig({ PORT: '70000' }), /PORT: expected an integer from 0 to 65535/);
  });

  it('never echoes a bad DATABASE_URL, which may hold a password', () => {
    for (const value of ['mysql://root:hunter2@h/db', 'postgres://root:hunter2@[bad/db']) {
      try {
        loadConfig({ DATABASE_URL: value });
        assert.fail(`expected a ConfigError for the ${value.split(':')[0]} URL`);
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /DATABASE_URL:/);
        assert.doesNotMatch(error.message, /hunter2/);
      }
    }
  });

  it('reads CORS origins, admin key and key secret, refusing bad ones without echoing secrets', () => {
    const config = loadConfig({
      PARLEY_CORS_ORIGINS: 'https://chat.example.com, http://127.0.0.1:5173',
      PARLEY_ADMIN_KEY: 'sk-admin-0123456789abcdefghij',
      PARLEY_KEY_SECRET: '0123456789abcdef',
    });
    assert.deepEqual(config.corsOrigins, ['https://chat.example.com', 'http://127.0.0.1:5173']);
    assert.equal(config.adminKey, 'sk-admin-0123456789abcdefghij');
    assert.deepEqual(loadConfig({}).corsOrigins, []);
    assert.deepEqual(loadConfig({ PARLEY_CORS_ORIGINS: '*' }).corsOrigins, ['*']);
    assert.throws(
      () => loadConfig({ PARLEY_CORS_ORIGINS: 'https://a.example/path' }),
      /PARLEY_CORS_ORIGINS:/,
    );
    assert.throws(
      () => loadConfig({ PARLEY_ADMIN_KEY: 'too-short-secret', PARLEY_KEY_SECRET: 'short' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems, [
          'PARLEY_ADMIN_KEY: must be at least 24 characters long',
          'PARLEY_KEY_SECRET: must be at least 16 characters long',
        ]);
        assert.doesNotMatch(error.message, /too-short-secret/);
        return true;
      },
    );
  });

  it('tells loopback hosts from the rest', () => {
    assert.equal(isLoopbackHost('127.0.0.1'), true);
    assert.equal(isLoopbackHost('::1'), true);
    assert.equal(isLoopbackHost('localhost'), true);
    assert.equal(isLoopbackHost('0.0.0.0'), false);
    assert.equal(isLoopbackHost('::'), false);
    // A name is not an address: these resolve wherever their owner wants.
    assert.equal(isLoopbackHost('127.attacker.example'), false);
    assert.equal(isLoopbackHost('127.0.0.1.attacker.example'), false);
    assert.equal(isLoopbackHost('127.1.2.3'), true);
  });
});
