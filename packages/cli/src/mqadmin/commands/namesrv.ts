/** NameServer subcommands: wipeWritePerm, addWritePerm, getNamesrvConfig, updateNamesrvConfig. */
import { errorMessage } from '@rocketmq-ts/common';
import type { CommandContext, ParsedOptions, SubCommand } from '../command.js';
import { javaListToString } from '../javastr.js';

function writePermCommand(name: 'wipeWritePerm' | 'addWritePerm'): SubCommand {
  const verb = name === 'wipeWritePerm' ? 'wipe' : 'add';
  return {
    name,
    desc: `${name === 'wipeWritePerm' ? 'Wipe' : 'Add'} write perm of broker in all name server you defined in the -n param`,
    options: [{ short: 'b', long: 'brokerName', arg: true, required: true, desc: 'broker name' }],
    async run(ctx: CommandContext, opts: ParsedOptions): Promise<void> {
      const brokerName = opts.required('b');
      const admin = ctx.admin();
      let failed: unknown;
      for (const ns of admin.nameServerAddressList) {
        try {
          const count = verb === 'wipe' ? await admin.wipeWritePermOfBroker(ns, brokerName) : await admin.addWritePermOfBroker(ns, brokerName);
          ctx.printf(`${verb} write perm of broker[%s] in name server[%s] OK, %d%n`, brokerName, ns, count);
        } catch (err) {
          ctx.printf(`${verb} write perm of broker[%s] in name server[%s] Failed%n`, brokerName, ns);
          ctx.warn(errorMessage(err));
          failed = err;
        }
      }
      if (failed !== undefined) throw failed;
    },
  };
}

export const wipeWritePermCommand = writePermCommand('wipeWritePerm');
export const addWritePermCommand = writePermCommand('addWritePerm');

export const getNamesrvConfigCommand: SubCommand = {
  name: 'getNamesrvConfig',
  desc: 'Get configs of name server.',
  options: [],
  async run(ctx) {
    const configs = await ctx.admin().getNameServerConfig(ctx.namesrvFromOption);
    for (const [addr, props] of configs) {
      ctx.printf('============%s============\n', addr);
      for (const [k, v] of props) ctx.printf('%-50s=  %s\n', k, v);
    }
  },
};

export const updateNamesrvConfigCommand: SubCommand = {
  name: 'updateNamesrvConfig',
  desc: 'Update configs of name server.',
  options: [
    { short: 'k', long: 'key', arg: true, required: true, desc: 'config key' },
    { short: 'v', long: 'value', arg: true, required: true, desc: 'config value' },
  ],
  async run(ctx, opts) {
    const key = opts.required('k');
    const value = opts.required('v');
    await ctx.admin().updateNameServerConfig(new Map([[key, value]]), ctx.namesrvFromOption);
    ctx.printf('update name server config success!%s\n%s : %s\n', ctx.namesrvFromOption === undefined ? '' : javaListToString(ctx.namesrvFromOption), key, value);
  },
};
