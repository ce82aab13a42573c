/** `inferchain-node start --config <file>`: runs the sidecar until SIGTERM/SIGINT. */
import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { Daemon } from '../daemon/daemon.js';

export function register(program: Command): void {
  program
    .command('start')
    .description('run the validator sidecar: follow the chain, execute assigned jobs, post results, serve the API')
    .requiredOption('--config <file>', 'JSON config file (see node/src/config/CONFIG.md; INFERCHAIN_NODE_* env vars override it)')
    .addHelpText('after', '\nLogs JSON lines (pino) to stdout; the line with "msg":"ready" means the API is serving and the follower runs.\nSIGTERM/SIGINT stop it gracefully (a second signal exits at once).')
    .action(async (o: { config: string }) => {
      const config = await loadConfig(o.config);
      const daemon = new Daemon(config);
      let signals = 0;
      const onSignal = (sig: NodeJS.Signals): void => {
        if (++signals > 1) {
          daemon.log.warn({ signal: sig }, 'second signal: exiting now');
          process.exit(130);
        }
        daemon.log.info({ signal: sig }, 'shutting down');
        daemon.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      try {
        await daemon.start();
      } catch (e) {
        daemon.log.fatal({ err: (e as Error).message }, 'startup failed');
        await daemon.stop();
        throw e;
      }
    });
}
