// The commands are compiled into dist/, which a fresh clone does not have until
// `npm run build`. npm links these small files at install time instead, so
// `npx mqadmin` and friends exist from the start and say what is missing.
export function launch(name) {
  const target = new URL(`../dist/bin/${name}.js`, import.meta.url);
  import(target.href).catch((err) => {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(`dist/bin/${name}.js`)) {
      process.stderr.write(`${name}: not built yet; run \`npm run build\` (or \`npm start\`) at the top of the repository first\n`);
      process.exit(1);
    }
    throw err;
  });
}
