#!/usr/bin/env node
import { Command, Option } from 'commander';
import { ConfigError, envName, packageVersion, SETTINGS, type SettingSpec } from '../config/index.js';
import { registerBenchCommand } from './bench.js';

const program = new Command();
program
  .name('onnxserve')
  .description('A small, fast server for ONNX models: KServe V2 REST and gRPC, the seed V1 API, Triton model repositories.')
  .version(packageVersion());

const serve = program
  .command('serve')
  .description('serve every model in a model repository over HTTP (V1 and V2 REST) and gRPC (V2)')
  .option('--config <file>', `JSON file of settings (keys as the flags below); env ONNXSERVE_CONFIG`);
for (const spec of SETTINGS as readonly SettingSpec[]) {
  serve.addOption(optionFor(spec));
  if (spec.type === 'bool' && spec.valued) serve.addOption(new Option(`--no-${spec.flag}`, `same as --${spec.flag}=false`).hideHelp());
}
serve.addHelpText('after', '\nPrecedence: command line, then ONNXSERVE_* variables, then --config file, then defaults.');
serve.action(async (opts: Record<string, unknown>, cmd: Command) => {
  // commander gives a lone `--no-x` option the default true; only what the command line said may override env.
  for (const k of Object.keys(opts)) if (cmd.getOptionValueSource(k) === 'default') delete opts[k];
  const { loadConfig } = await import('../config/index.js');
  const { runServe } = await import('./serve.js');
  let config;
  try {
    config = loadConfig(opts, process.env, (opts.config as string | undefined) ?? (process.env.ONNXSERVE_CONFIG || undefined));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`onnxserve: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  await runServe(config);
});

program
  .command('inspect')
  .description('print a model\'s inputs and outputs (names, datatypes, shapes) and its opsets')
  .argument('<model>', 'path to a .onnx file')
  .option('--json', 'print JSON instead of text')
  .action(async (model: string, opts: { json?: boolean }) => {
    const { inspectModel, formatInspection } = await import('./inspect.js');
    const result = await inspectModel(model);
    process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : formatInspection(result));
  });

registerBenchCommand(program);

function optionFor(spec: SettingSpec): Option {
  const env = envName(spec);
  const dflt = spec.default === undefined ? '' : `, default ${JSON.stringify(spec.default)}`;
  if (spec.type === 'bool' && spec.valued) {
    // `--flag` alone, `--flag=false`, `--flag false`; `--no-flag` is added beside it (addNegations).
    return new Option(`--${spec.flag} [true|false]`, `${spec.help} (env ${env}${dflt})`);
  }
  if (spec.type === 'bool') {
    // On by default: --no-x turns it off; off by default: --x turns it on.
    return new Option(spec.default === false ? `--${spec.flag}` : `--no-${spec.flag}`, `${spec.help} (env ${env}${dflt})`);
  }
  const o = new Option(`--${spec.flag} <${spec.type === 'int' ? 'n' : 'value'}>`, `${spec.help} (env ${env}${dflt})`);
  if (spec.choices) o.choices(spec.choices);
  return o;
}

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`onnxserve: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
