import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has working defaults: embedded database in ./data on port 8080', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ databaseUrl: undefined, dataDir: './data', port: 8080, retentionDays: 30 });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', LOG_CENTER_ADMIN_TOKEN: ' ' }).databaseUrl).toBeUndefined();
  });

  it('stops with a message naming every bad variable', () => {
    const bad = { PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_CENTER_ADMIN_TOKEN: 'short' };
    expect(() => loadConfig(bad)).toThrow(ConfigError);
    try {
      loadConfig(bad);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT');
      expect(message).toContain('DATABASE_URL');
      expect(message).toContain('LOG_CENTER_ADMIN_TOKEN');
    }
  });
});
