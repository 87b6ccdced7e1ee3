/**
 * MQVersion.Version: the ordinals clients and brokers put in every command's
 * `version` field, and the names tools print for them (getVersionDesc).
 * The enum is regular after V3_0_0_FINAL, so it is generated rather than
 * listed; test/version.test.ts pins known ordinals.
 */

function buildVersionNames(): string[] {
  const names = ['V3_0_0_SNAPSHOT', 'V3_0_0_ALPHA1'];
  for (let beta = 1; beta <= 5; beta++) names.push(`V3_0_0_BETA${beta}`);
  for (let beta = 6; beta <= 9; beta++) names.push(`V3_0_0_BETA${beta}_SNAPSHOT`, `V3_0_0_BETA${beta}`);
  names.push('V3_0_0_FINAL');
  for (let patch = 1; patch <= 15; patch++) names.push(`V3_0_${patch}_SNAPSHOT`, `V3_0_${patch}`);
  for (let major = 3; major <= 5; major++) {
    for (let minor = 0; minor <= 9; minor++) {
      if (major === 3 && minor === 0) continue;
      // 3.3 to 3.9 start at patch 1; every other line starts at 0.
      const first = major === 3 && minor >= 3 ? 1 : 0;
      for (let patch = first; patch <= 9; patch++) names.push(`V${major}_${minor}_${patch}_SNAPSHOT`, `V${major}_${minor}_${patch}`);
    }
  }
  names.push('HIGHER_VERSION');
  return names;
}

const VERSION_NAMES: readonly string[] = buildVersionNames();

/** MQVersion.getVersionDesc: the enum name of a version ordinal; past the end, HIGHER_VERSION. */
export function mqVersionDesc(version: number): string {
  if (!Number.isInteger(version) || version < 0) return VERSION_NAMES[0]!;
  return VERSION_NAMES[Math.min(version, VERSION_NAMES.length - 1)]!;
}

/** The ordinal of a version name ("V4_9_4" -> 401), or undefined. */
export function mqVersionOrdinal(name: string): number | undefined {
  const i = VERSION_NAMES.indexOf(name);
  return i < 0 ? undefined : i;
}
