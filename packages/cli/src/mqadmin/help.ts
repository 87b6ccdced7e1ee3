/**
 * Help text in the layout of commons-cli 1.2's HelpFormatter as the Java
 * mqadmin uses it (width 110, left pad 1, description pad 3): a usage line
 * with every option (optional ones in brackets, sorted by short name), then
 * one line per option.
 */
import type { OptionSpec, SubCommand } from './command.js';

const WIDTH = 110;
const LEFT_PAD = 1;
const DESC_PAD = 3;

function byKey(a: OptionSpec, b: OptionSpec): number {
  const x = a.short.toLowerCase();
  const y = b.short.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** HelpFormatter.findWrapPos. */
function findWrapPos(text: string, width: number, startPos: number): number {
  let pos = text.indexOf('\n', startPos);
  if (pos !== -1 && pos <= width) return pos + 1;
  pos = text.indexOf('\t', startPos);
  if (pos !== -1 && pos <= width) return pos + 1;
  if (startPos + width >= text.length) return -1;
  pos = startPos + width;
  while (pos >= startPos && text[pos] !== ' ' && text[pos] !== '\n' && text[pos] !== '\r') pos--;
  if (pos > startPos) return pos;
  pos = startPos + width;
  while (pos <= text.length && text[pos] !== ' ' && text[pos] !== '\n' && text[pos] !== '\r') pos++;
  return pos === text.length ? -1 : pos;
}

/** HelpFormatter.renderWrappedText. */
function wrap(text: string, width: number, nextLineTabStop: number): string {
  let pos = findWrapPos(text, width, 0);
  if (pos === -1) return text.trimEnd();
  let out = `${text.slice(0, pos).trimEnd()}\n`;
  const tabStop = nextLineTabStop >= width ? 1 : nextLineTabStop;
  const padding = ' '.repeat(tabStop);
  for (;;) {
    text = padding + text.slice(pos).trim();
    pos = findWrapPos(text, width, 0);
    if (pos === -1) return out + text;
    if (text.length > width && pos === tabStop - 1) pos = width;
    out += `${text.slice(0, pos).trimEnd()}\n`;
  }
}

function usageClause(o: OptionSpec, required: boolean): string {
  const s = `-${o.short}${o.arg ? ' <arg>' : ''}`;
  return required ? s : `[${s}]`;
}

/** `usage: mqadmin <name> ...` followed by the option table, as printed by `mqadmin help <name>` and `-h`. */
export function commandHelp(cmd: SubCommand, options: readonly OptionSpec[]): string {
  const sorted = [...options].sort(byKey);
  const parts: string[] = [];
  let groupDone = false;
  for (const o of sorted) {
    if (cmd.group?.options.includes(o.short) === true) {
      if (!groupDone) {
        groupDone = true;
        const g = cmd.group;
        const members = sorted.filter((x) => g.options.includes(x.short)).map((x) => usageClause(x, true));
        parts.push(g.required ? members.join(' | ') : `[${members.join(' | ')}]`);
      } else {
        parts.push('');
      }
    } else {
      parts.push(usageClause(o, o.required === true));
    }
  }
  const usage = `usage: mqadmin ${cmd.name} ${parts.join(' ')}`;
  const lines = [wrap(usage, WIDTH, usage.indexOf(' ') + 1)];

  const prefixes = sorted.map((o) => `${' '.repeat(LEFT_PAD)}-${o.short}${o.long === undefined ? '' : `,--${o.long}`}${o.arg ? ' <arg>' : ''}`);
  const max = Math.max(...prefixes.map((p) => p.length));
  const rows = sorted.map((o, i) => wrap(prefixes[i]!.padEnd(max) + ' '.repeat(DESC_PAD) + o.desc, WIDTH, max + DESC_PAD));
  lines.push(rows.join('\n'));
  return `${lines.join('\n')}\n`;
}

/** What `mqadmin` with no command prints. */
export function commandList(commands: readonly SubCommand[]): string {
  let out = 'The most commonly used mqadmin commands are:\n';
  for (const c of commands) out += `   ${c.name.padEnd(20)} ${c.desc}\n`;
  out += "\nSee 'mqadmin help <command>' for more information on a specific command.\n";
  return out;
}
